"""The home page's section of the property room (涉案财物), shown by jingwu.web.home to property keepers:
the chain breaks (流转异常) by kind, and the items waiting to be handed in."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from jingwu.property.choices import ItemState
from jingwu.property.selectors import ItemFilters, chain_breaks, item_list

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection


def home_section(user: Any) -> HomeSection:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    breaks = chain_breaks(actor=user)
    by_kind = Counter(a.kind for a in breaks)
    waiting = item_list(actor=user, filters=ItemFilters(state=ItemState.WITH_OFFICER)).count()
    anomalies = reverse("property:anomalies")
    rows: list[dict[str, Any]] = [
        {"label": str(kind.label), "detail": count, "url": anomalies} for kind, count in by_kind.most_common()
    ]
    rows.append(
        {
            "label": "待移交入库",
            "detail": waiting,
            "url": reverse("property:list") + f"?state={ItemState.WITH_OFFICER}",
        }
    )
    return HomeSection(f"涉案财物流转异常（{len(breaks)}）", rows, "没有流转异常", anomalies)
