"""Fixtures shared by the case tests: the demo accounts by role, and a file store per test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path):
    """Documents and attachments go to the test's own folder, never to var/files."""
    settings.JINGWU_FILES_ROOT = tmp_path / "files"
    return settings.JINGWU_FILES_ROOT


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def legal_officer(user_of):
    return user_of("legal_officer")


@pytest.fixture
def chief(user_of):
    return user_of("chief")


@pytest.fixture
def leader(user_of):
    return user_of("leader")


@pytest.fixture
def procurator(user_of):
    return user_of("procurator")


@pytest.fixture
def outsider(user_of):
    """An officer of 平川 station: the 桃溪 cases are outside his scope."""
    return user_of("pingchuan_officer")
