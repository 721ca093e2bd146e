"""Intake (接警登记): validation, the incident number, the first step, legal event and audit entry,
the caller, roles, idempotency, linking a repeated call and the possible-duplicate check (issue 3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.core.demo_data import check_digit
from jingwu.core.errors import Conflict, ServiceError
from jingwu.incidents import services
from jingwu.incidents.models import Incident, IncidentStep
from jingwu.incidents.selectors import possible_duplicates
from jingwu.incidents.tests.conftest import (
    PINGCHUAN_VILLAGE,
    TAOXI_VILLAGE,
    TAOXI_VILLAGE_2,
    close,
    minutes_ago,
    record,
    roster,
)
from jingwu.people.models import Person
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")
NEW_PHONE = "13905970123"


def counts() -> tuple[int, int, int, int, int]:
    return (
        Incident.objects.count(),
        IncidentStep.objects.count(),
        LegalEvent.objects.count(),
        AuditEntry.objects.count(),
        Person.objects.count(),
    )


def valid_input(**overrides):
    data = {
        "source": "phone_110",
        "village_code": TAOXI_VILLAGE,
        "category": "dispute",
        "subcategory": "neighbour",
        "priority": 2,
        "narrative": "邻居因排水沟堵塞发生争吵",
        "received_at": minutes_ago(1),
    }
    data.update(overrides)
    return data


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"village_code": "350824999999"}, "village_code"),
        ({"village_code": "350824105000"}, "village_code"),  # a township, not a village
        ({"category": "alien"}, "subcategory"),
        ({"subcategory": "theft"}, "subcategory"),  # a criminal sub-type under 纠纷
        ({"priority": 4}, "priority"),
        ({"priority": 0}, "priority"),
        ({"narrative": "   "}, "narrative"),
        ({"source": "telegram"}, "source"),
        ({"received_at": "naive"}, "received_at"),
        ({"received_at": "3 minutes ahead"}, "received_at"),
    ],
)
def test_invalid_intake_is_refused_with_a_chinese_field_error_and_nothing_written(
    dispatcher, overrides, field
) -> None:
    # Times are made when the test runs, not when it is collected.
    moments = {
        "naive": lambda: datetime.now() - timedelta(minutes=1),  # no tzinfo, on purpose
        "3 minutes ahead": lambda: timezone.now() + timedelta(minutes=3),
    }
    if overrides.get("received_at") in moments:
        overrides = {**overrides, "received_at": moments[overrides["received_at"]]()}
    before = counts()
    with pytest.raises(ServiceError) as caught:
        services.incident_create(actor=dispatcher, **valid_input(**overrides))
    assert field in caught.value.field_errors
    assert CJK.search(caught.value.field_errors[field])
    assert CJK.search(caught.value.message)
    assert counts() == before


def test_a_time_within_the_two_minute_clock_skew_is_accepted(dispatcher) -> None:
    ahead = timezone.now() + timedelta(seconds=90)
    result = services.incident_create(actor=dispatcher, **valid_input(received_at=ahead))
    assert result.created
    assert result.incident.received_at == ahead


def test_several_errors_are_reported_together(dispatcher) -> None:
    with pytest.raises(ServiceError) as caught:
        services.incident_create(
            actor=dispatcher, **valid_input(village_code="1", priority=9, narrative="", category="x")
        )
    assert set(caught.value.field_errors) == {"village_code", "priority", "narrative", "subcategory"}


# --- a created incident ----------------------------------------------------------------------------


def test_created_incident_is_numbered_by_local_date_and_id_and_routed(dispatcher) -> None:
    # 07:30 in Wuping is 23:30 UTC of the day before: the number must carry the local date.
    local_now = timezone.now().astimezone(SHANGHAI)
    received = local_now.replace(hour=7, minute=30, second=0, microsecond=0)
    if received > local_now:
        received -= timedelta(days=1)
    assert received.astimezone(UTC).date() != received.date()
    incident = record(dispatcher, received_at=received)
    incident.refresh_from_db()
    assert incident.number == f"J350824{received:%Y%m%d}{incident.pk:06d}"
    assert re.fullmatch(r"J350824\d{14}", incident.number)
    assert incident.status == "received"
    assert incident.received_at == received
    assert incident.station.code == "wp-ps-350824105"
    assert incident.unit.code == "wp-wb-zh"
    assert incident.area == "rural"
    assert incident.created_by == dispatcher


def test_numbers_are_unique(dispatcher) -> None:
    numbers = {record(dispatcher, received_at=minutes_ago(5 - i)).number for i in range(3)}
    assert len(numbers) == 3


def test_created_incident_has_received_step_legal_event_and_audit_entry(dispatcher) -> None:
    received = minutes_ago(3)
    incident = record(
        dispatcher, PINGCHUAN_VILLAGE, received_at=received, category="traffic", subcategory="accident"
    )
    (step,) = incident.steps.all()
    assert (step.kind, step.at, step.actor, step.to_unit.code) == (
        "received",
        received,
        dispatcher,
        "wp-ps-350824001-zh",
    )
    (event,) = LegalEvent.objects.filter(subject_type="incident", subject_id=incident.pk)
    assert event.code == "incident_received"
    assert event.at == received
    assert event.fields == {"area": "urban", "kind": "traffic"}
    assert event.incident == incident.number
    assert event.unit.code == "wp-ps-350824001-zh"
    entry = AuditEntry.objects.filter(action="incident.create", object_id=str(incident.pk)).get()
    assert entry.outcome == "allowed"
    assert entry.object_type == "incidents.incident"
    assert entry.actor_username == "dispatcher"
    assert entry.changes["unit"] == [None, "wp-ps-350824001-zh"]


# --- the caller ------------------------------------------------------------------------------------


def test_caller_known_by_phone_is_linked_not_registered_again(dispatcher) -> None:
    known = Person.objects.exclude(phone="").order_by("id").first()
    persons = Person.objects.count()
    incident = record(dispatcher, caller_name="某某", caller_phone=known.phone)
    assert incident.caller == known
    assert Person.objects.count() == persons


def test_caller_known_by_id_number_is_linked(dispatcher) -> None:
    known = Person.objects.exclude(id_number=None).order_by("-id").first()
    persons = Person.objects.count()
    incident = record(dispatcher, caller_name=known.name, caller_id_number=known.id_number.lower())
    assert incident.caller == known
    assert Person.objects.count() == persons


def test_unknown_caller_is_registered(dispatcher) -> None:
    assert not Person.objects.by_phone(NEW_PHONE).exists()
    first17 = "35082419850612123"
    id_number = first17 + check_digit(first17)
    assert not Person.objects.by_id_number(id_number).exists()
    incident = record(
        dispatcher, caller_name="钟某", caller_phone="139 0597 0123", caller_id_number=id_number
    )
    caller = Person.objects.get(pk=incident.caller_id)
    assert (caller.name, caller.phone, caller.id_number) == ("钟某", NEW_PHONE, id_number)


def test_an_invalid_caller_phone_is_refused_and_nothing_written(dispatcher) -> None:
    before = counts()
    with pytest.raises(ServiceError) as caught:
        record(dispatcher, caller_name="钟某", caller_phone="12345")
    assert "caller_phone" in caught.value.field_errors
    assert counts() == before


def test_anonymous_call_has_no_caller(dispatcher) -> None:
    assert record(dispatcher).caller is None


# --- roles -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["assistant", "auditor", "procurator", "mediator"])
def test_roles_without_incident_create_are_refused(user_of, username) -> None:
    actor = user_of(username)
    incidents = Incident.objects.count()
    with pytest.raises(PermissionDenied):
        services.incident_create(actor=actor, **valid_input())
    assert Incident.objects.count() == incidents
    denied = AuditEntry.objects.order_by("-seq").first()
    assert (denied.actor_username, denied.action, denied.outcome) == (username, "incident.create", "denied")


@pytest.mark.parametrize("username", ["officer", "chief", "wubei_dispatcher"])
def test_roles_with_incident_create_may_record(user_of, username) -> None:
    assert record(user_of(username)).unit.code == "wp-wb-zh"


# --- idempotency -----------------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_first_incident(dispatcher) -> None:
    first = services.incident_create(actor=dispatcher, idempotency_key="call-7f3a", **valid_input())
    assert first.created
    count = Incident.objects.count()
    again = services.incident_create(
        actor=dispatcher, idempotency_key="call-7f3a", **valid_input(narrative="重复提交")
    )
    assert again.created is False
    assert again.incident.pk == first.incident.pk
    assert Incident.objects.count() == count
    assert IncidentStep.objects.filter(incident=first.incident).count() == 1


def test_different_idempotency_keys_create_two_incidents(dispatcher) -> None:
    a = services.incident_create(actor=dispatcher, idempotency_key="k-1", **valid_input())
    b = services.incident_create(actor=dispatcher, idempotency_key="k-2", **valid_input())
    assert a.created and b.created and a.incident.pk != b.incident.pk


# --- linking a repeated call -----------------------------------------------------------------------


def test_link_to_adds_a_linked_call_step_instead_of_a_new_incident(dispatcher) -> None:
    existing = record(dispatcher, received_at=minutes_ago(10))
    count = Incident.objects.count()
    result = services.incident_create(
        actor=dispatcher, link_to=existing.pk, **valid_input(narrative="又一村民报告同一纠纷")
    )
    assert result.created is False
    assert result.incident.pk == existing.pk
    assert Incident.objects.count() == count
    kinds = list(existing.steps.values_list("kind", "note"))
    assert kinds == [("received", ""), ("linked_call", "又一村民报告同一纠纷")]
    assert AuditEntry.objects.filter(action="incident.link_call", object_id=str(existing.pk)).exists()


def test_link_to_an_incident_outside_the_scope_is_404(dispatcher, officer) -> None:
    pingchuan = record(dispatcher, PINGCHUAN_VILLAGE)
    with pytest.raises(Http404):
        services.incident_create(actor=officer, link_to=pingchuan.pk, **valid_input())
    assert pingchuan.steps.count() == 1


def test_link_to_a_closed_incident_is_a_conflict(dispatcher) -> None:
    incident = close(
        record(dispatcher, received_at=minutes_ago(20)), dispatcher, roster("wp-ps-350824105-sq")
    )
    with pytest.raises(Conflict):
        services.incident_create(actor=dispatcher, link_to=incident.pk, **valid_input())


# --- possible duplicates ---------------------------------------------------------------------------


def test_duplicate_by_caller_phone_within_the_window(dispatcher) -> None:
    # Another village and another category: only the phone matches.
    earlier = record(
        dispatcher,
        TAOXI_VILLAGE_2,
        received_at=minutes_ago(25),
        category="rescue",
        subcategory="help",
        caller_name="钟某",
        caller_phone=NEW_PHONE,
    )
    found = list(possible_duplicates(actor=dispatcher, phone=NEW_PHONE))
    assert found == [earlier]
    assert list(possible_duplicates(actor=dispatcher, phone="13905970999")) == []


def test_duplicate_by_village_and_category_within_30_minutes(dispatcher) -> None:
    earlier = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(29))
    found = list(possible_duplicates(actor=dispatcher, village_code=TAOXI_VILLAGE, category="dispute"))
    assert found == [earlier]
    assert list(possible_duplicates(actor=dispatcher, village_code=TAOXI_VILLAGE, category="traffic")) == []
    assert list(possible_duplicates(actor=dispatcher, village_code=TAOXI_VILLAGE_2, category="dispute")) == []


def test_no_duplicate_31_minutes_away(dispatcher) -> None:
    record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(31), caller_phone=NEW_PHONE)
    assert list(possible_duplicates(actor=dispatcher, village_code=TAOXI_VILLAGE, category="dispute")) == []
    assert list(possible_duplicates(actor=dispatcher, phone=NEW_PHONE)) == []


def test_a_closed_incident_is_not_a_duplicate(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(10), caller_phone=NEW_PHONE)
    close(incident, dispatcher, roster("wp-ps-350824105-sq"))
    assert list(possible_duplicates(actor=dispatcher, village_code=TAOXI_VILLAGE, category="dispute")) == []
    assert list(possible_duplicates(actor=dispatcher, phone=NEW_PHONE)) == []


def test_an_incident_outside_the_actors_scope_is_not_offered(dispatcher, officer) -> None:
    pingchuan = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5), caller_phone=NEW_PHONE)
    assert list(possible_duplicates(actor=dispatcher, phone=NEW_PHONE)) == [pingchuan]
    assert list(possible_duplicates(actor=officer, phone=NEW_PHONE)) == []
    assert list(possible_duplicates(actor=officer, village_code=PINGCHUAN_VILLAGE, category="dispute")) == []
