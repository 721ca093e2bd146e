"""Fixtures of the 队伍建设 tests: a legal course for 桃溪 and 平川 planned by the political department."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from jingwu.org.models import Unit, User
from jingwu.personnel import services

TAOXI, PINGCHUAN = "wp-ps-350824105", "wp-ps-350824001"


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


@pytest.fixture
def client_for(db: None) -> Any:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def legal_course(user_of: Any) -> Any:
    """《治安管理处罚法》 training for the officers of 桃溪 and 平川, held 2025-05-06, due 2025-05-31."""
    return services.course_create(
        actor=user_of("personnel"),
        title="新修订《治安管理处罚法》专题培训",
        kind="legal",
        starts_on=date(2025, 5, 6),
        due_on=date(2025, 5, 31),
        pass_score="60",
        unit_ids=[unit(TAOXI).pk, unit(PINGCHUAN).pk],
        roles=["officer"],
    )


def enrolment_of(course: Any, username: str) -> Any:
    return course.enrolments.get(officer__username=username)
