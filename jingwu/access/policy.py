"""The one access policy (访问控制): may this user do this action on this record?

Two questions, always both:
1. Role: does any of the user's roles carry the action (`access.roles.CAPABILITIES`)?
2. Scope: is the record's unit inside the user's unit scope? A user's scope is their operational
   unit (a team acts for the unit above it) and everything below it, plus every unit that unit
   commands (a joint station over its member stations) and everything below those. Bureau-wide
   roles see the whole bureau.

Lists are filtered inside the query (`visible_to`); a record outside the scope is reported as
missing (404), never as forbidden, so guessing ids leaks nothing. Every refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from jingwu.access.roles import BUREAU_WIDE_ROLES, CAPABILITIES
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record

UnitFields = str | tuple[str, ...]


def _fields(unit_field: UnitFields) -> tuple[str, ...]:
    return (unit_field,) if isinstance(unit_field, str) else unit_field


@dataclass(frozen=True)
class UnitScope:
    """Either the whole bureau, or the unit paths whose subtrees the user may see."""

    everything: bool
    paths: tuple[str, ...] = ()

    def contains(self, unit_path: str | None) -> bool:
        if self.everything:
            return True
        return bool(unit_path) and any(unit_path.startswith(p) for p in self.paths)

    def q(self, unit_field: UnitFields) -> Q:
        """A filter on `unit_field` (a relation to Unit; "" when the model is Unit itself). With several
        fields, a record is in scope when any of them is."""
        if self.everything:
            return Q()
        query = Q(pk__in=[])
        for name in _fields(unit_field):
            lookup = f"{name}__path__startswith" if name else "path__startswith"
            for path in self.paths:
                query |= Q(**{lookup: path})
        return query


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_capability(user: Any, action: str) -> bool:
    """Whether one of the user's roles carries `action` (no record involved)."""
    if not _active(user):
        return False
    allowed = CAPABILITIES.get(action)
    return bool(allowed) and not user.role_codes.isdisjoint(allowed)


def scope_of_unit(unit: Any) -> UnitScope:
    """The units someone working for `unit` reaches: its operational unit, what that commands, and below."""
    home = unit.operational_unit()
    paths = {home.path}
    paths.update(home.commands.values_list("path", flat=True))
    # Keep only the outermost paths: a subtree inside another adds nothing.
    outer = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return UnitScope(everything=False, paths=outer)


def unit_scope(user: Any) -> UnitScope:
    """The units whose records the user may see (cached on the user object for the request)."""
    cached = getattr(user, "_jingwu_scope", None)
    if cached is not None:
        return cached
    if not _active(user):
        scope = UnitScope(everything=False)
    elif not user.role_codes.isdisjoint(BUREAU_WIDE_ROLES):
        scope = UnitScope(everything=True)
    else:
        scope = scope_of_unit(user.unit)
    user._jingwu_scope = scope
    return scope


def _unit_path_of(obj: Any, unit_field: str) -> str | None:
    target = obj
    for part in filter(None, unit_field.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target.path


def can(user: Any, action: str, obj: Any = None, *, unit_field: UnitFields = "unit") -> bool:
    """The policy's answer for one action, on one record or on none."""
    if not has_capability(user, action):
        return False
    if obj is None:
        return True
    scope = unit_scope(user)
    return any(scope.contains(_unit_path_of(obj, name)) for name in _fields(unit_field))


def visible_to[M: Model](
    user: Any, action: str, queryset: QuerySet[M], *, unit_field: UnitFields = "unit"
) -> QuerySet[M]:
    """`queryset` narrowed to the records `user` may `action` (NetBox's `restrict`)."""
    if not has_capability(user, action):
        return queryset.none()
    return queryset.filter(unit_scope(user).q(unit_field))


def _deny(user: Any, action: str, object_type: str = "", object_id: Any = "") -> None:
    audit_record(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=object_id or "",
        outcome=Outcome.DENIED,
    )


def require(user: Any, action: str) -> None:
    """Raise PermissionDenied (and audit it) unless one of the user's roles carries `action`.
    Like get_visible_or_404, call it outside `transaction.atomic()` so that the refusal is kept."""
    if not has_capability(user, action):
        _deny(user, action)
        raise PermissionDenied(action)


def get_visible_or_404[M: Model](
    user: Any, action: str, queryset: QuerySet[M], *, unit_field: UnitFields = "unit", **lookup: Any
) -> M:
    """One record the user may `action`; a record outside the scope is a 404, and audited.

    Call it before opening a transaction: the refusal's audit entry is written in the caller's
    transaction, and an exception leaving `atomic()` would roll it back with everything else.
    """
    require(user, action)
    found = visible_to(user, action, queryset, unit_field=unit_field).filter(**lookup).first()
    if found is None:
        _deny(user, action, queryset.model._meta.label_lower, next(iter(lookup.values()), ""))
        raise Http404
    return found
