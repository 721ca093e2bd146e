"""Read-replica routing (只读副本路由): the dashboards, statistics and search read from a replica.

When `DATABASE_REPLICA_URL` is set, settings add a `replica` database alias (a PostgreSQL streaming
replica). Reads go there only inside `replica_reads()` (or a function decorated with
`reads_from_replica`), which the statistics and search selectors opt into at their entry points:
they tolerate the replica's lag of a second or so, while a form that reads back what it just wrote
does not. Writes never go to the replica, and without one everything uses `default`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reading = ContextVar("jingwu_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The alias for reads that may lag: the replica when there is one, else `default`."""
    return REPLICA if replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[str]:
    """Within the block, ORM reads go to the replica (when configured); yields the alias used.

    Only querysets evaluated inside the block are routed: return lists, not lazy querysets, or
    pin a queryset explicitly with `.using(read_alias())`.
    """
    token = _reading.set(True)
    try:
        yield read_alias()
    finally:
        _reading.reset(token)


def reads_from_replica[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of `replica_reads()` for a selector's entry point."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads():
            return func(*args, **kwargs)

    return wrapper


def _hinted_db(hints: dict[str, Any]) -> str | None:
    instance = hints.get("instance")
    return getattr(getattr(instance, "_state", None), "db", None)


class ReplicaRouter:
    """Settings' DATABASE_ROUTERS entry. Returns None (no opinion) for anything but the replica."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading.get() and replica_configured():
            return REPLICA
        # An object read from the replica earlier: its related reads outside the block see default.
        return DEFAULT_DB_ALIAS if _hinted_db(hints) == REPLICA else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        # Never write to the replica, even when saving an object that was read from it.
        return DEFAULT_DB_ALIAS if _hinted_db(hints) == REPLICA else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The replica is a copy of default made by PostgreSQL: never migrate it directly.
        return False if db == REPLICA else None
