"""Helpers for the 接处警 tests: demo users by name, and incidents recorded through the services.

Village codes are the official 12-digit codes of jingwu/data/divisions/wuping_350824_divisions.csv:
桃溪镇 350824105, 永平镇 350824110, 大禾镇 350824114, 湘店镇 350824113 (the 武北 joint station's
members), 平川街道 350824001 and 中山镇 350824101.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.incidents import services
from jingwu.incidents.models import Incident
from jingwu.org.models import User

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
TAOXI_VILLAGE_2 = "350824105203"  # 桃溪镇 亭头村委会
YONGPING_VILLAGE = "350824110201"  # 永平镇 帽村村委会
DAHE_VILLAGE = "350824114201"  # 大禾镇 大禾村委会
XIANGDIAN_VILLAGE = "350824113201"  # 湘店镇 尧山村委会
PINGCHUAN_VILLAGE = "350824001001"  # 平川街道 河东社区居委会
ZHONGSHAN_VILLAGE = "350824101201"  # 中山镇 三联村委会


def minutes_ago(minutes: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


def record(
    actor: User,
    village_code: str = TAOXI_VILLAGE,
    *,
    received_at: datetime | None = None,
    category: str = "dispute",
    subcategory: str = "neighbour",
    priority: int = 2,
    **extra: Any,
) -> Incident:
    """One incident, recorded through the service as a dispatcher would."""
    result = services.incident_create(
        actor=actor,
        source="phone_110",
        village_code=village_code,
        category=category,
        subcategory=subcategory,
        priority=priority,
        narrative=extra.pop("narrative", "邻居因排水沟堵塞发生争吵"),
        received_at=received_at,
        **extra,
    )
    assert result.created
    return result.incident


def roster(unit_code: str, number: int = 1) -> User:
    return User.objects.get(username=f"roster-{unit_code}-{number}")


def close(incident: Incident, dispatcher: User, officer: User) -> Incident:
    """Take an incident through every step to closed, one minute apart, starting at its reception."""
    start = incident.received_at
    services.incident_step(
        actor=dispatcher,
        incident_id=incident.pk,
        kind="dispatched",
        at=start + timedelta(minutes=1),
        officer_ids=[officer.pk],
    )
    services.incident_step(
        actor=dispatcher, incident_id=incident.pk, kind="arrived", at=start + timedelta(minutes=2)
    )
    services.incident_step(
        actor=dispatcher,
        incident_id=incident.pk,
        kind="handled",
        at=start + timedelta(minutes=3),
        disposition="advice",
    )
    return services.incident_step(
        actor=dispatcher, incident_id=incident.pk, kind="closed", at=start + timedelta(minutes=4)
    )


@pytest.fixture
def dispatcher(user_of) -> User:
    return user_of("dispatcher")


@pytest.fixture
def wubei_dispatcher(user_of) -> User:
    return user_of("wubei_dispatcher")


@pytest.fixture
def officer(user_of) -> User:
    return user_of("officer")


@pytest.fixture
def pingchuan_officer(user_of) -> User:
    return user_of("pingchuan_officer")
