"""Full-text search over the API: GET /api/search?q=… (same hits, scope and ranking as the page; the
snippet is HTML with the matches in <mark> and everything else escaped)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from jingwu.access.policy import require
from jingwu.search import selectors

router = Router(tags=["全文检索"])


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="关键词，空格分隔；或完整身份证号、电话")
    type: str = Field("", description="incident / case / dispute / person")
    unit: int | None = Field(None, description="单位 id（含下级单位）")
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    page: int = Field(1, ge=1, le=500)
    per_page: int = Field(20, ge=1, le=100)


class HitOut(Schema):
    type: str
    type_label: str
    id: int
    number: str
    title: str
    snippet: str
    status: str
    status_label: str
    occurred_at: datetime
    url: str


class SearchOut(Schema):
    q: str
    page: int
    has_next: bool
    identifier: str
    capped: bool = Field(..., description="匹配过多时仅对最新的匹配记录排序")
    results: list[HitOut]


@router.get("", response=SearchOut, summary="全文检索（警情、案件、纠纷、人员，按权限范围）")
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    require(request.auth, "search.use")
    filters = selectors.SearchFilters(
        kind=params.type,
        unit_id=params.unit,
        date_from=params.date_from,
        date_to=params.date_to,
        status=params.status,
    )
    result = selectors.search(
        actor=request.auth, query=params.q, filters=filters, page=params.page, per_page=params.per_page
    )
    return {
        "q": result.query,
        "page": result.page,
        "has_next": result.has_next,
        "identifier": result.identifier,
        "capped": result.capped,
        "results": [
            {
                "type": h.kind,
                "type_label": h.kind_label,
                "id": h.object_id,
                "number": h.number,
                "title": h.title,
                "snippet": str(h.snippet),
                "status": h.status,
                "status_label": h.status_label,
                "occurred_at": h.occurred_at,
                "url": h.url,
            }
            for h in result.hits
        ],
    }
