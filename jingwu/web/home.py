"""What a user's home page shows: their own work, section by section, as far as their role allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingwu.access.policy import has_capability
from jingwu.audit.selectors import audit_entry_list
from jingwu.cases.selectors import CaseFilters, approvals_waiting_for, case_list
from jingwu.cases.workflow import workflow
from jingwu.community.home import home_sections as community_sections
from jingwu.custody.home import home_section as custody_section
from jingwu.ecology.home import home_section as ecology_section
from jingwu.enterprises.home import home_section as enterprise_section
from jingwu.incidents.selectors import incident_queue
from jingwu.mediation.home import home_section as dispute_section
from jingwu.notifications.home import home_section as notification_section
from jingwu.org.models import User
from jingwu.people.selectors import person_list
from jingwu.property.home import home_section as property_section
from jingwu.supervision.home import home_section as deadline_section
from jingwu.supervision.home import notice_section


@dataclass
class HomeSection:
    title: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    empty: Any = field(default_factory=lambda: _("暂无待办"))
    more_url: str = ""


def home_sections(user: Any) -> list[HomeSection]:
    sections: list[HomeSection] = []
    if has_capability(user, "notification.view"):
        sections.append(notification_section(user))
    if has_capability(user, "deadline.view") and (deadlines := deadline_section(user)) is not None:
        sections.append(deadlines)
    if has_capability(user, "custody.center"):
        sections.append(custody_section(user))
    if has_capability(user, "notice.view") and (notices := notice_section(user)) is not None:
        sections.append(notices)
    if has_capability(user, "incident.view"):
        queue = incident_queue(actor=user)
        mine = queue.filter(officers=user)[:5]
        sections.append(
            HomeSection(
                _("我的处警任务"),
                [
                    {
                        "label": f"{i.number} {i.village.name}",
                        "detail": i.get_status_display(),
                        "url": reverse("incidents:detail", args=[i.pk]),
                    }
                    for i in mine
                ],
                _("暂无指派给您的警情"),
                reverse("incidents:list"),
            )
        )
        sections.append(
            HomeSection(
                _("辖区待处理警情"),
                [
                    {
                        "label": f"{i.number} {i.village.parent.name}·{i.village.name}",
                        "detail": ("超时未派 · " if i.overdue else "") + i.get_status_display(),
                        "url": reverse("incidents:detail", args=[i.pk]),
                    }
                    for i in queue[:6]
                ],
                _("辖区暂无待处理警情"),
                reverse("incidents:list"),
            )
        )
    if has_capability(user, "case.handle"):
        states = workflow().states
        mine = case_list(actor=user, filters=CaseFilters(mine=True)).exclude(status__in=workflow().terminal)[
            :5
        ]
        sections.append(
            HomeSection(
                _("我的案件"),
                [
                    {
                        "label": f"{c.number} {c.title}",
                        "detail": states.get(c.status, c.status),
                        "url": reverse("cases:detail", args=[c.pk]),
                    }
                    for c in mine
                ],
                _("暂无由您承办的在办案件"),
                reverse("cases:list") + "?tab=mine",
            )
        )
    sections.extend(community_sections(user))
    if has_capability(user, "dispute.view") and (disputes := dispute_section(user)) is not None:
        sections.append(disputes)
    if (zones := ecology_section(user)) is not None:
        sections.append(zones)
    if (enterprise_requests := enterprise_section(user)) is not None:
        sections.append(enterprise_requests)
    if has_capability(user, "case.approve"):
        waiting = approvals_waiting_for(actor=user).order_by("submitted_at", "id")
        count = waiting.count()
        sections.append(
            HomeSection(
                _("待我审批") + (f"（{count}）" if count else ""),
                [
                    {
                        "label": f"{a.label} · {a.case.number}",
                        "detail": a.submitted_by.full_name,
                        "url": reverse("cases:detail", args=[a.case_id]),
                    }
                    for a in waiting[:5]
                ],
                _("暂无待审批事项"),
                reverse("cases:approvals"),
            )
        )
    if has_capability(user, "person.view"):
        recent = person_list(actor=user)[:5]
        sections.append(
            HomeSection(
                _("本单位最近登记的人员"),
                [
                    {"label": p.name, "detail": p.unit.name, "url": reverse("people:detail", args=[p.pk])}
                    for p in recent
                ],
                _("本单位暂无登记人员"),
                reverse("people:list"),
            )
        )
    if has_capability(user, "property.room"):
        sections.append(property_section(user))
    if has_capability(user, "audit.view"):
        denied = audit_entry_list(actor=user, outcome="denied")[:8]
        sections.append(
            HomeSection(
                _("最近被拒绝的访问"),
                [
                    {"label": f"{e.actor_username or '匿名'} · {e.action}", "detail": e.at, "url": ""}
                    for e in denied
                ],
                _("没有被拒绝的访问"),
                reverse("audit:list") + "?outcome=denied",
            )
        )
    if has_capability(user, "user.manage"):
        counts = User.objects.values("is_active").annotate(n=Count("id"))
        by_state = {row["is_active"]: row["n"] for row in counts}
        sections.append(
            HomeSection(
                _("账号"),
                [
                    {"label": _("在用账号"), "detail": by_state.get(True, 0), "url": ""},
                    {"label": _("已停用账号"), "detail": by_state.get(False, 0), "url": ""},
                ],
                more_url=reverse("org:users"),
            )
        )
    return sections
