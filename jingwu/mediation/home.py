"""The home page's section of disputes (矛盾纠纷), shown by jingwu.web.home: high-risk open disputes for
the station side ("民转刑" prevention — the chief's watch list), and one's own disputes for mediators
(referred to them) and grid workers (reported by them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from jingwu.access.policy import has_capability
from jingwu.mediation import selectors
from jingwu.mediation.workflow import OPEN_STATES, STATES

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6


def home_section(user: Any) -> HomeSection | None:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    if not has_capability(user, "dispute.view"):
        return None
    url = reverse("mediation:board")
    if has_capability(user, "dispute.board"):
        disputes = list(selectors.high_risk_open(actor=user)[:HOME_ROWS])
        return HomeSection(
            "高风险矛盾纠纷",
            [
                {
                    "label": f"{d.number} {d.village.parent.name}·{d.village.name}",
                    "detail": STATES.get(d.status, d.status),
                    "url": reverse("mediation:detail", args=[d.pk]),
                }
                for d in disputes
            ],
            "暂无高风险未化解纠纷",
            url,
        )
    own = selectors.dispute_list(actor=user, filters=selectors.DisputeFilters()).filter(
        status__in=OPEN_STATES | {"agreed"}
    )[:HOME_ROWS]
    title = "委托我调解的纠纷" if "mediator" in user.role_codes else "我上报的纠纷"
    return HomeSection(
        title,
        [
            {
                "label": f"{d.number} {d.village.parent.name}·{d.village.name}",
                "detail": STATES.get(d.status, d.status),
                "url": reverse("mediation:detail", args=[d.pk]),
            }
            for d in own
        ],
        "暂无待办纠纷",
        url,
    )
