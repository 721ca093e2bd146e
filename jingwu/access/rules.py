"""Expose the policy to Django's permission API, so templates can ask `perms` / `has_perm`."""

from __future__ import annotations

from typing import Any

import rules

from jingwu.access.policy import can
from jingwu.access.roles import CAPABILITIES


def _predicate_for(action: str) -> rules.Predicate:
    @rules.predicate(name=action)
    def allowed(user: Any, obj: Any = None) -> bool:
        return can(user, action, obj)

    return allowed


for _action in CAPABILITIES:
    rules.add_perm(_action, _predicate_for(_action))
