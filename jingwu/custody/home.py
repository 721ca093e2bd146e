"""The home page's section of the case-handling center (在区人员), shown by jingwu.web.home to the center's
officers: who is inside, nearest legal limit first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from jingwu.custody.selectors import inside_now
from jingwu.supervision.views import countdown_text

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6
_LEVEL = {"breach": 0, "warning": 1, "ok": 2, "met": 3, "none": 4}


def home_section(user: Any) -> HomeSection:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    now = timezone.now()
    rows = sorted(
        inside_now(actor=user, now=now), key=lambda r: (_LEVEL[r.limit.state], r.limit.due_at or now)
    )
    return HomeSection(
        f"办案中心在区人员（{len(rows)}）",
        [
            {
                "label": f"{r.stay.person.name} · {r.measure_label} · {r.stay.case.number}",
                "detail": countdown_text(r.limit.due_at, now) or "规则中无时限",
                "url": reverse("custody:detail", args=[r.stay.pk]),
            }
            for r in rows[:HOME_ROWS]
        ],
        "目前没有在区人员",
        reverse("custody:screen"),
    )
