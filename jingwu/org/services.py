"""Administration of units and users (单位与用户管理): admin-only, audited, no hard deletes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from jingwu.access.policy import require
from jingwu.access.roles import Role as RoleCode
from jingwu.audit.services import audit_record
from jingwu.core.errors import Conflict, ServiceError
from jingwu.org.choices import UnitKind
from jingwu.org.models import Role, Unit, User


def _check_password(password: str, user: User | None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("密码不符合要求", {"password": "；".join(exc.messages)}) from exc


def _roles(codes: list[str]) -> list[Role]:
    unknown = set(codes) - set(RoleCode.values)
    if unknown or not codes:
        raise ServiceError("请至少选择一个有效角色", {"roles": "角色无效" if unknown else "请选择角色"})
    return list(Role.objects.filter(code__in=codes))


def unit_create(*, actor: Any, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    require(actor, "unit.manage")
    code, name = code.strip(), name.strip()
    errors = {}
    if not code:
        errors["code"] = "请填写单位代码"
    elif Unit.objects.filter(code=code).exists():
        errors["code"] = "单位代码已存在"
    if not name:
        errors["name"] = "请填写单位名称"
    if kind not in UnitKind.values:
        errors["kind"] = "单位类型无效"
    if errors:
        raise ServiceError("单位信息有误", errors)
    with transaction.atomic():
        unit = Unit(code=code, name=name, kind=kind, parent=parent)
        unit.path = unit.compute_path()
        unit.save()
        audit_record(
            actor=actor,
            action="unit.create",
            obj=unit,
            changes={"code": [None, code], "name": [None, name], "parent": [None, str(parent or "")]},
        )
    return unit


def unit_move(*, actor: Any, unit: Unit, new_parent: Unit | None) -> Unit:
    """Re-parent a unit; every path below it moves with it, in one statement."""
    require(actor, "unit.manage")
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ServiceError("不能把单位移到它自己或其下级单位之下", {"parent": "上级单位无效"})
    old_parent, old_path = unit.parent, unit.path
    with transaction.atomic():
        unit.parent = new_parent
        new_path = unit.compute_path()
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        unit.refresh_from_db()
        audit_record(
            actor=actor,
            action="unit.move",
            obj=unit,
            changes={"parent": [str(old_parent or ""), str(new_parent or "")]},
        )
    return unit


def unit_set_active(*, actor: Any, unit: Unit, active: bool) -> Unit:
    require(actor, "unit.manage")
    if not active and unit.members.filter(is_active=True).exists():
        raise ServiceError("该单位仍有在用账号，请先调整人员")
    with transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(is_active=active)
        audit_record(actor=actor, action="unit.activate" if active else "unit.deactivate", obj=unit)
    unit.is_active = active
    return unit


def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    unit: Unit,
    roles: list[str],
    password: str,
    badge_number: str = "",
    phone: str = "",
) -> User:
    require(actor, "user.manage")
    username, full_name = username.strip(), full_name.strip()
    errors = {}
    if not username:
        errors["username"] = "请填写用户名"
    elif User.objects.filter(username=username).exists():
        raise Conflict("用户名已存在", {"username": "用户名已存在"})
    if not full_name:
        errors["full_name"] = "请填写姓名"
    if errors:
        raise ServiceError("用户信息有误", errors)
    role_objects = _roles(roles)
    candidate = User(username=username, full_name=full_name)
    _check_password(password, candidate)
    with transaction.atomic():
        user = User(
            username=username,
            full_name=full_name,
            unit=unit,
            badge_number=badge_number.strip(),
            phone=phone.strip(),
        )
        user.set_password(password)
        user.save()
        user.roles.set(role_objects)
        audit_record(
            actor=actor,
            action="user.create",
            obj=user,
            changes={"unit": [None, unit.code], "roles": [None, sorted(roles)]},
        )
    return user


def user_update(
    *,
    actor: Any,
    user: User,
    unit: Unit,
    roles: list[str],
    full_name: str,
    badge_number: str = "",
    phone: str = "",
) -> User:
    """Move a user to another unit and/or change their roles."""
    require(actor, "user.manage")
    role_objects = _roles(roles)
    if not full_name.strip():
        raise ServiceError("用户信息有误", {"full_name": "请填写姓名"})
    before = {"unit": user.unit.code, "roles": sorted(user.role_codes), "full_name": user.full_name}
    with transaction.atomic():
        user.unit, user.full_name = unit, full_name.strip()
        user.badge_number, user.phone = badge_number.strip(), phone.strip()
        user.save()
        user.roles.set(role_objects)
        after = {"unit": unit.code, "roles": sorted(roles), "full_name": user.full_name}
        audit_record(
            actor=actor,
            action="user.update",
            obj=user,
            changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
        )
    # The edited user object must not keep the roles and scope it was read with.
    user.__dict__.pop("_role_codes", None)
    user.__dict__.pop("_jingwu_scope", None)
    return user


def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    """Deactivate or reactivate an account. Accounts are never deleted: the audit log names them."""
    require(actor, "user.manage")
    if user.pk == actor.pk and not active:
        raise ServiceError("不能停用自己的账号")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        audit_record(actor=actor, action="user.activate" if active else "user.deactivate", obj=user)
    user.is_active = active
    return user


def user_reset_password(*, actor: Any, user: User, password: str) -> User:
    require(actor, "user.manage")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action="user.reset_password", obj=user)
    return user
