"""批量接警: many calls in one transaction, answered call by call, with the single intake's rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.incidents.models import Incident, IncidentStep
from jingwu.incidents.services import BATCH_LIMIT, incident_create_batch
from jingwu.incidents.tests.conftest import PINGCHUAN_VILLAGE, TAOXI_VILLAGE, minutes_ago, record
from jingwu.people.models import Person
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db


def call(village: str = TAOXI_VILLAGE, **extra: Any) -> dict[str, Any]:
    return {
        "source": "phone_110",
        "village_code": village,
        "category": "traffic",
        "subcategory": "accident",
        "narrative": "路口两车相撞",
        **extra,
    }


def test_a_batch_creates_every_valid_call_with_its_timeline_and_one_audit_entry(dispatcher) -> None:
    before = Incident.objects.count()
    results = incident_create_batch(
        actor=dispatcher,
        items=[
            call(idempotency_key="p-1", caller_name="钟某", caller_phone="13905970001"),
            call(PINGCHUAN_VILLAGE, idempotency_key="p-2", received_at=minutes_ago(5)),
        ],
    )
    assert [r.status for r in results] == [201, 201]
    first, second = (r.incident for r in results)
    assert first.unit.code == "wp-wb-zh" and second.unit.code == "wp-ps-350824001-zh"
    assert first.number == f"J350824{timezone.localtime(first.received_at):%Y%m%d}{first.pk:06d}"
    assert Incident.objects.count() == before + 2
    for incident in (first, second):
        assert IncidentStep.objects.filter(incident=incident, kind="received").count() == 1
        event = LegalEvent.objects.get(subject_type="incident", subject_id=incident.pk)
        assert event.code == "incident_received" and event.fields == {
            "area": incident.area,
            "kind": "traffic",
        }
    assert Person.objects.by_phone("13905970001").get().name == "钟某"
    entry = AuditEntry.objects.filter(action="incident.create_batch").latest("seq")
    assert entry.changes["ids"] == [first.pk, second.pk]


def test_after_the_commit_a_batch_is_searchable_in_a_few_transactions_not_one_per_call(
    dispatcher, django_capture_on_commit_callbacks
) -> None:
    from jingwu.search.models import SearchEntry

    with django_capture_on_commit_callbacks(execute=False) as hooks:
        results = incident_create_batch(
            actor=dispatcher,
            items=[
                call(idempotency_key=f"d-{n}", caller_name="钟某", caller_phone="13905970002")
                for n in range(3)
            ],
        )
    ids = [r.incident.pk for r in results]
    assert not SearchEntry.objects.filter(
        kind="incident", object_id__in=ids
    ).exists()  # not before the commit
    # The derived work of the whole batch: a handful of hooks (each a transaction), not one per incident.
    assert len(hooks) <= 4
    for hook in hooks:
        hook()
    assert set(
        SearchEntry.objects.filter(kind="incident", object_id__in=ids).values_list("object_id", flat=True)
    ) == set(ids)
    caller = Person.objects.by_phone("13905970002").get()
    assert SearchEntry.objects.filter(kind="person", object_id=caller.pk).exists()


def test_each_call_is_answered_in_order_and_a_bad_call_does_not_stop_the_others(dispatcher) -> None:
    results = incident_create_batch(
        actor=dispatcher,
        items=[
            call(idempotency_key="q-1"),
            call(village="350824000000", narrative=""),
            call(idempotency_key="q-1"),
            call(caller_phone="12345"),
        ],
    )
    assert [r.status for r in results] == [201, 400, 200, 400]
    assert results[1].errors == {"village_code": "请选择武平县的村（社区）", "narrative": "请填写简要警情"}
    assert results[2].incident.pk == results[0].incident.pk
    assert "电话号码" in results[3].errors["caller"]


def test_keys_already_used_by_a_single_intake_are_answered_with_that_incident(dispatcher) -> None:
    single = record(dispatcher, idempotency_key="r-1")
    results = incident_create_batch(actor=dispatcher, items=[call(idempotency_key="r-1")])
    assert results[0].status == 200 and results[0].incident.pk == single.pk
    assert Incident.objects.filter(idempotency_key="r-1").count() == 1


def test_a_repeated_batch_creates_nothing_new(dispatcher) -> None:
    items = [call(idempotency_key=f"s-{n}", caller_phone=f"1390597{n:04d}") for n in range(20)]
    first = incident_create_batch(actor=dispatcher, items=items)
    count, people = Incident.objects.count(), Person.objects.count()
    again = incident_create_batch(actor=dispatcher, items=items)
    assert [r.status for r in again] == [200] * 20
    assert [r.incident.pk for r in again] == [r.incident.pk for r in first]
    assert (Incident.objects.count(), Person.objects.count()) == (count, people)


def test_callers_are_found_in_the_registry_and_registered_once(dispatcher) -> None:
    known = (
        Person.objects.exclude(phone="").exclude(id_number=None).filter(unit__code="wp-ps-350824105").first()
    )
    results = incident_create_batch(
        actor=dispatcher,
        items=[
            call(caller_phone=known.phone),
            call(caller_phone="13905979999", caller_name="刘某"),
            call(caller_phone="139 0597 9999", caller_name="刘某"),
        ],
    )
    assert results[0].incident.caller == known
    assert results[1].incident.caller == results[2].incident.caller
    assert Person.objects.by_phone("13905979999").count() == 1


def test_limits_and_permissions(dispatcher, user_of) -> None:
    from django.core.exceptions import PermissionDenied

    from jingwu.core.errors import ServiceError

    with pytest.raises(ServiceError):
        incident_create_batch(actor=dispatcher, items=[])
    with pytest.raises(ServiceError):
        incident_create_batch(actor=dispatcher, items=[call()] * (BATCH_LIMIT + 1))
    with pytest.raises(PermissionDenied):
        incident_create_batch(actor=user_of("auditor"), items=[call()])
    linked = incident_create_batch(actor=dispatcher, items=[call(link_to=1)])
    assert linked[0].status == 400 and "link_to" in linked[0].errors
