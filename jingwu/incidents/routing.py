"""Routing an incident by its place (警情分流): which station's territory, which unit dispatches.

A village belongs to its township's station. A station that a joint station commands (永平, 桃溪, 大禾,
湘店 under 武北) is dispatched by the joint station's command room; any other station by its own
command room. The bureau command center sees everything and may re-route.
"""

from __future__ import annotations

from dataclasses import dataclass

from jingwu.geo.models import Division
from jingwu.incidents.choices import Area
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit

# The county seat: villages of 平川街道 that are not residents' communities are suburban.
COUNTY_SEAT_TOWNSHIP = "350824001000"


@dataclass(frozen=True)
class Route:
    station: Unit
    unit: Unit
    area: str


def command_room_of(unit: Unit) -> Unit:
    room = unit.children.filter(kind=UnitKind.COMMAND_ROOM, is_active=True).first()
    return room or unit


def area_of(village: Division) -> str:
    """城区 for residents' communities (社区/居委会), 城郊 for the county seat's villages, else 农村."""
    if village.name.endswith(("居委会", "居民委员会", "社区")):
        return Area.URBAN
    if village.parent_id and village.parent.code == COUNTY_SEAT_TOWNSHIP:
        return Area.SUBURBAN
    return Area.RURAL


def route_for_station(station: Unit, area: str = Area.RURAL) -> Route:
    """The unit that dispatches for `station`: its joint station's command room, or its own."""
    joint = station.commanded_by.filter(kind=UnitKind.JOINT_STATION, is_active=True).first()
    return Route(station=station, unit=command_room_of(joint or station), area=area)


def route_for(village: Division) -> Route:
    if village.station is None:
        raise ValueError(f"{village} has no responsible station")
    return route_for_station(village.station, area_of(village))
