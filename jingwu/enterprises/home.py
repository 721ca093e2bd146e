"""The home page's section of enterprise liaison (警企联系), shown by jingwu.web.home: the enterprises'
requests still open — the liaison officer's own first, else those of the area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from jingwu.access.policy import has_capability
from jingwu.enterprises import selectors

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6


def home_section(user: Any) -> HomeSection | None:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    if not has_capability(user, "enterprise.manage"):
        return None
    requests = selectors.open_requests(actor=user)
    mine = requests.filter(enterprise__liaison=user)
    rows = list((mine if mine.exists() else requests)[:HOME_ROWS])
    return HomeSection(
        "企业诉求待办",
        [
            {
                "label": r.enterprise.name,
                "detail": f"{r.raised_on:%m-%d} {r.summary[:20]}",
                "url": reverse("enterprises:detail", args=[r.enterprise_id]),
            }
            for r in rows
        ],
        "暂无待办理的企业诉求",
        reverse("enterprises:list"),
    )
