"""Shared fixtures: the reference data, the demo accounts and the demo records are loaded once per
test database, so the tests see the bureau a visitor of the demo sees."""

from __future__ import annotations

import random

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from jingwu.geo.reference import load_reference_data
    from jingwu.org import demo as org_demo
    from jingwu.org.demo import ensure_demo_accounts
    from jingwu.people import demo as people_demo

    with django_db_blocker.unblock():
        load_reference_data()
        ensure_demo_accounts()
        rng = random.Random(350824)
        org_demo.load(rng)
        people_demo.load(rng)


@pytest.fixture
def user_of(db):
    """`user_of("officer")`: a fresh instance of a demo account (no cached roles or scope)."""
    from jingwu.org.models import User

    def get(username: str) -> User:
        return User.objects.select_related("unit").get(username=username)

    return get


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the dashboard caches figures keyed by rollup tokens, and a
    rolled-back test's rows must not answer for the next test's."""
    from django.core.cache import cache

    cache.clear()
