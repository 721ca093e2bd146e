"""The home page's section of unread messages (未读消息), shown by jingwu.web.home."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from jingwu.notifications.selectors import notifications_for

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 5


def home_section(user: Any) -> HomeSection:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    unread = notifications_for(actor=user, unread=True)
    count = unread.count()
    return HomeSection(
        "未读消息" + (f"（{count}）" if count else ""),
        [
            {
                "label": n.title,
                "detail": timezone.localtime(n.created_at).strftime("%m-%d %H:%M"),
                "url": reverse("notifications:inbox"),
            }
            for n in unread[:HOME_ROWS]
        ],
        "暂无未读消息",
        reverse("notifications:inbox"),
    )
