"""Administration of units and users: admin only, audited, passwords never logged."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from jingwu.access.policy import unit_scope
from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.org.models import Unit, User
from jingwu.org.selectors import unit_list, user_list
from jingwu.org.services import (
    unit_create,
    unit_move,
    unit_set_active,
    user_create,
    user_reset_password,
    user_set_active,
    user_update,
)

GOOD_PASSWORD = "Taoxi-2026-police"


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


def entry_text(entry: AuditEntry) -> str:
    return json.dumps(
        {f.name: getattr(entry, f.name) for f in AuditEntry._meta.fields}, ensure_ascii=False, default=str
    )


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


@pytest.fixture
def admin(user_of):
    return user_of("admin")


# --- users ------------------------------------------------------------------------------------------------


def test_admin_creates_a_user(admin):
    user = user_create(
        actor=admin,
        username=" xiaoli ",
        full_name=" 李小丽 ",
        unit=unit("wp-ps-350824001-sq"),
        roles=["officer"],
        password=GOOD_PASSWORD,
        badge_number="350899",
    )
    user = User.objects.get(pk=user.pk)
    assert (user.username, user.full_name, user.unit.code) == ("xiaoli", "李小丽", "wp-ps-350824001-sq")
    assert user.role_codes == {"officer"}
    assert user.check_password(GOOD_PASSWORD)
    assert user.is_active
    entry = last_entry()
    assert (entry.action, entry.object_id, entry.actor_username) == ("user.create", str(user.pk), "admin")
    assert entry.changes == {"unit": [None, "wp-ps-350824001-sq"], "roles": [None, ["officer"]]}
    assert GOOD_PASSWORD not in entry_text(entry)
    assert user.password not in entry_text(entry)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "此密码太短，至少要包含 10 个字符。"),
        ("wupingxianjingwu", "密码须同时包含字母和数字。"),
        ("1234567890", "密码只包含数字。"),
    ],
)
def test_weak_password_is_refused_in_chinese(admin, password, message):
    with pytest.raises(ServiceError) as exc:
        user_create(
            actor=admin,
            username="weak",
            full_name="弱密码",
            unit=unit("wp-cmd"),
            roles=["dispatcher"],
            password=password,
        )
    assert exc.value.message == "密码不符合要求"
    assert message in exc.value.field_errors["password"]
    assert not User.objects.filter(username="weak").exists()


def test_password_similar_to_the_username_is_refused(admin):
    with pytest.raises(ServiceError) as exc:
        user_create(
            actor=admin,
            username="zhangwei2026",
            full_name="张伟",
            unit=unit("wp-cmd"),
            roles=["dispatcher"],
            password="zhangwei2026",
        )
    assert "password" in exc.value.field_errors


def test_duplicate_username_is_a_conflict(admin):
    with pytest.raises(Conflict) as exc:
        user_create(
            actor=admin,
            username="officer",
            full_name="重名",
            unit=unit("wp-cmd"),
            roles=["officer"],
            password=GOOD_PASSWORD,
        )
    assert exc.value.field_errors == {"username": "用户名已存在"}
    assert User.objects.filter(username="officer").count() == 1


@pytest.mark.parametrize("roles", [[], ["superuser"], ["officer", "nonsense"]])
def test_roles_must_be_known(admin, roles):
    with pytest.raises(ServiceError) as exc:
        user_create(
            actor=admin,
            username="norole",
            full_name="无角色",
            unit=unit("wp-cmd"),
            roles=roles,
            password=GOOD_PASSWORD,
        )
    assert "roles" in exc.value.field_errors
    assert not User.objects.filter(username="norole").exists()


def test_moving_a_user_and_changing_roles_changes_their_scope(admin, user_of):
    officer = user_of("officer")
    assert sorted(unit_scope(officer).paths) == ["/wp/wp-ps-350824105/"]
    user_update(
        actor=admin,
        user=officer,
        unit=unit("wp-ps-350824001-aj"),
        roles=["officer", "unit_chief"],
        full_name="李志强",
    )
    entry = last_entry()
    assert entry.action == "user.update"
    assert entry.changes == {
        "unit": ["wp-ps-350824105-sq", "wp-ps-350824001-aj"],
        "roles": [["officer"], ["officer", "unit_chief"]],
    }
    moved = user_of("officer")
    assert moved.unit.code == "wp-ps-350824001-aj"
    assert moved.role_codes == {"officer", "unit_chief"}
    assert unit_scope(moved).paths == ("/wp/wp-ps-350824001/",)


def test_user_update_refuses_an_empty_name(admin, user_of):
    with pytest.raises(ServiceError) as exc:
        user_update(
            actor=admin, user=user_of("officer"), unit=unit("wp-cmd"), roles=["officer"], full_name=" "
        )
    assert exc.value.field_errors == {"full_name": "请填写姓名"}
    assert user_of("officer").unit.code == "wp-ps-350824105-sq"


def test_admin_deactivates_and_reactivates_a_user(admin, user_of):
    user_set_active(actor=admin, user=user_of("officer"), active=False)
    assert not user_of("officer").is_active
    assert last_entry().action == "user.deactivate"
    user_set_active(actor=admin, user=user_of("officer"), active=True)
    assert user_of("officer").is_active
    assert last_entry().action == "user.activate"


def test_admin_cannot_deactivate_themselves(admin, user_of):
    with pytest.raises(ServiceError) as exc:
        user_set_active(actor=admin, user=user_of("admin"), active=False)
    assert exc.value.message == "不能停用自己的账号"
    assert user_of("admin").is_active


def test_password_reset_is_audited_without_the_password(admin, user_of):
    officer = user_of("officer")
    old_hash = officer.password
    user_reset_password(actor=admin, user=officer, password=GOOD_PASSWORD)
    reloaded = user_of("officer")
    assert reloaded.check_password(GOOD_PASSWORD)
    assert reloaded.password != old_hash
    entry = last_entry()
    assert (entry.action, entry.object_id, entry.actor_username, entry.outcome) == (
        "user.reset_password",
        str(officer.pk),
        "admin",
        "allowed",
    )
    text = entry_text(entry)
    assert GOOD_PASSWORD not in text
    assert reloaded.password not in text
    assert old_hash not in text


def test_password_reset_refuses_a_weak_password(admin, user_of):
    with pytest.raises(ServiceError):
        user_reset_password(actor=admin, user=user_of("officer"), password="abc")
    assert not user_of("officer").check_password("abc")


@pytest.mark.parametrize("username", ["officer", "leader", "auditor", "chief", "legal_affairs"])
def test_non_admins_cannot_manage_users(user_of, username):
    actor = user_of(username)
    with pytest.raises(PermissionDenied):
        user_create(
            actor=actor,
            username="intruder",
            full_name="入侵",
            unit=unit("wp"),
            roles=["admin"],
            password=GOOD_PASSWORD,
        )
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.actor_username) == ("user.manage", "denied", username)
    with pytest.raises(PermissionDenied):
        user_reset_password(actor=actor, user=user_of("admin"), password=GOOD_PASSWORD)
    with pytest.raises(PermissionDenied):
        user_set_active(actor=actor, user=user_of("admin"), active=False)
    with pytest.raises(PermissionDenied):
        user_update(actor=actor, user=user_of(username), unit=unit("wp"), roles=["admin"], full_name="x")
    with pytest.raises(PermissionDenied):
        user_list(actor=actor)
    assert not User.objects.filter(username="intruder").exists()
    assert user_of("admin").is_active
    assert user_of(username).role_codes.isdisjoint({"admin"})


def test_user_list_for_admin_finds_by_name(admin):
    assert list(user_list(actor=admin, query="李志强").values_list("username", flat=True)) == ["officer"]


# --- units -------------------------------------------------------------------------------------------------


def test_unit_move_re_paths_the_whole_subtree(admin):
    taoxi = unit("wp-ps-350824105")
    subtree_before = set(Unit.objects.filter(path__startswith=taoxi.path).values_list("code", flat=True))
    others_before = dict(Unit.objects.exclude(path__startswith=taoxi.path).values_list("code", "path"))
    unit_move(actor=admin, unit=taoxi, new_parent=unit("wp-wb"))
    moved = unit("wp-ps-350824105")
    assert moved.parent.code == "wp-wb"
    assert moved.path == "/wp/wp-wb/wp-ps-350824105/"
    assert unit("wp-ps-350824105-sq").path == "/wp/wp-wb/wp-ps-350824105/wp-ps-350824105-sq/"
    assert (
        set(Unit.objects.filter(path__startswith=moved.path).values_list("code", flat=True)) == subtree_before
    )
    assert (
        dict(Unit.objects.exclude(path__startswith=moved.path).values_list("code", "path")) == others_before
    )
    for each in Unit.objects.select_related("parent"):
        assert each.path == (each.parent.path if each.parent else "/") + each.code + "/"
    entry = last_entry()
    assert (entry.action, entry.object_id) == ("unit.move", str(taoxi.pk))
    assert entry.changes == {"parent": ["武平县公安局", "武北区域联合派出所"]}


def test_unit_move_changes_who_sees_what(admin, user_of):
    unit_move(actor=admin, unit=unit("wp-ps-350824001"), new_parent=unit("wp-wb"))
    dispatcher_units = set(unit_list(actor=user_of("wubei_dispatcher")).values_list("code", flat=True))
    assert "wp-ps-350824001-aj" in dispatcher_units


@pytest.mark.parametrize("target", ["wp-wb", "wp-wb-zh"])
def test_unit_move_refuses_its_own_subtree(admin, target):
    wubei = unit("wp-wb")
    with pytest.raises(ServiceError) as exc:
        unit_move(actor=admin, unit=wubei, new_parent=unit(target))
    assert exc.value.field_errors == {"parent": "上级单位无效"}
    assert unit("wp-wb").path == "/wp/wp-wb/"
    assert unit("wp-wb-zh").path == "/wp/wp-wb/wp-wb-zh/"


def test_unit_move_does_not_confuse_a_sibling_with_a_descendant(admin):
    prefix_twin = unit_create(actor=admin, code="wp-wb2", name="测试所", kind="station", parent=unit("wp"))
    unit_move(actor=admin, unit=prefix_twin, new_parent=unit("wp-wb"))
    assert unit("wp-wb2").path == "/wp/wp-wb/wp-wb2/"
    assert unit("wp-wb").path == "/wp/wp-wb/"


def test_unit_create_and_its_validation(admin):
    created = unit_create(actor=admin, code=" wp-test ", name=" 测试大队 ", kind="brigade", parent=unit("wp"))
    assert (created.code, created.name, created.path) == ("wp-test", "测试大队", "/wp/wp-test/")
    with pytest.raises(ServiceError) as exc:
        unit_create(actor=admin, code="wp-test", name="", kind="nonsense", parent=None)
    assert set(exc.value.field_errors) == {"code", "name", "kind"}


def test_a_unit_with_active_members_cannot_be_deactivated(admin):
    with pytest.raises(ServiceError):
        unit_set_active(actor=admin, unit=unit("wp-ps-350824105-sq"), active=False)
    assert unit("wp-ps-350824105-sq").is_active


@pytest.mark.parametrize("username", ["leader", "officer", "auditor"])
def test_non_admins_cannot_manage_units(user_of, username):
    actor = user_of(username)
    with pytest.raises(PermissionDenied):
        unit_move(actor=actor, unit=unit("wp-ps-350824105"), new_parent=unit("wp-wb"))
    with pytest.raises(PermissionDenied):
        unit_create(actor=actor, code="wp-x", name="x", kind="brigade", parent=None)
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.actor_username) == ("unit.manage", "denied", username)
    assert unit("wp-ps-350824105").path == "/wp/wp-ps-350824105/"
    assert not Unit.objects.filter(code="wp-x").exists()
