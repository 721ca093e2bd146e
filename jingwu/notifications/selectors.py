"""Reading the inbox: a user only ever reads their own messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jingwu.access.policy import has_capability
from jingwu.notifications.models import Notification


def notifications_for(*, actor: Any, unread: bool = False) -> QuerySet[Notification]:
    """The actor's own messages, newest first (none for a user who may not read an inbox)."""
    if not has_capability(actor, "notification.view"):
        return Notification.objects.none()
    messages = Notification.objects.filter(recipient=actor)
    if unread:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-id")


def unread_count(*, actor: Any) -> int:
    if not has_capability(actor, "notification.view"):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
