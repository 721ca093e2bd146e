from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jingwu.search.models import Kind
from jingwu.search.services import search_reindex


class Command(BaseCommand):
    help = "Rebuild the full-text search index (全文检索索引) of incidents, cases, disputes and persons."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", action="append", choices=list(Kind.values), help="only these kinds")

    def handle(self, *args: Any, kind: list[str] | None = None, **options: Any) -> None:
        kinds = kind or list(Kind.values)
        try:
            counts = search_reindex(kinds=kinds)
        except KeyError as exc:  # pragma: no cover - argparse checks the choices
            raise CommandError(str(exc)) from exc
        self.stdout.write("search index rebuilt: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
