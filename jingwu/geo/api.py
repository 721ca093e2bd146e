"""Places (行政区划) over the API (/api/places/): reference data for forms and type-ahead.

Reference data is visible to every role with "place.view"; the selectors check it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.geo.selectors import division_get, township_list, village_list

router = Router(tags=["地点"])

MAX_VILLAGES = 50


class PlaceOut(Schema):
    code: str
    name: str
    level: int
    full_name: str
    township_code: str | None
    township_name: str | None
    station_name: str | None
    grid_name: str | None

    @staticmethod
    def resolve_township_code(obj: Division) -> str | None:
        township = _township_of(obj)
        return township.code if township else None

    @staticmethod
    def resolve_township_name(obj: Division) -> str | None:
        township = _township_of(obj)
        return township.name if township else None

    @staticmethod
    def resolve_station_name(obj: Division) -> str | None:
        return obj.station.name if obj.station_id else None

    @staticmethod
    def resolve_grid_name(obj: Division) -> str | None:
        return obj.grid.name if obj.grid_id else None


class VillageFilter(Schema):
    township: str | None = None
    q: str = ""
    limit: int = 20


def _township_of(division: Division) -> Division | None:
    if division.level == DivisionLevel.TOWNSHIP:
        return division
    if division.level == DivisionLevel.VILLAGE:
        return division.parent
    return None


@router.get("/townships", response=list[PlaceOut], summary="乡镇（街道）")
def list_townships(request: HttpRequest) -> QuerySet[Division]:
    return township_list(actor=request.auth).select_related("parent", "grid")


@router.get("/villages", response=list[PlaceOut], summary="村（社区），供输入联想")
def list_villages(request: HttpRequest, filters: Query[VillageFilter]) -> QuerySet[Division]:
    villages = village_list(
        actor=request.auth, township_code=(filters.township or "").strip(), query=filters.q.strip()
    )
    # Type-ahead wants a short list, never the whole county.
    return villages[: max(1, min(filters.limit, MAX_VILLAGES))]


@router.get("/{code12}", response=PlaceOut, summary="按12位区划代码查询")
def get_place(request: HttpRequest, code12: str) -> Division:
    place = division_get(actor=request.auth, code=code12)
    if place is None:
        raise Http404
    return place
