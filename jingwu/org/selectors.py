from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jingwu.access.policy import require, visible_to
from jingwu.org.models import Unit, User


def unit_list(*, actor: Any) -> QuerySet[Unit]:
    """Units within the actor's scope (the whole tree for bureau-wide roles)."""
    return visible_to(actor, "unit.view", Unit.objects.select_related("parent"), unit_field="")


def user_list(*, actor: Any, query: str = "", include_inactive: bool = True) -> QuerySet[User]:
    require(actor, "user.manage")
    users = visible_to(actor, "user.manage", User.objects.select_related("unit").prefetch_related("roles"))
    if query:
        users = users.filter(username__icontains=query) | users.filter(full_name__contains=query)
    if not include_inactive:
        users = users.filter(is_active=True)
    return users
