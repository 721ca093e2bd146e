"""Load Wuping's townships and villages with their official codes, stations and grids."""

from __future__ import annotations

from django.db import transaction

from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division, Grid
from jingwu.org.reference import load_units, read_divisions


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    """Units, divisions and grids; returns counts for the command to print."""
    rows = read_divisions()
    townships = [r for r in rows if r["level"] == DivisionLevel.TOWNSHIP]
    stations = load_units(townships)
    by_code: dict[str, Division] = {}
    for row in rows:
        if row["level"] < DivisionLevel.COUNTY:
            continue
        parent = by_code.get(row["parent_code12"])
        township_code = row["code12"] if row["level"] == DivisionLevel.TOWNSHIP else row["parent_code12"]
        division, _ = Division.objects.update_or_create(
            code=row["code12"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": parent,
                "station": stations.get(township_code) if row["level"] > DivisionLevel.COUNTY else None,
            },
        )
        by_code[division.code] = division
    # One grid per village (一村一网格, each with one police assistant).
    for division in by_code.values():
        if division.level != DivisionLevel.VILLAGE:
            continue
        grid, _ = Grid.objects.update_or_create(
            code=f"G{division.code}",
            defaults={
                "name": f"{division.name}网格",
                "township": division.parent,
                "station": division.station,
            },
        )
        if division.grid_id != grid.pk:
            division.grid = grid
            division.save(update_fields=["grid"])
    return {
        "townships": len(townships),
        "villages": sum(1 for d in by_code.values() if d.level == DivisionLevel.VILLAGE),
        "stations": len(stations),
        "grids": Grid.objects.count(),
    }
