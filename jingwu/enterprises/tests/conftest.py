"""Fixtures of the enterprise tests: demo accounts by role, an officer of the public-order brigade
(治安管理大队), villages of two stations, and a quick way to register an enterprise."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest

from jingwu.enterprises import services
from jingwu.enterprises.models import Enterprise, Park
from jingwu.enterprises.services import EnterpriseInput
from jingwu.enterprises.uscc import with_check_character
from jingwu.geo.models import Division
from jingwu.org.models import Role, Unit, User

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会 (桃溪派出所, in the officer's area)
TAOXI = "350824105000"
PINGCHUAN = "350824001000"  # 平川街道 (平川派出所: another station)
SHIFANG = "350824103000"

_numbers = count(1)


def uscc(n: int | None = None) -> str:
    """A valid code of a Wuping (350824) company: 91 (工商, 企业) + region + 9 characters + check."""
    return with_check_character(f"91350824MA{(n if n is not None else next(_numbers)) % 10**7:07d}")


def village_of(township_code: str) -> Division:
    return Division.objects.filter(parent__code=township_code).order_by("code").first()


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def chief(user_of):
    return user_of("chief")


@pytest.fixture
def leader(user_of):
    return user_of("leader")


@pytest.fixture
def outsider(user_of):
    """平川's officer: 桃溪's enterprises are outside his area."""
    return user_of("pingchuan_officer")


@pytest.fixture
def brigade_officer(db):
    """An officer of 治安管理大队 (a county unit of the data file): sees and reaches every enterprise."""
    user = User.objects.create(username="za-officer", full_name="邱治安", unit=Unit.objects.get(code="wp-za"))
    user.roles.add(Role.objects.get(code="officer"))
    return User.objects.select_related("unit").get(pk=user.pk)


@pytest.fixture
def park(db, leader):
    return services.park_create(
        actor=leader,
        name="测试产业园",
        township_id=Division.objects.get(code=TAOXI).pk,
        description="测试用园区",
    )


@pytest.fixture
def make(db):
    """`make(actor, **overrides)`: an enterprise in 桃溪村 with a contact phone."""

    def create(actor: Any, **overrides: Any) -> Enterprise:
        values: dict[str, Any] = {
            "name": f"武平县测试{next(_numbers)}有限公司",
            "uscc": uscc(),
            "industry": "food",
            "village_id": Division.objects.get(code=TAOXI_VILLAGE).pk,
            "contact_name": "钟经理",
            "contact_phone": "13905971234",
        }
        values.update(overrides)
        return services.enterprise_create(actor=actor, data=EnterpriseInput(**values))

    return create


__all__ = ["Park"]
