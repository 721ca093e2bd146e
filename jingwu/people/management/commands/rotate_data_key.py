"""`manage.py rotate_data_key`: re-encrypt the persons' personal data under the current key (密钥轮换)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.core.encrypted_fields import data_ring, index_ring
from jingwu.core.fieldcrypto import DecryptionError, new_key
from jingwu.people.rekey import RekeyReport, key_usage, personal_data_rekey


class Command(BaseCommand):
    help = (
        "Re-encrypt ID numbers, phones and addresses under the first key of JINGWU_DATA_KEYS and rebuild "
        "their blind indexes under the first key of JINGWU_INDEX_KEYS, in batches (audited). "
        "--check only counts; --new-key prints a fresh random key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--check", action="store_true", help="count values per key id, change nothing")
        parser.add_argument("--new-key", action="store_true", help="print a new random base64 key and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        try:
            report = key_usage() if options["check"] else personal_data_rekey(batch=max(1, options["batch"]))
        except DecryptionError as exc:
            raise CommandError(f"{exc}\nA key still in use is missing from the ring: put it back.") from exc
        self._print(report, check=options["check"])
        if options["check"]:
            old = set(report.data_keys) - {data_ring().current_id}
            old |= {f"index {k}" for k in set(report.index_keys) - {index_ring().current_id}}
            if old:
                listed = ", ".join(sorted(old))
                raise CommandError(f"values still under old keys: {listed} (仍有数据使用旧密钥)")

    def _print(self, report: RekeyReport, *, check: bool) -> None:
        if not check:
            self.stdout.write(
                f"{report.rows} persons: {report.reencrypted} re-encrypted, {report.reindexed} re-indexed "
                f"(密钥轮换完成)"
            )
        data = ", ".join(f"{k}: {n}" for k, n in sorted(report.data_keys.items())) or "none"
        index = ", ".join(f"{k}: {n}" for k, n in sorted(report.index_keys.items())) or "none"
        self.stdout.write(f"values per data key: {data}")
        self.stdout.write(f"digests per index key: {index}")
