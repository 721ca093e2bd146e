"""Jobs of the supervision app: the deadline sweep (期限巡检).

Idempotent by construction: the sweep moves a deadline only out of the statuses it is in (PENDING →
WARNING, open → BREACH) under row locks (SKIP LOCKED), in one transaction with its audit entry. A run
killed before its commit moved nothing; a run repeated after its commit finds nothing left to move.
The notifications follow the commit (``on_commit``), so a worker killed in that instant loses that
round's in-app messages, never the deadline's state (visible on the supervision pages).
"""

from __future__ import annotations

from django.tasks import task

from jingwu.supervision.engine import parse_moment
from jingwu.supervision.services import deadlines_sweep


@task()
def deadlines_sweep_task(at: str | None = None) -> dict[str, object]:
    """One sweep at `at` (ISO-8601 with offset; default now): the periodic job, every minute."""
    result = deadlines_sweep(now=parse_moment(at, "at") if at else None)
    return {"at": result.at.isoformat(), "warning": result.warnings, "breach": result.breaches}
