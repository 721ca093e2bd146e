"""The monthly performance sheet as an Excel workbook (六大员绩效月报表), written with openpyxl in write-only
mode; every export is audited."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook

from jingwu.audit.services import audit_record
from jingwu.community import selectors
from jingwu.community.performance import scheme


def monthly_workbook(*, actor: Any, month: str) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the month's sheet, as far as the actor may see it."""
    sheet_rows = selectors.monthly_sheet(actor=actor, month=month)
    current = scheme()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("绩效月报")
    sheet.append([f"{current.name}（{current.version}）{month} 月度绩效"])
    sheet.append(
        ["乡镇", "乡镇内名次", "姓名", "类别", "村（社区）", "得分"]
        + [f"{item.title_zh}（次数/得分）" for item in current.items]
        + ["调整分", "调整理由"]
    )
    count = 0
    for township, rows in sheet_rows.items():
        for row in rows:
            lines = {line.item.key: line for line in row.result.lines}
            sheet.append(
                [
                    township.name,
                    row.rank,
                    row.staff.name,
                    row.kind_name,
                    row.staff.village.name,
                    float(row.result.score),
                    *(
                        f"{lines[item.key].count}/{lines[item.key].points}" if item.key in lines else "—"
                        for item in current.items
                    ),
                    float(row.result.adjustment),
                    "；".join(f"{a.points:+}：{a.reason}" for a in row.adjustments),
                ]
            )
            count += 1
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor,
        action="performance.export",
        object_type="community.performance",
        object_id=month,
        object_label=f"{month}六大员绩效月报",
        changes={"rows": [None, count]},
    )
    return buffer.getvalue(), f"六大员绩效_{month}.xlsx"
