"""The dashboard's figures over the API (/api/stats): read-only and thin, scoped like the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jingwu.stats import periods, scope, selectors

router = Router(tags=["统计分析"])


class DashboardQuery(Schema):
    kind: str = Field("month", description="month / quarter / year / custom")
    value: str = Field("", description="2026-10、2026-Q3 或 2026；kind=custom 时用 from/to")
    from_: str = Field("", alias="from", description="自定义期间开始日期（含）")
    to: str = Field("", description="自定义期间结束日期（含）")
    scope: str = Field("all", description="all、joint:<单位id>、station:<单位id> 或 township:<乡镇代码>")


class Figure(Schema):
    key: str
    label: str
    current: int
    previous: int
    yoy: float | None


class DashboardOut(Schema):
    period: str
    first: str
    last: str
    scope: str
    incidents: Figure
    by_category: list[Figure]
    cases: list[Figure]
    response: list[dict[str, Any]]


@router.get("/dashboard", response=DashboardOut, summary="统计看板指标（本期与上年同期）")
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    params = {"kind": query.kind, "value": query.value, "from": query.from_, "to": query.to}
    period = periods.parse(params, timezone.localdate())
    selection = scope.resolve(request.auth, query.scope)
    board = selectors.dashboard(actor=request.auth, period=period, selection=selection)

    def figure(key: str, label: str, value: selectors.Compared) -> dict[str, Any]:
        return {
            "key": key,
            "label": label,
            "current": value.current,
            "previous": value.previous,
            "yoy": value.yoy,
        }

    return {
        "period": period.label,
        "first": str(period.first),
        "last": str(period.last),
        "scope": selection.label,
        "incidents": figure("incidents", "警情总数", board.incidents),
        "by_category": [figure(r["key"], r["label"], r["figure"]) for r in board.by_category],
        "cases": [figure(k, k, v) for k, v in board.cases.items()],
        "response": board.response,
    }
