"""Fixtures of the supervision tests: the demo accounts by name, and service calls run with their on-commit
callbacks (the deadline refresh, the notifications) as a real commit would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jingwu.org.models import User


@pytest.fixture
def users(user_of) -> Any:
    """`users.officer`, `users.chief`…: demo accounts, fetched on first use."""

    class Users:
        def __getattr__(self, name: str) -> User:
            user = user_of(name)
            setattr(self, name, user)
            return user

    return Users()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """Run a service call and then its on-commit callbacks, as a real commit would."""

    def run(fn: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run
