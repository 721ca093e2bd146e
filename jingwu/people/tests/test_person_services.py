"""The person registry (人员登记): validated, deduplicated, scoped, masked and audited."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.org.models import User
from jingwu.people.models import Person
from jingwu.people.selectors import person_get, person_list, person_reveal, personal_data
from jingwu.people.services import person_create, person_update

VECTORS_CSV = Path(__file__).resolve().parents[2] / "data" / "idcard" / "gb11643_test_vectors.csv"
with VECTORS_CSV.open(encoding="utf-8", newline="") as _handle:
    VECTORS = list(csv.DictReader(_handle))


def vector(note_prefix: str) -> str:
    """The ID number of the one vector whose note starts with `note_prefix`."""
    (number,) = [r["id_number"] for r in VECTORS if r["note"].startswith(note_prefix)]
    return number


# 11010519491231002X: sequence 002 → female (the standard's Appendix A example).
FEMALE_ID = vector("GB 11643-1999 Appendix A example (北京")
# 44011320141005001x: lower-case x, sequence 001 → male.
MALE_ID_LOWER_X = vector("lower-case x accepted")
# 360426199101010071: sequence 007 → male.
OTHER_MALE_ID = vector("江西省德安县")
BAD_CHECKSUM_ID = vector("standard example with X replaced by 1")

TAOXI = "wp-ps-350824105"
PINGCHUAN = "wp-ps-350824001"


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def taoxi_person(officer) -> Person:
    return person_create(
        actor=officer,
        name="张秀英",
        id_number=FEMALE_ID,
        phone="138 1234 5678",
        address="武平县桃溪镇新华村12号",
    )


def test_vectors_were_found():
    assert FEMALE_ID.endswith("X")
    assert MALE_ID_LOWER_X.endswith("x")
    assert BAD_CHECKSUM_ID != FEMALE_ID


# --- create ------------------------------------------------------------------------------------------


def test_create_normalises_the_id_and_derives_sex(officer):
    person = person_create(actor=officer, name=" 李四 ", id_number=f" {MALE_ID_LOWER_X} ")
    person.refresh_from_db()
    assert person.id_number == MALE_ID_LOWER_X.upper()
    assert person.sex == "male"
    assert person.name == "李四"
    assert person.unit.code == TAOXI  # the community team registers for its station
    assert person.created_by == officer
    assert person.version == 1


def test_create_derives_female_from_an_even_17th_digit(taoxi_person):
    assert taoxi_person.sex == "female"
    assert taoxi_person.phone == "13812345678"


def test_create_refuses_a_sex_that_contradicts_the_id(officer):
    with pytest.raises(ServiceError) as exc:
        person_create(actor=officer, name="王五", sex="male", id_number=FEMALE_ID)
    assert exc.value.field_errors == {"sex": "性别与身份证号码不符"}


def test_create_without_an_id_number_keeps_sex_unknown(officer):
    person = person_create(actor=officer, name="无证人员")
    assert person.id_number is None
    assert person.sex == "unknown"


def test_two_people_without_id_numbers_are_not_duplicates(officer):
    first = person_create(actor=officer, name="甲", id_number="")
    second = person_create(actor=officer, name="乙", id_number=None)
    assert first.pk != second.pk


def test_invalid_checksum_is_refused_with_a_chinese_message(officer):
    with pytest.raises(ServiceError) as exc:
        person_create(actor=officer, name="赵六", id_number=BAD_CHECKSUM_ID)
    assert not isinstance(exc.value, Conflict)
    assert exc.value.status_code == 400
    assert exc.value.field_errors["id_number"] == "身份证号码校验位错误（GB 11643-1999）"
    assert exc.value.message == "人员信息有误，请修改后再提交"
    assert not Person.objects.filter(name="赵六").exists()


def test_empty_name_and_bad_phone_are_reported_together(officer):
    with pytest.raises(ServiceError) as exc:
        person_create(actor=officer, name="  ", phone="12345")
    assert exc.value.field_errors == {"name": "请填写姓名", "phone": "电话号码无效"}


def test_duplicate_id_is_a_conflict_naming_the_existing_record(officer, taoxi_person):
    with pytest.raises(Conflict) as exc:
        person_create(actor=officer, name="张秀英", id_number=FEMALE_ID)
    assert exc.value.existing_id == taoxi_person.pk
    assert exc.value.status_code == 409
    assert "id_number" in exc.value.field_errors


@pytest.mark.parametrize(("first", "second"), [("lower", "upper"), ("upper", "lower")])
def test_duplicate_with_differently_cased_x_is_a_conflict(officer, first, second):
    spell = {"lower": MALE_ID_LOWER_X.lower(), "upper": MALE_ID_LOWER_X.upper()}
    existing = person_create(actor=officer, name="李四", id_number=spell[first])
    with pytest.raises(Conflict) as exc:
        person_create(actor=officer, name="李四", id_number=spell[second])
    assert exc.value.existing_id == existing.pk
    assert Person.objects.by_id_number(MALE_ID_LOWER_X.upper()).count() == 1


def test_create_is_audited_without_the_full_id_number(officer, taoxi_person):
    entry = AuditEntry.objects.filter(action="person.create", object_id=str(taoxi_person.pk)).get()
    assert entry.outcome == "allowed"
    assert entry.actor_username == "officer"
    dumped = json.dumps(entry.changes, ensure_ascii=False)
    assert FEMALE_ID not in dumped
    assert "13812345678" not in dumped
    assert entry.changes["id_number"] == [None, "110105********002X"]
    assert entry.changes["phone"] == [None, "138****5678"]


@pytest.mark.parametrize("username", ["procurator", "auditor", "admin", "assistant", "mediator", "leader"])
def test_roles_without_person_create_are_refused_and_audited(user_of, username):
    before = Person.objects.count()
    with pytest.raises(PermissionDenied):
        person_create(actor=user_of(username), name="某人", id_number=OTHER_MALE_ID)
    assert Person.objects.count() == before
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.actor_username) == ("person.create", "denied", username)


# --- update --------------------------------------------------------------------------------------------


def _update(actor: User, person: Person, version: int, **changes: object) -> Person:
    fields = {
        "name": person.name,
        "sex": person.sex,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
        "notes": person.notes,
    }
    fields.update(changes)
    return person_update(actor=actor, person_id=person.pk, version=version, **fields)


def test_update_bumps_the_version(officer, taoxi_person):
    updated = _update(officer, taoxi_person, 1, address="武平县桃溪镇亭头村3号")
    assert updated.version == 2
    assert Person.objects.get(pk=taoxi_person.pk).address == "武平县桃溪镇亭头村3号"


def test_update_with_a_stale_version_is_a_conflict(officer, taoxi_person):
    _update(officer, taoxi_person, 1, notes="第一次修改")
    with pytest.raises(Conflict) as exc:
        _update(officer, taoxi_person, 1, notes="基于旧版本的修改")
    assert exc.value.message == "该人员信息已被他人修改，请刷新后重试"
    stored = Person.objects.get(pk=taoxi_person.pk)
    assert (stored.notes, stored.version) == ("第一次修改", 2)


def test_update_to_another_persons_id_number_is_a_conflict(officer, taoxi_person):
    other = person_create(actor=officer, name="李四", id_number=MALE_ID_LOWER_X)
    with pytest.raises(Conflict) as exc:
        _update(officer, other, 1, id_number=FEMALE_ID, sex="female")
    assert exc.value.existing_id == taoxi_person.pk


def test_update_audit_shows_masked_personal_data_only(officer):
    person = person_create(actor=officer, name="李四", id_number=MALE_ID_LOWER_X, phone="13812345678")
    _update(officer, person, 1, id_number=OTHER_MALE_ID, phone="13900001111", address="武平县桃溪镇小澜村8号")
    entry = last_entry()
    assert (entry.action, entry.object_id, entry.outcome) == ("person.update", str(person.pk), "allowed")
    assert entry.changes["id_number"] == ["440113********001X", "360426********0071"]
    assert entry.changes["phone"] == ["138****5678", "139****1111"]
    assert entry.changes["address"] == ["", "武平县桃溪镇***"]
    assert "name" not in entry.changes  # unchanged fields are not listed
    everything = json.dumps(
        {f.name: getattr(entry, f.name) for f in AuditEntry._meta.fields}, ensure_ascii=False, default=str
    )
    for secret in (MALE_ID_LOWER_X.upper(), OTHER_MALE_ID, "13812345678", "13900001111", "小澜村8号"):
        assert secret not in everything


def test_update_out_of_scope_is_404(user_of, taoxi_person):
    with pytest.raises(Http404):
        _update(user_of("pingchuan_officer"), taoxi_person, 1, notes="越权修改")
    assert Person.objects.get(pk=taoxi_person.pk).notes == ""


def test_update_by_a_role_without_person_change_is_refused(user_of, taoxi_person):
    with pytest.raises(PermissionDenied):
        _update(user_of("procurator"), taoxi_person, 1, notes="检察官修改")
    assert last_entry().outcome == "denied"


# --- reads ----------------------------------------------------------------------------------------------


def test_list_finds_by_full_id_number_and_phone(officer, taoxi_person):
    assert list(person_list(actor=officer, query=FEMALE_ID)) == [taoxi_person]
    assert list(person_list(actor=officer, query=FEMALE_ID.lower())) == [taoxi_person]
    assert list(person_list(actor=officer, query="13812345678")) == [taoxi_person]
    assert taoxi_person in person_list(actor=officer, query="秀英")


@pytest.mark.parametrize(
    "fragment", [FEMALE_ID[:6], FEMALE_ID[6:14], FEMALE_ID[-4:], FEMALE_ID[:17], "1381234", "5678"]
)
def test_list_never_finds_by_a_fragment(officer, taoxi_person, fragment):
    assert not person_list(actor=officer, query=fragment).exists()


def test_list_is_scoped(user_of, taoxi_person):
    def found(username: str) -> list[Person]:
        return list(person_list(actor=user_of(username), query=FEMALE_ID))

    assert found("officer") == [taoxi_person]
    assert found("wubei_dispatcher") == [taoxi_person]  # 桃溪 is a member of 武北
    assert found("procurator") == [taoxi_person]
    assert found("pingchuan_officer") == []
    assert found("auditor") == []
    assert {p.unit.code for p in person_list(actor=user_of("officer"))} <= {TAOXI, f"{TAOXI}-sq"}
    assert {p.unit.code for p in person_list(actor=user_of("pingchuan_officer"))}.isdisjoint({TAOXI})


def test_get_audits_the_read(officer, taoxi_person):
    before = AuditEntry.objects.count()
    assert person_get(actor=officer, person_id=taoxi_person.pk) == taoxi_person
    assert AuditEntry.objects.count() == before + 1
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.object_type, entry.object_id) == (
        "person.view",
        "allowed",
        "people.person",
        str(taoxi_person.pk),
    )


def test_get_out_of_scope_is_404_and_audited(user_of, taoxi_person):
    with pytest.raises(Http404):
        person_get(actor=user_of("pingchuan_officer"), person_id=taoxi_person.pk)
    entry = last_entry()
    assert (entry.outcome, entry.actor_username, entry.object_id) == (
        "denied",
        "pingchuan_officer",
        str(taoxi_person.pk),
    )


def test_personal_data_is_masked_by_default(taoxi_person):
    shown = personal_data(person=taoxi_person)
    assert shown.masked
    assert shown.id_number == "110105********002X"
    assert shown.phone == "138****5678"
    assert shown.address == "武平县桃溪镇***"


def test_officer_in_scope_may_reveal_and_it_is_audited(officer, taoxi_person):
    shown = person_reveal(actor=officer, person_id=taoxi_person.pk)
    assert not shown.masked
    assert shown.id_number == FEMALE_ID
    assert shown.phone == "13812345678"
    assert shown.address == "武平县桃溪镇新华村12号"
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.actor_username) == ("person.reveal", "allowed", "officer")


def test_procurator_may_view_but_not_reveal(user_of, taoxi_person):
    procurator = user_of("procurator")
    assert person_get(actor=procurator, person_id=taoxi_person.pk) == taoxi_person
    with pytest.raises(PermissionDenied):
        person_reveal(actor=procurator, person_id=taoxi_person.pk)
    entry = last_entry()
    assert (entry.action, entry.outcome, entry.actor_username, entry.object_id) == (
        "person.reveal",
        "denied",
        "procurator",
        str(taoxi_person.pk),
    )


def test_out_of_scope_reveal_is_404(user_of, taoxi_person):
    with pytest.raises(Http404):
        person_reveal(actor=user_of("pingchuan_officer"), person_id=taoxi_person.pk)
    entry = last_entry()
    assert entry.outcome == "denied"
    assert entry.object_id == str(taoxi_person.pk)
    assert not AuditEntry.objects.filter(action="person.reveal", outcome="allowed").exists()


def test_leader_may_reveal_anywhere(user_of, taoxi_person):
    assert person_reveal(actor=user_of("leader"), person_id=taoxi_person.pk).id_number == FEMALE_ID
