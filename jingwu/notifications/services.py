"""Writes of the inbox and the outbox (站内消息、发件箱).

- :func:`notify` / :func:`notify_bulk` create in-app messages in bulk and, for the channels configured
  in ``settings.JINGWU_NOTIFY_CHANNELS`` (default: none), one outbox row per recipient who has an
  address for that channel (e-mail: ``User.email``; SMS: ``User.phone``). Apps call them after their own
  commit (``transaction.on_commit``), so a message never announces something that was rolled back.
- :func:`notification_read` / :func:`notifications_read_all`: a user marks their own messages read.
- :func:`outbox_deliver` sends what is queued (``python manage.py outbox_send``).
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.audit.services import audit_record
from jingwu.notifications.models import (
    Notification,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
)
from jingwu.org.models import User

logger = logging.getLogger(__name__)

BATCH = 500
#: After this many failed attempts a message is marked failed and no longer retried.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    """One message to one user. ``external``: also through the outbox channels, where configured."""

    recipient_id: int
    kind: str
    title: str
    body: str = ""
    url: str = ""
    external: bool = True


def configured_channels() -> tuple[str, ...]:
    """The outbox channels switched on in settings (JINGWU_NOTIFY_CHANNELS), unknown names ignored."""
    channels = getattr(settings, "JINGWU_NOTIFY_CHANNELS", ()) or ()
    return tuple(c for c in channels if c in OutboxChannel.values)


def _ids(recipients: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(r if isinstance(r, int) else r.pk for r in recipients if r is not None))


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor: Any = None,
    external: bool = True,
) -> int:
    """One message to each of ``recipients`` (users or user ids; duplicates and inactive users dropped).
    Returns the number of in-app messages created."""
    messages = [
        Message(recipient_id=pk, kind=kind, title=title, body=body, url=url, external=external)
        for pk in _ids(recipients)
    ]
    return notify_bulk(messages=messages, actor=actor)


def notify_bulk(*, messages: Sequence[Message], actor: Any = None) -> int:
    """Create many messages at once: one query for the recipients' addresses, bulk inserts in batches,
    one audit entry. A recipient gets a message once per (kind, title, url) even if listed twice."""
    if not messages:
        return 0
    ids = list({m.recipient_id for m in messages})
    users: dict[int, tuple[str, str]] = {}
    for i in range(0, len(ids), BATCH):
        rows = User.objects.filter(pk__in=ids[i : i + BATCH], is_active=True).values_list(
            "pk", "email", "phone"
        )
        users.update({pk: (email or "", phone or "") for pk, email, phone in rows})
    channels = configured_channels()
    now = timezone.now()
    seen: set[tuple[int, str, str, str]] = set()
    inbox: list[Notification] = []
    outbox: list[OutboxMessage] = []
    for m in messages:
        key = (m.recipient_id, m.kind, m.title, m.url)
        if m.recipient_id not in users or key in seen:
            continue
        seen.add(key)
        inbox.append(
            Notification(
                recipient_id=m.recipient_id,
                kind=m.kind,
                title=m.title[:200],
                body=m.body,
                url=m.url[:300],
                created_at=now,
            )
        )
        if not m.external:
            continue
        email, phone = users[m.recipient_id]
        for channel, address in ((OutboxChannel.EMAIL, email), (OutboxChannel.SMS, phone)):
            if channel in channels and address:
                outbox.append(
                    OutboxMessage(
                        channel=channel,
                        address=address,
                        recipient_id=m.recipient_id,
                        subject=m.title[:200],
                        body=m.body + (f"\n{m.url}" if m.url else ""),
                        created_at=now,
                    )
                )
    with transaction.atomic():
        Notification.objects.bulk_create(inbox, batch_size=BATCH)
        OutboxMessage.objects.bulk_create(outbox, batch_size=BATCH)
        if inbox:
            kinds = sorted({n.kind for n in inbox})
            audit_record(
                actor=actor,
                action="notification.send",
                object_type="notifications.notification",
                object_label=f"站内消息 {len(inbox)} 条（{'、'.join(kinds)}）"
                + (f"，外发 {len(outbox)} 条" if outbox else ""),
                changes={"kinds": kinds, "inbox": len(inbox), "outbox": len(outbox)},
            )
    return len(inbox)


# ----------------------------------------------------------------------------------------------------------
# Reading one's own messages


def notification_read(*, actor: Any, notification_id: int) -> Notification:
    """Mark one of the actor's own messages read (idempotent). Someone else's message is a 404."""
    require(actor, "notification.view")
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, recipient=actor).first()
        )
        if notification is None:
            raise Http404
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            audit_record(actor=actor, action="notification.read", obj=notification)
    return notification


def notifications_read_all(*, actor: Any) -> int:
    """Mark all of the actor's unread messages read; returns how many."""
    require(actor, "notification.view")
    with transaction.atomic():
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            audit_record(
                actor=actor,
                action="notification.read_all",
                object_type="notifications.notification",
                object_label=f"全部标为已读（{count} 条）",
                changes={"count": count},
            )
    return count


# ----------------------------------------------------------------------------------------------------------
# Delivering the outbox


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    skipped: int = 0


def _send_sms(message: OutboxMessage) -> None:
    """Hand the message to the gateway command of settings.JINGWU_SMS_COMMAND: its words with ``{phone}``
    replaced by the number, the text on standard input; a non-zero exit is a failure."""
    words = [w.replace("{phone}", message.address) for w in shlex.split(settings.JINGWU_SMS_COMMAND)]
    text = f"{message.subject}\n{message.body}".strip()
    done = subprocess.run(words, input=text.encode(), capture_output=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"短信网关返回 {done.returncode}: {done.stderr.decode(errors='replace')[:200]}")


def outbox_deliver(*, limit: int = 200) -> DeliveryResult:
    """Send up to ``limit`` queued messages, oldest first. E-mail goes through Django's mail backend
    (MAILERS, DEFAULT_FROM_EMAIL); SMS through the gateway command of JINGWU_SMS_COMMAND — without one (the
    intranet has no SMS gateway by default) SMS messages stay queued, untouched.

    Each message is claimed (``skip_locked``), sent and marked in one short transaction of its own: two
    senders (task workers) never send the same message, no transaction stays open across a whole batch
    of slow relays, and a sender killed mid-send leaves only that one message queued again."""
    result = DeliveryResult()
    sms_gateway = bool(getattr(settings, "JINGWU_SMS_COMMAND", ""))
    channels = [OutboxChannel.EMAIL] + ([OutboxChannel.SMS] if sms_gateway else [])
    result.skipped = (
        0
        if sms_gateway
        else OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, channel=OutboxChannel.SMS).count()
    )
    tried: list[int] = []  # a message that failed in this run waits for the next one
    for _ in range(limit):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.QUEUED, channel__in=channels)
                .exclude(pk__in=tried)
                .order_by("created_at", "id")
                .first()
            )
            if message is None:
                break
            tried.append(message.pk)
            message.attempts += 1
            try:
                if message.channel == OutboxChannel.EMAIL:
                    send_mail(message.subject, message.body, None, [message.address], fail_silently=False)
                else:
                    _send_sms(message)
            except Exception as exc:  # a refused address or a gateway down: retried, then given up
                logger.warning("outbox message %s not sent: %s", message.pk, exc)
                message.last_error = str(exc)[:1000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                    result.failed += 1
                else:
                    result.retry += 1
            else:
                message.status, message.sent_at, message.last_error = OutboxStatus.SENT, timezone.now(), ""
                result.sent += 1
            message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return result
