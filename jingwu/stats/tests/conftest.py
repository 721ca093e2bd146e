"""Helpers for the statistics tests: raw records written directly (their post_save keeps the rollups),
at exact moments, so that each figure can be checked on a worked example."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jingwu.cases.models import Case
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.mediation.models import Dispute
from jingwu.org.models import User

TZ = ZoneInfo("Asia/Shanghai")
TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
YONGPING_VILLAGE = "350824110201"  # 永平镇 帽村村委会
PINGCHUAN_VILLAGE = "350824001001"  # 平川街道 河东社区居委会
ZHONGSHAN_VILLAGE = "350824101201"  # 中山镇 三联村委会
_numbers = itertools.count(1)


def at(text: str) -> datetime:
    """An Asia/Shanghai wall-clock moment: at("2025-12-31 23:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def incident(
    village_code: str = TAOXI_VILLAGE,
    received: datetime | None = None,
    *,
    category: str = "criminal",
    dispatch_min: float | None = None,
    arrive_min: float | None = None,
) -> Incident:
    village = Division.objects.select_related("parent__station").get(code=village_code)
    received = received or at("2025-06-10 10:00")
    dispatched = received + timedelta(minutes=dispatch_min) if dispatch_min is not None else None
    arrived = dispatched + timedelta(minutes=arrive_min) if dispatched and arrive_min is not None else None
    return Incident.objects.create(
        received_at=received,
        source="phone_110",
        village=village,
        area="rural",
        category=category,
        subcategory="theft" if category == "criminal" else "fight",
        narrative="测试警情",
        station=village.parent.station,
        unit=village.parent.station,
        dispatched_at=dispatched,
        arrived_at=arrived,
        created_by=User.objects.get(username="dispatcher"),
    )


def case(
    village_code: str = TAOXI_VILLAGE,
    *,
    kind: str = "criminal",
    filed: datetime | None = None,
    closed: datetime | None = None,
    status: str | None = None,
) -> Case:
    village = Division.objects.select_related("parent__station").get(code=village_code)
    station = village.parent.station
    return Case.objects.create(
        number=f"TEST-STATS-{next(_numbers)}",
        kind=kind,
        status=status or ("closed" if closed else "filed" if filed else "accepted"),
        title="测试案件",
        facts="测试",
        source="walk_in",
        station=station,
        reviewing_unit=station,
        accepted_at=(filed or at("2025-06-01 09:00")) - timedelta(hours=1),
        filed_at=filed,
        closed_at=closed,
        created_by=User.objects.get(username="chief"),
    )


def dispute(village_code: str = TAOXI_VILLAGE, registered: datetime | None = None, **extra: Any) -> Dispute:
    village = Division.objects.select_related("parent__station").get(code=village_code)
    return Dispute.objects.create(
        source="walk_in",
        kind="neighbour",
        village=village,
        description="测试纠纷",
        station=village.parent.station,
        risk_level="low",
        risk_suggested="low",
        registered_at=registered or at("2025-06-10 10:00"),
        created_by=User.objects.get(username="chief"),
        **extra,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit rollup refreshes of the block: `with committed(): …`."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
