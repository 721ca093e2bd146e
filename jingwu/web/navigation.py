"""The main menu: each entry names the action that must be allowed for it to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingwu.access.policy import has_capability


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: Any
    url_name: str
    action: str


#: The sidebar's groups, in order; a group shows only when the user may open one of its entries.
MENU: tuple[tuple[Any, tuple[MenuEntry, ...]], ...] = (
    (
        _("日常工作"),
        (
            MenuEntry("home", _("工作台"), "web:home", "home.view"),
            MenuEntry("search", _("搜索"), "search:search", "search.use"),
        ),
    ),
    (
        _("接处警与办案"),
        (
            MenuEntry("incidents", _("接处警"), "incidents:list", "incident.view"),
            MenuEntry("cases", _("案件"), "cases:list", "case.view"),
            MenuEntry("custody", _("办案中心"), "custody:screen", "custody.view"),
            MenuEntry("property", _("涉案财物"), "property:list", "property.view"),
        ),
    ),
    (
        _("执法监督"),
        (
            MenuEntry("deadlines", _("期限预警"), "supervision:deadlines", "deadline.view"),
            MenuEntry("notices", _("监督通知"), "supervision:notices", "notice.view"),
            MenuEntry("quality", _("质量考评"), "quality:ranking", "quality.view"),
        ),
    ),
    (
        _("基层治理"),
        (
            MenuEntry("disputes", _("矛盾纠纷"), "mediation:board", "dispute.view"),
            MenuEntry("community", _("社区警务"), "community:board", "community.view"),
            MenuEntry("gridwork", _("网格工作"), "community:grid", "gridwork.record"),
            MenuEntry("enterprises", _("警企联系"), "enterprises:list", "enterprise.view"),
            MenuEntry("ecology", _("生态警务"), "ecology:zones", "ecology.view"),
            MenuEntry("campaigns", _("专项行动"), "campaigns:list", "campaign.view"),
        ),
    ),
    (
        _("统计与队伍"),
        (
            MenuEntry("stats", _("统计分析"), "stats:dashboard", "stats.view"),
            MenuEntry("personnel", _("队伍建设"), "personnel:index", "personnel.view"),
            MenuEntry("honours", _("荣誉室"), "personnel:honours", "honours.view"),
        ),
    ),
    (
        _("基础数据与系统"),
        (
            MenuEntry("persons", _("人员"), "people:list", "person.view"),
            MenuEntry("places", _("地点"), "geo:townships", "place.view"),
            MenuEntry("units", _("单位"), "org:units", "unit.view"),
            MenuEntry("users", _("用户管理"), "org:users", "user.manage"),
            MenuEntry("audit", _("审计日志"), "audit:list", "audit.view"),
        ),
    ),
)


def menu_for(user: Any) -> list[dict[str, Any]]:
    """The entries the user may open, in menu order, each with its group's label."""
    return [
        {"key": entry.key, "label": entry.label, "url": reverse(entry.url_name), "group": group}
        for group, entries in MENU
        for entry in entries
        if has_capability(user, entry.action)
    ]
