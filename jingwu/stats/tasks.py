"""Jobs of the stats app: the nightly recount of the rollups (统计汇总重算).

Idempotent: the rebuild replaces every rollup row by a recount of the raw records, in its own
transactions, so running it twice (or again after a worker died in the middle) gives the same rows.
"""

from __future__ import annotations

from django.tasks import task

from jingwu.stats.rollup import rebuild


@task()
def rollup_rebuild_task() -> int:
    """Recount every rollup row (the periodic job, nightly; also `manage.py stats_rollup_rebuild`)."""
    return rebuild()
