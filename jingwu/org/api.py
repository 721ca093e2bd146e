"""Units of the bureau over the API (/api/units/), scoped like the web pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema

from jingwu.access.policy import get_visible_or_404, require
from jingwu.org.models import Unit
from jingwu.org.selectors import unit_list

router = Router(tags=["单位"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    path: str
    township_code: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return str(obj.get_kind_display())


@router.get("/", response=list[UnitOut], summary="可见范围内的单位")
def list_units(request: HttpRequest) -> QuerySet[Unit]:
    require(request.auth, "unit.view")
    return unit_list(actor=request.auth)


@router.get("/{int:unit_id}", response=UnitOut, summary="单位详情（范围外为404）")
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    return get_visible_or_404(request.auth, "unit.view", Unit.objects.all(), unit_field="", pk=unit_id)
