from __future__ import annotations

import pytest

from tests.livestack import live_demo_server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory):
    """Base URL of a real Jingwu server with the demo bureau loaded (one per test session)."""
    with live_demo_server(tmp_path_factory.mktemp("live")) as url:
        yield url
