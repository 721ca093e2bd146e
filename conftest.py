"""Shared fixtures: the reference data and the demo accounts are loaded once per test database."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from jingwu.geo.reference import load_reference_data
    from jingwu.org.demo import ensure_demo_accounts

    with django_db_blocker.unblock():
        load_reference_data()
        ensure_demo_accounts()


@pytest.fixture
def user_of(db):
    """`user_of("officer")`: a fresh instance of a demo account (no cached roles or scope)."""
    from jingwu.org.models import User

    def get(username: str) -> User:
        return User.objects.select_related("unit").get(username=username)

    return get

