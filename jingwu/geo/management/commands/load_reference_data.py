from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jingwu.geo.reference import load_reference_data


class Command(BaseCommand):
    help = "Load or reload the bureau's units and Wuping's divisions and grids (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_data()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
