"""The home page's sections of community policing, shown by jingwu.web.home: for an assistant, today's log
and the hazards still open in their village; for a station chief, the villages without an assistant or
community officer and the overdue tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from jingwu.access.policy import has_capability
from jingwu.community import selectors, services
from jingwu.community.choices import HazardStatus

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6


def home_sections(user: Any) -> list[HomeSection]:
    from jingwu.web.home import HomeSection  # jingwu.web.home imports this module

    sections: list[HomeSection] = []
    grid_url = reverse("community:grid")
    if has_capability(user, "gridwork.record"):
        if services.current_assignment(user) is None:
            sections.append(
                HomeSection("今日工作日志", [], "您尚未分配负责的村（社区），请联系派出所", grid_url)
            )
        else:
            log = selectors.today_log(actor=user)
            sections.append(
                HomeSection(
                    "今日工作日志",
                    [{"label": log.content[:60], "detail": f"{log.day:%m-%d}", "url": grid_url}]
                    if log
                    else [],
                    "今天还没有填写日志",
                    reverse("community:grid_record", args=["log"]),
                )
            )
            hazards = selectors.hazard_list(actor=user, status=HazardStatus.OPEN)[:HOME_ROWS]
            sections.append(
                HomeSection(
                    "未整改的安全隐患",
                    [
                        {
                            "label": f"{h.get_category_display()} · {h.place}",
                            "detail": f"{h.found_at:%m-%d}",
                            "url": grid_url,
                        }
                        for h in hazards
                    ],
                    "没有未整改的隐患",
                    grid_url,
                )
            )
    if has_capability(user, "community.assign"):
        gaps = selectors.villages_without(actor=user)
        sections.append(
            HomeSection(
                f"未配齐网格责任人的村（社区）（{len(gaps)}）" if gaps else "未配齐网格责任人的村（社区）",
                [
                    {
                        "label": f"{row.village.parent.name}·{row.village.name}",
                        "detail": "、".join(
                            label
                            for label, held in (("缺警务助理", row.assistant), ("缺社区民警", row.officer))
                            if held is None
                        ),
                        "url": reverse("community:village", args=[row.village.pk]),
                    }
                    for row in gaps[:HOME_ROWS]
                ],
                "辖区各村（社区）均已配齐",
                reverse("community:board"),
            )
        )
        overdue = selectors.task_list(actor=user, overdue_only=True, today=timezone.localdate())[:HOME_ROWS]
        sections.append(
            HomeSection(
                "超期未办结的交办任务",
                [
                    {
                        "label": t.title,
                        "detail": f"{t.owner.full_name} · 期限{t.due_on:%m-%d}",
                        "url": reverse("community:tasks") + "?overdue=1",
                    }
                    for t in overdue
                ],
                "没有超期任务",
                reverse("community:tasks") + "?overdue=1",
            )
        )
    return sections
