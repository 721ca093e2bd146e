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


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("home", _("工作台"), "web:home", "home.view"),
    MenuEntry("incidents", _("接处警"), "incidents:list", "incident.view"),
    MenuEntry("cases", _("案件"), "cases:list", "case.view"),
    MenuEntry("disputes", _("矛盾纠纷"), "mediation:board", "dispute.view"),
    MenuEntry("custody", _("办案中心"), "custody:screen", "custody.view"),
    MenuEntry("property", _("涉案财物"), "property:list", "property.view"),
    MenuEntry("deadlines", _("期限预警"), "supervision:deadlines", "deadline.view"),
    MenuEntry("notices", _("监督通知"), "supervision:notices", "notice.view"),
    MenuEntry("quality", _("质量考评"), "quality:ranking", "quality.view"),
    MenuEntry("persons", _("人员"), "people:list", "person.view"),
    MenuEntry("places", _("地点"), "geo:townships", "place.view"),
    MenuEntry("units", _("单位"), "org:units", "unit.view"),
    MenuEntry("users", _("用户管理"), "org:users", "user.manage"),
    MenuEntry("audit", _("审计日志"), "audit:list", "audit.view"),
)


def menu_for(user: Any) -> list[dict[str, Any]]:
    return [
        {"key": entry.key, "label": entry.label, "url": reverse(entry.url_name)}
        for entry in MENU
        if has_capability(user, entry.action)
    ]
