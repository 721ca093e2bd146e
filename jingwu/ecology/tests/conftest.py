"""Fixtures of the ecology tests: demo accounts by name, the forest police brigade's staff, a 桃溪 zone and a
transfer builder; `on_commit` runs a write with its on-commit callbacks (the deadline refresh)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from jingwu.cases.offences import find_offence
from jingwu.ecology import services
from jingwu.ecology.demo import ensure_forest_staff
from jingwu.ecology.models import ForestTransfer, ForestZone
from jingwu.geo.models import Division
from jingwu.org.models import Unit, User

TAOXI = "350824105000"
XIANGDIAN = "350824113000"
DAHE = "350824114000"
PINGCHUAN = "350824001000"
EXCESSIVE_LOGGING = find_offence("滥伐林木罪", "criminal").code  # type: ignore[union-attr]
THEFT_OF_TREES = find_offence("盗伐林木罪", "criminal").code  # type: ignore[union-attr]


@pytest.fixture
def users(user_of, db) -> Any:
    """`users.officer`, `users.leader` …: fresh demo accounts; `users.forest` a forest police officer,
    `users.forest_chief` the brigade's chief; `users.wubei_chief` the joint station's chief."""
    ensure_forest_staff()

    class Users:
        aliases = {
            "forest": "roster-wp-st-1",
            "forest_chief": "roster-wp-st-chief",
            "wubei_chief": "roster-wp-wb-chief",
            "pingchuan_chief": "roster-wp-ps-350824001-chief",
        }

        def __getattr__(self, name: str) -> User:
            user = user_of(self.aliases.get(name, name))
            setattr(self, name, user)
            return user

    return Users()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    def run(fn: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def township(code: str) -> Division:
    return Division.objects.get(code=code)


def villages(code: str, n: int = 2) -> list[int]:
    return list(Division.objects.filter(parent__code=code).order_by("code").values_list("pk", flat=True)[:n])


@pytest.fixture
def zone(users) -> ForestZone:
    """A 桃溪 zone, patrolled every 7 days."""
    return services.zone_create(
        actor=users.leader,
        code="LQ-T-01",
        name="桃溪亭头林区",
        township_id=township(TAOXI).pk,
        village_ids=villages(TAOXI),
        patrol_every_days=7,
    )


@pytest.fixture
def agency() -> Unit:
    return Unit.objects.get(code="ext-lyj")


@pytest.fixture
def receive(users, agency, on_commit) -> Callable[..., ForestTransfer]:
    """`receive(volume="25", at=…)`: a transfer of 滥伐林木 in 湘店 received by the 武北 case team."""
    counter = iter(range(1, 1000))

    def make(volume: str = "25", at: datetime | None = None, **extra: Any) -> ForestTransfer:
        fields: dict[str, Any] = {
            "actor": users.wubei_officer,
            "agency_id": agency.pk,
            "letter_number": f"武林移〔2026〕{next(counter)}号",
            "township_id": township(XIANGDIAN).pk,
            "offence_code": EXCESSIVE_LOGGING,
            "facts": "钟某某超出采伐许可范围采伐杉木。",
            "materials": "移送书、调查报告、鉴定意见",
            "received_at": at,
            "quantities": {"standing_volume_m3": volume},
        }
        fields.update(extra)
        return on_commit(services.transfer_receive, **fields)

    return make
