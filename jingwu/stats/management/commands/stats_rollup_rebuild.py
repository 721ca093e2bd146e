from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from jingwu.stats.rollup import rebuild


class Command(BaseCommand):
    help = "Recount every statistics rollup row (统计汇总) from the incidents, cases and disputes."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rows = rebuild()
        self.stdout.write(f"stats rollups rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s")
