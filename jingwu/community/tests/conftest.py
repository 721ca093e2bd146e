"""Fixtures of the community tests: demo accounts by role, 桃溪's villages, and the demo assistant
(蓝小军) assigned to 桃溪村 by the station chief."""

from __future__ import annotations

import pytest

from jingwu.community import services
from jingwu.geo.models import Division
from jingwu.org.models import Role, User

TAOXI = "350824105201"  # 桃溪镇 桃溪村委会
XINCAI = "350824105202"  # 桃溪镇 新礤村委会
XIANGDIAN = "350824113204"  # 湘店镇 店下村委会 (another station of 武北)
PINGCHUAN = "350824001001"  # 平川街道 河东社区: another station altogether


@pytest.fixture
def chief(user_of):
    return user_of("chief")


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def assistant(user_of):
    return user_of("assistant")


@pytest.fixture
def outsider(user_of):
    """平川's officer: 桃溪's villages are outside his scope."""
    return user_of("pingchuan_officer")


@pytest.fixture
def village(db):
    def get(code: str) -> Division:
        return Division.objects.select_related("parent", "station").get(code=code)

    return get


@pytest.fixture
def taoxi(village):
    return village(TAOXI)


@pytest.fixture
def xincai(village):
    return village(XINCAI)


def new_assistant(username: str, unit_code: str = "wp-ps-350824105-sq") -> User:
    from jingwu.org.models import Unit

    user = User.objects.create(username=username, full_name="测试助理", unit=Unit.objects.get(code=unit_code))
    user.roles.add(Role.objects.get(code="assistant"))
    return User.objects.select_related("unit").get(pk=user.pk)


@pytest.fixture
def assigned(chief, assistant, taoxi):
    """蓝小军 is 桃溪村's police assistant."""
    return services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk)


@pytest.fixture
def neighbour(chief, xincai):
    """Another assistant, in 新礤村 (same station, other village)."""
    user = new_assistant("test-zl-xincai")
    services.assignment_set(actor=chief, village_id=xincai.pk, kind="assistant", user_id=user.pk)
    return user
