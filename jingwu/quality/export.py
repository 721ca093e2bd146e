"""The ranking as an Excel workbook (考评排名导出), written with openpyxl in write-only mode; audited."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from jingwu.audit.services import audit_record
from jingwu.core.watermark import excel_watermark
from jingwu.quality import selectors
from jingwu.quality.periods import TZ, Period
from jingwu.quality.scheme import scheme as current_scheme

HEADER = ["名次", "单位", "得分", "等次", "扣分合计", "加分合计", "受案数", "立案数"]


def ranking_workbook(*, actor: Any, period: Period, now: datetime | None = None) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the period's ranking as far as the actor may see it."""
    ranking = selectors.ranking(actor=actor, period=period, now=now)
    items = current_scheme().items
    book = Workbook(write_only=True)
    sheet = book.create_sheet("考评排名")
    excel_watermark(sheet, actor)  # 导出人/时间 (jingwu.core.watermark)
    sheet.append([f"{ranking.scheme_name}（{ranking.scheme_version}）{period.label}执法质量考评排名"])
    state = "已发布" if ranking.final else "未发布（实时计算）"
    sheet.append(
        [
            f"{state}；计算时间 {ranking.computed_at.astimezone(TZ):%Y-%m-%d %H:%M}；"
            f"参评单位 {ranking.total_units} 个"
        ]
    )
    sheet.append(HEADER + [f"{item.title_zh}（次数/得分）" for item in items])
    for row in ranking.rows:
        lines = {line["key"]: line for line in row.lines}
        taken = sum(
            (Decimal(line["points"]) for line in row.lines if Decimal(line["points"]) < 0), Decimal(0)
        )
        added = sum(
            (Decimal(line["points"]) for line in row.lines if Decimal(line["points"]) > 0), Decimal(0)
        )
        sheet.append(
            [
                row.rank,
                row.unit.name,
                float(row.score),
                row.grade_title,
                float(taken),
                float(added),
                row.context.get("accepted", 0),
                row.context.get("filed", 0),
                *(
                    f"{lines[item.key]['count']}/{lines[item.key]['points']}" if item.key in lines else ""
                    for item in items
                ),
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor,
        action="quality.export",
        object_type="quality.ranking",
        object_id=period.key,
        object_label=f"{period.label}执法质量考评排名",
        changes={"rows": [None, len(ranking.rows)]},
    )
    return buffer.getvalue(), f"执法质量考评_{period.key}.xlsx"
