"""The quality evaluation over the API (/api/quality): a period's ranking and a unit's explanation.

Read-only and thin: the scope and the live-or-published choice are jingwu.quality.selectors'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jingwu.core.errors import ServiceError
from jingwu.quality import selectors
from jingwu.quality.periods import Period, PeriodError, local_date, parse_period, period_of

router = Router(tags=["执法质量考评"])


class PeriodQuery(Schema):
    period: str = Field(
        "", description="考评周期：2026（年度）、2026-Q3（季度）或 2026-07（月度）；默认本年度"
    )


class UnitRef(Schema):
    id: int
    code: str
    name: str


class LineOut(Schema):
    key: str
    title: str
    source: str
    count: int
    points_each: str
    cap: str
    raw: str = Field(..., description="封顶前的计分")
    points: str = Field(..., description="计入得分的分值（负数为扣分）")
    capped: bool
    basis: str


class RecordOut(Schema):
    at: str
    subject: str
    url: str
    detail: str


class RowOut(Schema):
    unit: UnitRef
    rank: int
    score: str
    grade: str
    grade_title: str
    context: dict[str, int]
    lines: list[LineOut]


class RankingOut(Schema):
    period: str
    label: str
    scheme_version: str
    published: bool
    computed_at: datetime
    total_units: int
    notes: list[str]
    rows: list[RowOut]


class ExplanationOut(RowOut):
    period: str
    published: bool
    records: dict[str, list[RecordOut]]


def _period(key: str) -> Period:
    if not key:
        return period_of(local_date(timezone.now()), "year")
    try:
        return parse_period(key)
    except PeriodError as exc:
        raise ServiceError(str(exc), {"period": "格式应为 2026、2026-Q3 或 2026-07"}) from None


@router.get("/ranking", response=RankingOut, summary="考评排名（可见范围内的单位，名次为全局名次）")
def ranking(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    period = _period(query.period)
    result = selectors.ranking(actor=request.auth, period=period)
    return {
        "period": period.key,
        "label": period.label,
        "scheme_version": result.scheme_version,
        "published": result.final,
        "computed_at": result.computed_at,
        "total_units": result.total_units,
        "notes": result.notes,
        "rows": [row.as_dict() for row in result.rows],
    }


@router.get(
    "/units/{int:unit_id}", response=ExplanationOut, summary="单位得分的逐项说明及所涉案件（范围外为404）"
)
def unit_explanation(request: HttpRequest, unit_id: int, query: Query[PeriodQuery]) -> dict[str, Any]:
    period = _period(query.period)
    found = selectors.explanation(actor=request.auth, unit_id=unit_id, period=period)
    return {
        **found.row.as_dict(),
        "period": period.key,
        "published": found.ranking.final,
        "records": found.records,
    }
