"""Fixtures of the search tests: demo accounts by role, and records made through the apps' services
with their index entries written on commit, as in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
PINGCHUAN_VILLAGE_PARENT = "350824001000"  # 平川街道


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def outsider(user_of):
    """平川's officer: 桃溪's records are outside his scope."""
    return user_of("pingchuan_officer")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): …` runs this app's on-commit hooks (the index writes) when the block ends, as
    the commit would; other apps' hooks are theirs to test."""

    @contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        for callback in callbacks:
            if getattr(callback, "__module__", "").startswith("jingwu.search"):
                callback()

    return run


@pytest.fixture
def incident(committed):
    from jingwu.incidents.services import incident_create

    def make(actor: Any, narrative: str, *, village_code: str = TAOXI_VILLAGE, **extra: Any):
        with committed():
            result = incident_create(
                actor=actor,
                source="phone_110",
                village_code=village_code,
                category="criminal",
                subcategory="ebike_theft",
                narrative=narrative,
                **extra,
            )
        return result.incident

    return make


@pytest.fixture
def case(committed):
    from jingwu.cases.services import case_accept

    def make(actor: Any, title: str, facts: str, *, kind: str = "criminal", **extra: Any):
        with committed():
            return case_accept(actor=actor, kind=kind, title=title, facts=facts, source="walk_in", **extra)

    return make
