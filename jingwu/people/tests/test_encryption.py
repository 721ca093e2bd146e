"""Personal data encrypted at rest (个人信息加密存储): what the database holds, what the app reads, exact
lookups through the blind index, uniqueness, key rotation and wrong keys."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from jingwu.audit.models import AuditEntry
from jingwu.core.fieldcrypto import DecryptionError, key_id_of
from jingwu.core.masking import mask_address, mask_id_number, mask_phone
from jingwu.people.models import Person
from jingwu.people.rekey import key_usage
from jingwu.people.selectors import person_list, personal_data
from jingwu.people.services import person_create, person_update

ID_NUMBER = "11010519491231002X"  # GB 11643-1999 Appendix A example
PHONE = "13812345678"
ADDRESS = "武平县桃溪镇新华村12号"


def key(label: str) -> str:
    return base64.b64encode(label.encode().ljust(32, b".")).decode()


def raw_row(pk: int) -> dict[str, str | None]:
    columns = ("id_number", "phone", "address", "id_number_digest", "phone_digest")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM people_person WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def person(officer) -> Person:
    return person_create(
        actor=officer, name="张秀英", id_number=ID_NUMBER, phone="138 1234 5678", address=ADDRESS
    )


def test_the_database_holds_no_plaintext_and_the_app_reads_plaintext(person) -> None:
    row = raw_row(person.pk)
    flat = " ".join(str(v) for v in row.values())
    for secret in (ID_NUMBER, PHONE, ADDRESS, ID_NUMBER[-8:], PHONE[3:], "桃溪镇"):
        assert secret not in flat
    assert {key_id_of(row[name]) for name in ("id_number", "phone", "address")} == {"demo"}
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (ID_NUMBER, PHONE, ADDRESS)
    assert Person.objects.filter(pk=person.pk).values_list("phone", flat=True).get() == PHONE


def test_the_demo_registry_is_stored_encrypted(db) -> None:
    people = list(Person.objects.exclude(id_number=None)[:20])
    assert people
    for someone in people:
        row = raw_row(someone.pk)
        assert someone.id_number not in str(row) and key_id_of(row["id_number"]) == "demo"


def test_empty_values_stay_empty_and_filterable(officer) -> None:
    nobody = person_create(actor=officer, name="无证人员")
    row = raw_row(nobody.pk)
    assert row == {
        "id_number": None,
        "phone": "",
        "address": "",
        "id_number_digest": None,
        "phone_digest": None,
    }
    assert Person.objects.filter(pk=nobody.pk, phone="", id_number=None).exists()
    assert not Person.objects.filter(pk=nobody.pk).exclude(phone="").exists()


def test_exact_lookup_by_id_number_and_phone(person, officer) -> None:
    assert list(Person.objects.by_id_number(ID_NUMBER)) == [person]
    assert list(Person.objects.by_id_number(ID_NUMBER.lower())) == [person]
    assert list(Person.objects.by_phone(PHONE)) == [person]
    assert not Person.objects.by_id_number(ID_NUMBER[:-1] + "1").exists()
    assert not Person.objects.by_phone(PHONE[:-1]).exists()
    # The registry's search finds a full number, never a fragment of one.
    assert list(person_list(actor=officer, query=ID_NUMBER)) == [person]
    assert list(person_list(actor=officer, query=PHONE)) == [person]
    assert not person_list(actor=officer, query=PHONE[:7]).filter(pk=person.pk).exists()


def test_filtering_on_the_ciphertext_is_refused_with_a_pointer_to_the_helpers(person) -> None:
    with pytest.raises(FieldError, match="by_id_number"):
        list(Person.objects.filter(id_number=ID_NUMBER))
    with pytest.raises(FieldError, match="encrypted"):
        list(Person.objects.filter(phone__startswith="138"))


def test_uniqueness_is_enforced_by_the_database_on_the_digest(person, officer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            name="冒名", id_number=ID_NUMBER, unit=officer.unit.operational_unit(), created_by=officer
        )


def test_an_update_moves_the_digests_with_the_values(person, officer) -> None:
    person_update(
        actor=officer,
        person_id=person.pk,
        version=person.version,
        name=person.name,
        sex=person.sex,
        id_number=None,
        phone="13905970123",
        address="",
        notes="",
    )
    assert not Person.objects.by_phone(PHONE).exists()
    assert not Person.objects.by_id_number(ID_NUMBER).exists()
    assert list(Person.objects.by_phone("13905970123")) == [person]
    assert raw_row(person.pk)["id_number_digest"] is None


def test_masking_is_unchanged(person) -> None:
    shown = personal_data(person=Person.objects.get(pk=person.pk))
    assert (shown.id_number, shown.phone, shown.address) == (
        mask_id_number(ID_NUMBER),
        mask_phone(PHONE),
        mask_address(ADDRESS),
    )
    assert shown.id_number == "110105********002X" and shown.phone == "138****5678"


def test_rotation_of_the_data_and_index_keys(person, officer, settings) -> None:
    demo_data, demo_index = settings.JINGWU_DATA_KEYS, settings.JINGWU_INDEX_KEYS
    # The new keys go first; the demo (old) keys stay readable meanwhile.
    settings.JINGWU_DATA_KEYS = f"k2:{key('data-2')},{demo_data}"
    settings.JINGWU_INDEX_KEYS = f"i2:{key('index-2')},{demo_index}"
    assert Person.objects.get(pk=person.pk).id_number == ID_NUMBER
    assert list(Person.objects.by_id_number(ID_NUMBER)) == [person]  # old digest, found through the old key
    newcomer = person_create(actor=officer, name="钟某", phone="13905970999")
    assert key_id_of(raw_row(newcomer.pk)["phone"]) == "k2"
    assert raw_row(newcomer.pk)["phone_digest"].startswith("i2:")
    with pytest.raises(CommandError, match="old keys"):
        call_command("rotate_data_key", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115

    call_command("rotate_data_key", "--batch", "7", stdout=open(os.devnull, "w"))  # noqa: SIM115
    usage = key_usage()
    assert set(usage.data_keys) == {"k2"} and set(usage.index_keys) == {"i2"}
    assert AuditEntry.objects.filter(action="person.rekey").exists()
    call_command("rotate_data_key", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115

    # The old keys removed: everything still reads and is still found.
    settings.JINGWU_DATA_KEYS = f"k2:{key('data-2')}"
    settings.JINGWU_INDEX_KEYS = f"i2:{key('index-2')}"
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (ID_NUMBER, PHONE, ADDRESS)
    assert list(Person.objects.by_id_number(ID_NUMBER)) == [person]
    assert list(Person.objects.by_phone("13905970999")) == [newcomer]
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="冒名", id_number=ID_NUMBER, unit=person.unit, created_by=officer)


def test_a_wrong_or_missing_key_is_a_clear_error(person, settings) -> None:
    settings.JINGWU_DATA_KEYS = f"demo:{key('not the demo key')}"
    with pytest.raises(DecryptionError, match="wrong key or altered data"):
        Person.objects.get(pk=person.pk)
    settings.JINGWU_DATA_KEYS = f"k9:{key('data-9')}"
    with pytest.raises(DecryptionError, match="'demo'"):
        Person.objects.get(pk=person.pk)
    with pytest.raises(CommandError, match="'demo'"):
        call_command("rotate_data_key", stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_the_search_index_keeps_no_full_identifier(person) -> None:
    from jingwu.search.models import Kind, SearchEntry
    from jingwu.search.services import search_index_record

    entry = search_index_record(kind=Kind.PERSON, object_id=person.pk)
    stored = " ".join(str(v) for v in SearchEntry.objects.filter(pk=entry.pk).values().get().values())
    assert ID_NUMBER not in stored and PHONE not in stored and ADDRESS not in stored
