from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from jingwu.access.policy import require
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division


def township_list(*, actor: Any) -> QuerySet[Division]:
    """Townships and streets with their station and number of villages. Reference data: all may read."""
    require(actor, "place.view")
    return (
        Division.objects.filter(level=DivisionLevel.TOWNSHIP)
        .select_related("station")
        .annotate(village_count=Count("children"))
    )


def village_list(*, actor: Any, township_code: str = "", query: str = "") -> QuerySet[Division]:
    require(actor, "place.view")
    villages = Division.objects.filter(level=DivisionLevel.VILLAGE).select_related(
        "parent", "station", "grid"
    )
    if township_code:
        villages = villages.filter(parent__code=township_code)
    if query:
        villages = villages.filter(Q(name__contains=query) | Q(parent__name__contains=query))
    return villages


def division_get(*, actor: Any, code: str) -> Division | None:
    require(actor, "place.view")
    return Division.objects.select_related("parent", "station", "grid").filter(code=code).first()
