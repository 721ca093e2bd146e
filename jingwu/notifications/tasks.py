"""Jobs of the notifications app: delivering the outbox (发件箱发送).

Idempotent under re-runs and worker deaths: each message is claimed (SELECT … FOR UPDATE SKIP LOCKED),
sent and marked sent in one transaction of its own (jingwu.notifications.services.outbox_deliver), so two
workers never send one message, and a worker killed mid-send leaves that one message queued (its
transaction rolls back) for the next run. The one thing no database can undo: a message the relay
had already accepted when the worker died is sent again (at most one per killed worker).
"""

from __future__ import annotations

from dataclasses import asdict

from django.tasks import task

from jingwu.notifications.services import outbox_deliver


@task()
def outbox_deliver_task(limit: int = 200) -> dict[str, int]:
    """Send up to `limit` queued messages (the periodic job, every minute; also `manage.py outbox_send`)."""
    return asdict(outbox_deliver(limit=limit))
