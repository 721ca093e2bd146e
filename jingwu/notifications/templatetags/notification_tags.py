"""The header's unread count: `{% load notification_tags %}{% unread_notifications user as n %}`."""

from __future__ import annotations

from typing import Any

from django import template

from jingwu.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_count(actor=user)
