"""The home page's section of forest zones (森林警长), shown by jingwu.web.home: the zones whose patrol is
overdue — the user's own zones for a forest police chief, else all overdue zones in the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from jingwu.access.policy import has_capability
from jingwu.ecology import selectors

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6


def home_section(user: Any) -> HomeSection | None:
    """None when the user reads no zones, or no zone is overdue (the section is a to-do, not a report)."""
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    if not has_capability(user, "ecology.view"):
        return None
    rows = selectors.zone_rows(actor=user, mine=True, overdue_only=True) or selectors.zone_rows(
        actor=user, overdue_only=True
    )
    if not rows:
        return None
    return HomeSection(
        "逾期未巡护林区",
        [
            {
                "label": f"{r.zone.name}（{r.zone.township.name}）",
                "detail": f"逾期{r.due.days_overdue}天，应于{r.due.due_on:%m-%d}前巡护",
                "url": reverse("ecology:zone", args=[r.zone.pk]),
            }
            for r in rows[:HOME_ROWS]
        ],
        "暂无逾期林区",
        reverse("ecology:zones") + "?overdue=1",
    )
