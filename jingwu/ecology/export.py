"""A campaign's report as an Excel workbook (专项行动战果导出): openpyxl in write-only mode; audited."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from jingwu.audit.services import audit_record
from jingwu.ecology import selectors
from jingwu.ecology.models import Campaign
from jingwu.incidents.taxonomy import taxonomy

MAX_ROWS = 50_000


def campaign_workbook(*, actor: Any, campaign: Campaign) -> tuple[bytes, str]:
    """(xlsx bytes, file name): the tally by township and by offence, and the lists of matching cases and
    incidents, as far as the actor may see them."""
    tally = selectors.campaign_tally(actor=actor, campaign=campaign)
    book = Workbook(write_only=True)
    summary = book.create_sheet("战果汇总")
    summary.append([f"{campaign.name}（{campaign.starts_on:%Y-%m-%d}至{campaign.ends_on:%Y-%m-%d}）"])
    summary.append([f"统计时间 {timezone.localtime():%Y-%m-%d %H:%M}；统计范围：导出人可见的案件和警情"])
    summary.append(["乡镇", "案件", "刑事案件", "行政案件", "已立案", "警情"])
    for row in [*tally.by_township, tally.total]:
        summary.append([row.label, row.cases, row.criminal, row.administrative, row.filed, row.incidents])
    summary.append([])
    summary.append(["案由", "案件数"])
    for name, count in tally.by_offence:
        summary.append([name, count])
    summary.append([])
    summary.append(["警情类别", "警情数"])
    for name, count in tally.by_incident_kind:
        summary.append([name, count])
    cases = book.create_sheet("案件清单")
    cases.append(["案件编号", "案件名称", "类别", "案由", "辖区派出所", "受案时间", "立案时间", "状态"])
    for case in tally.cases[:MAX_ROWS]:
        cases.append(
            [
                case.number,
                case.title,
                case.get_kind_display(),
                case.offence,
                case.station.name,
                f"{timezone.localtime(case.accepted_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(case.filed_at):%Y-%m-%d}" if case.filed_at else "",
                case.status,
            ]
        )
    incidents = book.create_sheet("警情清单")
    incidents.append(["警情编号", "接警时间", "类别", "乡镇", "村（社区）", "处警单位"])
    for incident in tally.incidents[:MAX_ROWS]:
        incidents.append(
            [
                incident.number,
                f"{timezone.localtime(incident.received_at):%Y-%m-%d %H:%M}",
                taxonomy().label(incident.category, incident.subcategory),
                incident.village.parent.name,
                incident.village.name,
                incident.unit.name,
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor,
        action="campaign.export",
        obj=campaign,
        changes={"cases": [None, tally.total.cases], "incidents": [None, tally.total.incidents]},
    )
    return buffer.getvalue(), f"专项行动_{campaign.name}.xlsx"
