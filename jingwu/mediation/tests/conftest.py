"""Fixtures of the mediation tests: demo accounts by role, villages, and a quick way to register a dispute."""

from __future__ import annotations

from typing import Any

import pytest

from jingwu.geo.models import Division
from jingwu.mediation import services
from jingwu.mediation.services import PartyInput

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
XIANGDIAN_VILLAGE_PARENT = "350824113000"  # 湘店镇 (武北, another station)
PINGCHUAN_PARENT = "350824001000"  # 平川街道


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def chief(user_of):
    return user_of("chief")


@pytest.fixture
def leader_user(user_of):
    return user_of("leader")


@pytest.fixture
def mediator(user_of):
    return user_of("mediator")


@pytest.fixture
def assistant(user_of):
    return user_of("assistant")


@pytest.fixture
def outsider(user_of):
    """平川's officer: 桃溪's disputes are outside his scope."""
    return user_of("pingchuan_officer")


@pytest.fixture
def taoxi(db) -> Division:
    return Division.objects.get(code=TAOXI_VILLAGE)


def village_of(parent_code: str) -> Division:
    return Division.objects.filter(parent__code=parent_code).order_by("code").first()


_counter = iter(range(1, 10**6))


def parties(*names: str) -> list[PartyInput]:
    roles = ["applicant", "respondent"] + ["party"] * 10
    return [
        PartyInput(role=roles[i], name=name, phone=f"1380000{next(_counter):04d}")
        for i, name in enumerate(names)
    ]


@pytest.fixture
def register(taoxi):
    """`register(actor, **overrides)`: a walk-in neighbour dispute in 桃溪村 between two new persons."""

    def make(actor: Any, **overrides: Any):
        values: dict[str, Any] = {
            "source": "walk_in",
            "kind": "neighbour",
            "village_id": taoxi.pk,
            "description": "两户因房屋滴水落到对方宅基地发生争吵。",
            "parties": parties("钟测甲", "刘测乙"),
            "relationship": "邻居",
        }
        values.update(overrides)
        return services.dispute_create(actor=actor, **values)

    return make
