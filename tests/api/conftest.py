"""Fixtures of the API tests: logged-in clients, and the real HTTP server of tests/livestack.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.helpers import Api, AuditLog, login


@pytest.fixture
def api_as(db: None) -> Callable[[str], Api]:
    """`api_as("officer")`: a client holding a freshly issued token of that demo account."""
    return login


@pytest.fixture
def audit(db: None) -> AuditLog:
    """Look-ups in the audit entries this test writes."""
    return AuditLog()


@pytest.fixture(scope="session")
def http_server(demo_server: str) -> str:
    """The base URL of a real server with the demo bureau (tests/livestack.py)."""
    return demo_server
