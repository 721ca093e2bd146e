"""The person registry over the API: scope (404, audited), masking, reveal, validation, conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from jingwu.audit.models import Outcome
from jingwu.people.models import Person
from jingwu.people.services import person_create
from tests.api.helpers import Api, AuditLog, check_digit, login, vectors, wuping_id

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def masked_id(number: str) -> str:
    return number[:6] + "********" + number[-4:]


@pytest.fixture
def pingchuan_person(user_of: Any) -> Person:
    """A person registered by 平川 (another station than the demo officer's 桃溪)."""
    return person_create(
        actor=user_of("pingchuan_officer"),
        name="测试王平川",
        id_number=wuping_id(11),
        phone=PHONE,
        address="武平县平川街道东大村12号",
    )


@pytest.fixture
def officer() -> Api:
    return login("officer")


def test_create_registers_in_the_officers_station_and_answers_masked(
    officer: Api, user_of: Any, audit: AuditLog
) -> None:
    number = wuping_id(21)
    response = officer.post(
        "/api/persons/", {"name": "李桃溪", "id_number": number, "phone": PHONE, "address": "桃溪镇新华村8号"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == number
    assert person.unit == user_of("officer").unit.operational_unit()
    assert person.sex == ("male" if int(number[16]) % 2 else "female")
    assert (body["id_number"], body["phone"], body["masked"]) == (masked_id(number), "138****5678", True)
    assert number not in response.content.decode()
    assert [e.object_id for e in audit.entries("person.create")] == [str(person.pk)]


def test_list_is_masked_and_paginated(officer: Api) -> None:
    numbers = [wuping_id(seq) for seq in (31, 32, 33)]
    for name, number in zip(["分页甲", "分页乙", "分页丙"], numbers, strict=True):
        assert (
            officer.post("/api/persons/", {"name": name, "id_number": number, "phone": PHONE}).status_code
            == 201
        )

    first = officer.get("/api/persons/", q="分页", limit=2)
    rest = officer.get("/api/persons/", q="分页", limit=2, offset=2)

    assert first.status_code == rest.status_code == 200
    assert (first.json()["count"], len(first.json()["items"]), len(rest.json()["items"])) == (3, 2, 1)
    items = first.json()["items"] + rest.json()["items"]
    assert sorted(i["id_number"] for i in items) == sorted(masked_id(n) for n in numbers)
    assert {i["phone"] for i in items} == {"138****5678"}
    assert all(i["masked"] for i in items)
    assert not any(n in first.content.decode() + rest.content.decode() for n in numbers)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}])
def test_bad_paging_is_a_422_naming_the_parameter(officer: Api, params: dict[str, Any]) -> None:
    response = officer.get("/api/persons/", **params)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(params)


def test_detail_is_masked_and_the_read_is_audited(
    user_of: Any, pingchuan_person: Person, audit: AuditLog
) -> None:
    response = login("pingchuan_officer").get(f"/api/persons/{pingchuan_person.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == masked_id(pingchuan_person.id_number)
    assert body["phone"] == "138****5678"
    assert body["address"] != pingchuan_person.address
    assert body["unit"]["code"] == "wp-ps-350824001"
    [entry] = audit.entries("person.view", object_id=str(pingchuan_person.pk))
    assert (entry.actor_username, entry.outcome) == ("pingchuan_officer", Outcome.ALLOWED)


def test_reveal_gives_full_values_and_writes_an_audit_entry(
    pingchuan_person: Person, audit: AuditLog
) -> None:
    api = login("pingchuan_officer")
    assert audit.entries("person.reveal") == []

    response = api.post(f"/api/persons/{pingchuan_person.pk}/reveal")

    assert response.status_code == 200
    body = response.json()
    assert (body["id_number"], body["phone"], body["address"], body["masked"]) == (
        pingchuan_person.id_number,
        PHONE,
        pingchuan_person.address,
        False,
    )
    [entry] = audit.entries("person.reveal", object_id=str(pingchuan_person.pk))
    assert (entry.actor_username, entry.outcome) == ("pingchuan_officer", Outcome.ALLOWED)


def test_officer_of_another_station_gets_404_everywhere_and_is_audited(
    pingchuan_person: Person, audit: AuditLog
) -> None:
    api = login("officer")
    pk = pingchuan_person.pk
    edit = {"name": "改名", "id_number": pingchuan_person.id_number, "version": 1}

    responses = [
        api.get(f"/api/persons/{pk}"),
        api.put(f"/api/persons/{pk}", edit),
        api.post(f"/api/persons/{pk}/reveal"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(r.json() == {"detail": "未找到", "errors": {}} for r in responses)
    assert api.get("/api/persons/", q="测试王平川").json()["count"] == 0
    denied = [
        (e.action, e.actor_username)
        for e in audit.entries("person.view", outcome=Outcome.DENIED, object_id=str(pk))
        + audit.entries("person.change", outcome=Outcome.DENIED, object_id=str(pk))
    ]
    assert sorted(denied) == [
        ("person.change", "officer"),
        ("person.view", "officer"),
        ("person.view", "officer"),
    ]
    pingchuan_person.refresh_from_db()
    assert (pingchuan_person.name, pingchuan_person.version) == ("测试王平川", 1)


def test_the_leader_sees_and_reveals_every_station(pingchuan_person: Person) -> None:
    api = login("leader")

    assert api.get(f"/api/persons/{pingchuan_person.pk}").status_code == 200
    assert api.get("/api/persons/", q="测试王平川").json()["count"] == 1
    revealed = api.post(f"/api/persons/{pingchuan_person.pk}/reveal")
    assert (revealed.status_code, revealed.json()["id_number"]) == (200, pingchuan_person.id_number)


def test_a_role_without_reveal_gets_403_and_is_audited(pingchuan_person: Person, audit: AuditLog) -> None:
    api = login("procurator")  # may view persons bureau-wide, may not reveal
    assert api.get(f"/api/persons/{pingchuan_person.pk}").status_code == 200

    response = api.post(f"/api/persons/{pingchuan_person.pk}/reveal")

    assert response.status_code == 403
    assert response.json() == {"detail": "无权执行此操作", "errors": {}}
    [entry] = audit.entries("person.reveal", object_id=str(pingchuan_person.pk))
    assert (entry.actor_username, entry.outcome) == ("procurator", Outcome.DENIED)


@pytest.mark.parametrize("username", ["auditor", "assistant"])
def test_roles_without_person_view_get_403(username: str, pingchuan_person: Person, audit: AuditLog) -> None:
    api = login(username)

    listing = api.get("/api/persons/")
    creating = api.post("/api/persons/", {"name": "某人"})

    assert (listing.status_code, creating.status_code) == (403, 403)
    assert listing.json()["detail"] == "无权执行此操作"
    assert [e.actor_username for e in audit.entries("person.view", outcome=Outcome.DENIED)] == [username]
    assert not Person.objects.filter(name="某人").exists()


def test_invalid_id_number_is_400_with_the_chinese_message(officer: Api) -> None:
    good = wuping_id(41)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")

    response = officer.post("/api/persons/", {"name": "校验错", "id_number": wrong_check})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "人员信息有误，请修改后再提交",
        "errors": {"id_number": "身份证号码校验位错误（GB 11643-1999）"},
    }
    assert not Person.objects.filter(name="校验错").exists()


@pytest.mark.parametrize("number", vectors("invalid-checksum"))
def test_every_bad_checksum_vector_is_refused(officer: Api, number: str) -> None:
    response = officer.post("/api/persons/", {"name": "校验错", "id_number": number})

    assert response.status_code == 400
    assert "校验位" in response.json()["errors"]["id_number"]


def test_a_valid_vector_from_elsewhere_is_accepted(officer: Api) -> None:
    number = vectors("valid")[0]
    assert check_digit(number[:17]) == number[17]

    assert officer.post("/api/persons/", {"name": "外地人", "id_number": number}).status_code == 201


def test_duplicate_id_number_is_409_naming_the_existing_person(
    officer: Api, pingchuan_person: Person
) -> None:
    # Even a record outside the officer's scope is named: the registry holds each resident once.
    response = officer.post(
        "/api/persons/", {"name": "重复", "id_number": pingchuan_person.id_number.lower()}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["existing_id"] == pingchuan_person.pk
    assert body["errors"] == {"id_number": "该身份证号码已登记"}
    assert Person.objects.by_id_number(pingchuan_person.id_number).count() == 1


def test_update_with_a_stale_version_is_409(officer: Api) -> None:
    created = officer.post("/api/persons/", {"name": "原名", "id_number": wuping_id(51)}).json()
    edit = {"name": "新名", "id_number": wuping_id(51), "phone": PHONE, "version": created["version"]}

    first = officer.put(f"/api/persons/{created['id']}", edit)
    stale = officer.put(f"/api/persons/{created['id']}", {**edit, "name": "覆盖"})

    assert first.status_code == 200
    assert (first.json()["name"], first.json()["version"]) == ("新名", created["version"] + 1)
    assert first.json()["phone"] == "138****5678"
    assert stale.status_code == 409
    assert stale.json()["detail"] == "该人员信息已被他人修改，请刷新后重试"
    assert Person.objects.get(pk=created["id"]).name == "新名"


def test_update_without_version_is_422(officer: Api) -> None:
    created = officer.post("/api/persons/", {"name": "原名"}).json()

    response = officer.put(f"/api/persons/{created['id']}", {"name": "新名"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"version": "必填"}
