"""The access policy: unit scopes, capabilities per role, 404-not-403, audited refusals, `has_perm`.

Expected unit sets are written out by hand from jingwu/org/data/wuping_bureau.yaml and the division
CSV: a station's code is `wp-ps-` + the first 9 digits of its township's 12-digit code
(桃溪镇 350824105000 → wp-ps-350824105), and its teams add `-sq` (社区警务队), `-aj` (案件办理队)
and `-zh` (综合指挥室). Members of the 武北 joint station (永平 110, 桃溪 105, 大禾 114, 湘店 113) keep
only their community team.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models.query import EmptyQuerySet
from django.http import Http404

from jingwu.access.policy import can, get_visible_or_404, has_capability, require, unit_scope, visible_to
from jingwu.audit.models import AuditEntry
from jingwu.org.models import Unit, User
from jingwu.people.models import Person

TAOXI = "wp-ps-350824105"
YONGPING = "wp-ps-350824110"
DAHE = "wp-ps-350824114"
XIANGDIAN = "wp-ps-350824113"
PINGCHUAN = "wp-ps-350824001"
WUBEI = "wp-wb"

TAOXI_SUBTREE = {TAOXI, f"{TAOXI}-sq"}
PINGCHUAN_SUBTREE = {PINGCHUAN, f"{PINGCHUAN}-sq", f"{PINGCHUAN}-aj", f"{PINGCHUAN}-zh"}
WUBEI_SCOPE = (
    {WUBEI, "wp-wb-zh", "wp-wb-aj"}
    | {YONGPING, f"{YONGPING}-sq"}
    | TAOXI_SUBTREE
    | {DAHE, f"{DAHE}-sq"}
    | {XIANGDIAN, f"{XIANGDIAN}-sq"}
)

BUREAU_WIDE = ["leader", "legal_affairs", "procurator", "auditor", "admin"]


def visible_unit_codes(user: User) -> set[str]:
    return set(
        visible_to(user, "unit.view", Unit.objects.all(), unit_field="").values_list("code", flat=True)
    )


def _person(unit_code: str, name: str) -> Person:
    unit = Unit.objects.get(code=unit_code)
    creator = User.objects.get(username="officer")
    return Person.objects.create(name=name, unit=unit, created_by=creator)


@pytest.fixture
def taoxi_person(db) -> Person:
    return _person(TAOXI, "桃溪甲")


@pytest.fixture
def pingchuan_person(db) -> Person:
    return _person(PINGCHUAN, "平川乙")


@pytest.fixture
def wubei_person(db) -> Person:
    return _person(WUBEI, "武北丙")


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


# --- unit scopes -------------------------------------------------------------------------------


def test_taoxi_community_officer_sees_only_taoxi_station_subtree(user_of):
    assert visible_unit_codes(user_of("officer")) == TAOXI_SUBTREE


def test_station_chief_sits_in_the_station_and_has_the_same_scope_as_its_team(user_of):
    assert visible_unit_codes(user_of("chief")) == TAOXI_SUBTREE


def test_wubei_command_room_sees_joint_station_and_its_four_members(user_of):
    codes = visible_unit_codes(user_of("wubei_dispatcher"))
    assert codes == WUBEI_SCOPE
    assert PINGCHUAN not in codes
    assert "wp" not in codes


def test_wubei_case_team_acts_for_the_joint_station(user_of):
    assert visible_unit_codes(user_of("wubei_officer")) == WUBEI_SCOPE


def test_pingchuan_officer_sees_pingchuan_only(user_of):
    assert visible_unit_codes(user_of("pingchuan_officer")) == PINGCHUAN_SUBTREE


def test_member_station_officer_does_not_see_the_joint_station(user_of, wubei_person):
    officer = user_of("officer")
    assert not can(officer, "person.view", wubei_person)
    assert can(user_of("wubei_dispatcher"), "person.view", wubei_person)


@pytest.mark.parametrize("username", BUREAU_WIDE)
def test_bureau_wide_roles_see_every_unit(user_of, username):
    user = user_of(username)
    assert unit_scope(user).everything
    assert visible_unit_codes(user) == set(Unit.objects.values_list("code", flat=True))
    assert {"wp", PINGCHUAN, WUBEI, "ext-jcy"} <= visible_unit_codes(user)


def test_scope_paths_are_the_outermost_subtrees(user_of):
    scope = unit_scope(user_of("wubei_dispatcher"))
    assert not scope.everything
    assert sorted(scope.paths) == sorted(f"/wp/{code}/" for code in (WUBEI, YONGPING, TAOXI, DAHE, XIANGDIAN))


@pytest.mark.parametrize("username", ["officer", "leader", "admin", "wubei_dispatcher"])
def test_inactive_users_see_nothing(user_of, taoxi_person, username):
    User.objects.filter(username=username).update(is_active=False)
    user = user_of(username)
    assert visible_unit_codes(user) == set()
    assert not unit_scope(user).everything
    assert unit_scope(user).paths == ()
    assert not can(user, "home.view")
    assert not can(user, "person.view", taoxi_person)
    assert not visible_to(user, "person.view", Person.objects.all()).exists()


def test_anonymous_user_is_refused_everything(taoxi_person):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not has_capability(anonymous, "home.view")
    assert not visible_to(anonymous, "person.view", Person.objects.all()).exists()
    assert not can(None, "person.view", taoxi_person)


# --- capabilities --------------------------------------------------------------------------------

# (username, action, allowed) — from the role table of DESIGN.md §1.
CAPABILITY_CASES = [
    ("auditor", "audit.view", True),
    ("auditor", "person.view", False),
    ("auditor", "person.create", False),
    ("auditor", "person.change", False),
    ("auditor", "person.reveal", False),
    ("auditor", "user.manage", False),
    ("admin", "user.manage", True),
    ("admin", "unit.manage", True),
    ("admin", "person.view", False),  # 系统管理员: no case content
    ("admin", "person.reveal", False),
    ("admin", "audit.view", False),
    ("assistant", "person.view", False),  # 警务助理: no case data
    ("assistant", "unit.view", False),
    ("assistant", "place.view", True),
    ("mediator", "person.view", False),
    ("mediator", "unit.view", False),
    ("procurator", "person.view", True),
    ("procurator", "person.create", False),
    ("procurator", "person.change", False),
    ("procurator", "person.reveal", False),
    ("leader", "person.view", True),
    ("leader", "person.reveal", True),
    ("leader", "person.create", False),
    ("leader", "user.manage", False),
    ("legal_affairs", "person.view", True),
    ("legal_affairs", "audit.view", False),
    ("officer", "person.view", True),
    ("officer", "person.create", True),
    ("officer", "person.change", True),
    ("officer", "person.reveal", True),
    ("officer", "audit.view", False),
    ("officer", "user.manage", False),
    ("officer", "unit.manage", False),
    ("dispatcher", "person.create", True),
    ("legal_officer", "person.reveal", True),
    ("chief", "person.change", True),
]


@pytest.mark.parametrize(("username", "action", "allowed"), CAPABILITY_CASES)
def test_capabilities_per_role(user_of, username, action, allowed):
    assert has_capability(user_of(username), action) is allowed


@pytest.mark.parametrize("username", ["admin", "leader", "officer", "auditor"])
def test_an_unknown_action_is_refused_to_everyone(user_of, username):
    assert not has_capability(user_of(username), "person.delete")
    assert not can(user_of(username), "no.such.action")


# --- lists are filtered in the query ----------------------------------------------------------------


def pks_in_units(codes: set[str]) -> set[int]:
    """The persons registered in these units, found by unit code (not by path)."""
    return set(Person.objects.filter(unit__code__in=codes).values_list("pk", flat=True))


def test_visible_to_filters_inside_the_query(user_of, taoxi_person, pingchuan_person, wubei_person):
    officer = user_of("officer")
    people = visible_to(officer, "person.view", Person.objects.all())
    sql = str(people.query)
    assert "LIKE" in sql.upper()
    assert "/wp/wp-ps-350824105/" in sql
    visible = set(people.values_list("pk", flat=True))
    assert taoxi_person.pk in visible
    assert pingchuan_person.pk not in visible
    assert wubei_person.pk not in visible
    assert visible == pks_in_units(TAOXI_SUBTREE)


def test_visible_to_is_a_queryset_that_can_be_narrowed_further(
    user_of, taoxi_person, pingchuan_person, wubei_person
):
    dispatcher = user_of("wubei_dispatcher")
    people = visible_to(dispatcher, "person.view", Person.objects.all())
    visible = set(people.values_list("pk", flat=True))
    assert {taoxi_person.pk, wubei_person.pk} <= visible
    assert pingchuan_person.pk not in visible
    assert visible == pks_in_units(WUBEI_SCOPE)
    assert list(people.filter(name="武北丙").values_list("pk", flat=True)) == [wubei_person.pk]
    assert not people.filter(name="平川乙").exists()


def test_visible_to_is_empty_without_the_capability(user_of, taoxi_person):
    people = visible_to(user_of("assistant"), "person.view", Person.objects.all())
    assert isinstance(people, EmptyQuerySet)


def test_visible_to_list_costs_one_query(user_of, taoxi_person, django_assert_num_queries):
    officer = user_of("officer")
    _ = officer.role_codes
    unit_scope(officer)  # roles and scope are read once per request; the list itself is one query
    expected = pks_in_units(TAOXI_SUBTREE)
    with django_assert_num_queries(1):
        listed = [p.pk for p in visible_to(officer, "person.view", Person.objects.all())]
    assert set(listed) == expected
    assert taoxi_person.pk in expected


# --- get_visible_or_404 and require ------------------------------------------------------------------


def test_out_of_scope_record_is_404_and_audited_as_denied(user_of, pingchuan_person):
    officer = user_of("officer")
    before = AuditEntry.objects.count()
    with pytest.raises(Http404):
        get_visible_or_404(officer, "person.view", Person.objects.all(), pk=pingchuan_person.pk)
    assert AuditEntry.objects.count() == before + 1
    entry = last_entry()
    assert entry.outcome == "denied"
    assert entry.action == "person.view"
    assert entry.actor_username == "officer"
    assert entry.object_type == "people.person"
    assert entry.object_id == str(pingchuan_person.pk)


def test_a_missing_record_is_the_same_404_as_an_out_of_scope_one(user_of):
    with pytest.raises(Http404):
        get_visible_or_404(user_of("officer"), "person.view", Person.objects.all(), pk=987654321)
    assert last_entry().outcome == "denied"


def test_in_scope_record_is_returned(user_of, taoxi_person):
    found = get_visible_or_404(user_of("officer"), "person.view", Person.objects.all(), pk=taoxi_person.pk)
    assert found.pk == taoxi_person.pk


def test_get_visible_or_404_without_the_capability_is_permission_denied(user_of, taoxi_person):
    with pytest.raises(PermissionDenied):
        get_visible_or_404(user_of("assistant"), "person.view", Person.objects.all(), pk=taoxi_person.pk)
    entry = last_entry()
    assert (entry.outcome, entry.action, entry.actor_username) == ("denied", "person.view", "assistant")


def test_require_raises_and_audits(user_of):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        require(user_of("auditor"), "person.view")
    assert AuditEntry.objects.count() == before + 1
    entry = last_entry()
    assert (entry.outcome, entry.action, entry.actor_username) == ("denied", "person.view", "auditor")
    assert entry.actor_roles == "auditor"
    assert entry.actor_unit == "wp"


def test_require_passes_silently_when_allowed(user_of):
    before = AuditEntry.objects.count()
    require(user_of("auditor"), "audit.view")
    assert AuditEntry.objects.count() == before


# --- Django's permission API (rules) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "on_taoxi", "on_pingchuan"),
    [
        ("officer", True, False),
        ("pingchuan_officer", False, True),
        ("wubei_dispatcher", True, False),
        ("procurator", True, True),
        ("leader", True, True),
        ("auditor", False, False),
        ("admin", False, False),
        ("assistant", False, False),
    ],
)
def test_has_perm_agrees_with_the_policy(
    user_of, taoxi_person, pingchuan_person, username, on_taoxi, on_pingchuan
):
    user = user_of(username)
    assert user.has_perm("person.view", taoxi_person) is on_taoxi
    assert user.has_perm("person.view", pingchuan_person) is on_pingchuan
    assert user.has_perm("person.view", taoxi_person) == can(user, "person.view", taoxi_person)
    assert user.has_perm("person.view") == has_capability(user, "person.view")


def test_has_perm_is_false_for_an_inactive_user(user_of, taoxi_person):
    User.objects.filter(username="officer").update(is_active=False)
    assert not user_of("officer").has_perm("person.view", taoxi_person)
