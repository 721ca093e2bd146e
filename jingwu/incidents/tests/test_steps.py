"""The incident's steps (派警 → 受领 → 到场 → 处置 → 结束), re-routing, visibility and the overdue flag.

Dispatch norms by hand from jingwu/incidents/data/taxonomy.yaml: priority 1 within 3 minutes, 2 within
10, 3 within 30. Units from jingwu/org/data/wuping_bureau.yaml: the 武北 joint station (wp-wb) commands
永平 (wp-ps-350824110), 桃溪 (105), 大禾 (114) and 湘店 (113), whose only team is their community
team `-sq`; 平川 (wp-ps-350824001) is a standard station with its own command room `-zh`.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.incidents import selectors, services
from jingwu.incidents.models import Incident
from jingwu.incidents.tests.conftest import (
    DAHE_VILLAGE,
    PINGCHUAN_VILLAGE,
    TAOXI_VILLAGE,
    XIANGDIAN_VILLAGE,
    YONGPING_VILLAGE,
    ZHONGSHAN_VILLAGE,
    close,
    minutes_ago,
    record,
    roster,
)
from jingwu.org.models import Role, Unit, User
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
TAOXI_SQ = "wp-ps-350824105-sq"
YONGPING_SQ = "wp-ps-350824110-sq"
DAHE_SQ = "wp-ps-350824114-sq"
XIANGDIAN_SQ = "wp-ps-350824113-sq"
PINGCHUAN_SQ = "wp-ps-350824001-sq"


def step(actor: User, incident: Incident, kind: str, **kwargs) -> Incident:
    return services.incident_step(actor=actor, incident_id=incident.pk, kind=kind, **kwargs)


def legal_codes(incident: Incident) -> list[str]:
    return list(
        LegalEvent.objects.filter(subject_type="incident", subject_id=incident.pk)
        .order_by("at", "id")
        .values_list("code", flat=True)
    )


# --- the lifecycle ---------------------------------------------------------------------------------


def test_whole_lifecycle_fills_every_timestamp_and_status(dispatcher, officer) -> None:
    base = timezone.now() - timedelta(minutes=30)
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=base, priority=1)
    responder = roster(TAOXI_SQ)

    incident = step(
        dispatcher, incident, "dispatched", at=base + timedelta(minutes=2), officer_ids=[responder.pk]
    )
    assert (incident.status, incident.dispatched_at) == ("dispatched", base + timedelta(minutes=2))
    assert list(incident.officers.all()) == [responder]

    incident = step(officer, incident, "acknowledged", at=base + timedelta(minutes=3))
    assert (incident.status, incident.acknowledged_at) == ("acknowledged", base + timedelta(minutes=3))

    incident = step(officer, incident, "arrived", at=base + timedelta(minutes=10, seconds=30))
    assert (incident.status, incident.arrived_at) == ("arrived", base + timedelta(minutes=10, seconds=30))

    incident = step(
        officer, incident, "handled", at=base + timedelta(minutes=20), disposition="dispute", note="已调解"
    )
    assert (incident.status, incident.handled_at) == ("handled", base + timedelta(minutes=20))
    assert (incident.disposition, incident.disposition_note) == ("dispute", "已调解")

    incident = step(dispatcher, incident, "closed", at=base + timedelta(minutes=25))
    assert (incident.status, incident.closed_at) == ("closed", base + timedelta(minutes=25))
    assert incident.is_open is False

    assert list(incident.steps.values_list("kind", flat=True)) == [
        "received",
        "dispatched",
        "acknowledged",
        "arrived",
        "handled",
        "closed",
    ]
    assert legal_codes(incident) == ["incident_received", "incident_dispatched", "incident_arrived"]
    dispatched = LegalEvent.objects.get(subject_id=incident.pk, code="incident_dispatched")
    assert dispatched.at == base + timedelta(minutes=2)
    assert dispatched.fields == {"area": "rural"}
    arrived = LegalEvent.objects.get(subject_id=incident.pk, code="incident_arrived")
    assert arrived.at == base + timedelta(minutes=10, seconds=30)
    audited = set(AuditEntry.objects.filter(object_id=str(incident.pk)).values_list("action", flat=True))
    assert {"incident.dispatched", "incident.acknowledged", "incident.arrived", "incident.handled"} <= audited
    assert "incident.closed" in audited
    # 2 minutes to dispatch, 8.5 more to arrive, 10.5 in all.
    assert selectors.response_minutes(incident) == {"dispatch": 2.0, "arrival": 8.5, "total": 10.5}


def test_response_minutes_are_none_while_a_step_is_missing(dispatcher) -> None:
    base = timezone.now() - timedelta(minutes=20)
    incident = record(dispatcher, received_at=base)
    assert selectors.response_minutes(incident) == {"dispatch": None, "arrival": None, "total": None}
    incident = step(
        dispatcher, incident, "dispatched", at=base + timedelta(minutes=7), officer_ids=[roster(TAOXI_SQ).pk]
    )
    assert selectors.response_minutes(incident) == {"dispatch": 7.0, "arrival": None, "total": None}


def test_handled_needs_a_disposition(dispatcher, officer) -> None:
    base = minutes_ago(20)
    incident = record(dispatcher, received_at=base)
    step(
        dispatcher, incident, "dispatched", at=base + timedelta(minutes=1), officer_ids=[roster(TAOXI_SQ).pk]
    )
    step(officer, incident, "arrived", at=base + timedelta(minutes=2))
    with pytest.raises(ServiceError) as caught:
        step(officer, incident, "handled", at=base + timedelta(minutes=3))
    assert CJK.search(caught.value.field_errors["disposition"])
    incident.refresh_from_db()
    assert (incident.status, incident.handled_at) == ("arrived", None)


def test_dispatch_needs_an_officer(dispatcher) -> None:
    incident = record(dispatcher, received_at=minutes_ago(5))
    with pytest.raises(ServiceError) as caught:
        step(dispatcher, incident, "dispatched", officer_ids=[])
    assert "officers" in caught.value.field_errors
    incident.refresh_from_db()
    assert incident.status == "received"


def test_an_officer_may_not_dispatch(dispatcher, officer) -> None:
    incident = record(dispatcher, received_at=minutes_ago(5))
    with pytest.raises(PermissionDenied):
        step(officer, incident, "dispatched", officer_ids=[roster(TAOXI_SQ).pk])


# --- order and time ----------------------------------------------------------------------------------


def test_arrived_before_dispatched_is_refused(dispatcher, officer) -> None:
    incident = record(dispatcher, received_at=minutes_ago(10))
    with pytest.raises(Conflict) as caught:
        step(officer, incident, "arrived")
    assert "已接警" in caught.value.message and "到场" in caught.value.message
    incident.refresh_from_db()
    assert (incident.status, incident.arrived_at) == ("received", None)
    assert incident.steps.count() == 1


def test_an_arrival_time_before_the_dispatch_time_is_refused(dispatcher, officer) -> None:
    base = minutes_ago(30)
    incident = record(dispatcher, received_at=base)
    step(
        dispatcher, incident, "dispatched", at=base + timedelta(minutes=10), officer_ids=[roster(TAOXI_SQ).pk]
    )
    with pytest.raises(ServiceError) as caught:
        step(officer, incident, "arrived", at=base + timedelta(minutes=9))
    assert CJK.search(caught.value.field_errors["at"])
    assert caught.value.message == "时间不能早于上一处警节点"
    incident.refresh_from_db()
    assert (incident.status, incident.arrived_at) == ("dispatched", None)
    assert legal_codes(incident) == ["incident_received", "incident_dispatched"]


def test_a_dispatch_time_before_reception_is_refused(dispatcher) -> None:
    base = minutes_ago(30)
    incident = record(dispatcher, received_at=base)
    with pytest.raises(ServiceError) as caught:
        step(
            dispatcher,
            incident,
            "dispatched",
            at=base - timedelta(minutes=1),
            officer_ids=[roster(TAOXI_SQ).pk],
        )
    assert "at" in caught.value.field_errors
    incident.refresh_from_db()
    assert incident.status == "received"


def test_a_step_time_in_the_future_is_refused(dispatcher) -> None:
    incident = record(dispatcher, received_at=minutes_ago(5))
    with pytest.raises(ServiceError) as caught:
        step(
            dispatcher,
            incident,
            "dispatched",
            at=timezone.now() + timedelta(minutes=5),
            officer_ids=[roster(TAOXI_SQ).pk],
        )
    assert CJK.search(caught.value.field_errors["at"])


def test_an_unknown_step_kind_is_refused(dispatcher) -> None:
    incident = record(dispatcher)
    for kind in ("teleported", "linked_call", "received"):
        with pytest.raises(ServiceError) as caught:
            step(dispatcher, incident, kind)
        assert "kind" in caught.value.field_errors


@pytest.mark.parametrize(
    "kind", ["dispatched", "acknowledged", "arrived", "handled", "closed", "rerouted", "note"]
)
def test_a_closed_incident_refuses_every_further_step(dispatcher, kind) -> None:
    incident = close(record(dispatcher, received_at=minutes_ago(30)), dispatcher, roster(TAOXI_SQ))
    steps = incident.steps.count()
    with pytest.raises(Conflict) as caught:
        step(
            dispatcher,
            incident,
            kind,
            officer_ids=[roster(TAOXI_SQ).pk],
            disposition="advice",
            note="再次处理",
            to_unit_id=Unit.objects.get(code="wp-ps-350824001").pk,
        )
    assert "已结束" in caught.value.message
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert incident.steps.count() == steps


# --- who may be dispatched -------------------------------------------------------------------------


def test_an_officer_outside_the_dispatching_units_command_is_refused(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(ServiceError) as caught:
        step(dispatcher, incident, "dispatched", officer_ids=[roster(PINGCHUAN_SQ).pk])
    assert CJK.search(caught.value.field_errors["officers"])
    incident.refresh_from_db()
    assert incident.status == "received"
    assert incident.officers.count() == 0


def test_a_pingchuan_incident_takes_pingchuan_officers_only(dispatcher) -> None:
    incident = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(ServiceError):
        step(dispatcher, incident, "dispatched", officer_ids=[roster(TAOXI_SQ).pk])
    incident = step(
        dispatcher,
        incident,
        "dispatched",
        officer_ids=[roster(PINGCHUAN_SQ).pk, roster("wp-ps-350824001-aj").pk],
    )
    assert incident.status == "dispatched"
    assert set(incident.officers.values_list("username", flat=True)) == {
        "roster-wp-ps-350824001-sq-1",
        "roster-wp-ps-350824001-aj-1",
    }


def test_wubei_dispatcher_dispatches_officers_of_all_four_member_stations(wubei_dispatcher) -> None:
    incident = record(wubei_dispatcher, YONGPING_VILLAGE, received_at=minutes_ago(5))
    members = [roster(code) for code in (YONGPING_SQ, TAOXI_SQ, DAHE_SQ, XIANGDIAN_SQ)] + [roster("wp-wb-aj")]
    incident = step(wubei_dispatcher, incident, "dispatched", officer_ids=[m.pk for m in members])
    assert set(incident.officers.all()) == set(members)
    steps = incident.steps.filter(kind="dispatched").get()
    assert sorted(steps.details["officers"]) == sorted(m.pk for m in members)


def test_wubei_dispatcher_may_not_dispatch_pingchuan_officers(wubei_dispatcher) -> None:
    incident = record(wubei_dispatcher, DAHE_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(ServiceError):
        step(
            wubei_dispatcher,
            incident,
            "dispatched",
            officer_ids=[roster(TAOXI_SQ).pk, roster(PINGCHUAN_SQ).pk],
        )
    assert incident.officers.count() == 0


# --- re-routing ------------------------------------------------------------------------------------


def test_reroute_needs_a_reason(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(ServiceError) as caught:
        step(
            dispatcher,
            incident,
            "rerouted",
            note="  ",
            to_unit_id=Unit.objects.get(code="wp-ps-350824001").pk,
        )
    assert CJK.search(caught.value.field_errors["note"])
    incident.refresh_from_db()
    assert incident.unit.code == "wp-wb-zh"


def test_bureau_dispatcher_reroutes_anywhere_and_the_step_records_from_and_to(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(5))
    pingchuan = Unit.objects.get(code="wp-ps-350824001")
    incident = step(dispatcher, incident, "rerouted", note="报警人实际在县城", to_unit_id=pingchuan.pk)
    # A station is handed over to its command room.
    assert incident.unit.code == "wp-ps-350824001-zh"
    assert incident.status == "received"
    assert incident.station.code == "wp-ps-350824105"
    rerouted = incident.steps.get(kind="rerouted")
    assert (rerouted.from_unit.code, rerouted.to_unit.code, rerouted.actor, rerouted.note) == (
        "wp-wb-zh",
        "wp-ps-350824001-zh",
        dispatcher,
        "报警人实际在县城",
    )
    entry = AuditEntry.objects.get(action="incident.rerouted", object_id=str(incident.pk))
    assert entry.changes["unit"] == ["wp-wb-zh", "wp-ps-350824001-zh"]


def test_a_dispatched_incident_rerouted_goes_back_to_received(dispatcher) -> None:
    base = minutes_ago(10)
    incident = record(dispatcher, PINGCHUAN_VILLAGE, received_at=base)
    step(
        dispatcher,
        incident,
        "dispatched",
        at=base + timedelta(minutes=1),
        officer_ids=[roster(PINGCHUAN_SQ).pk],
    )
    zhongshan = Unit.objects.get(code="wp-ps-350824101")
    incident = step(dispatcher, incident, "rerouted", note="辖区错误", to_unit_id=zhongshan.pk)
    assert (incident.status, incident.unit.code) == ("received", "wp-ps-350824101-zh")


def test_wubei_dispatcher_cannot_reroute_outside_its_command(dispatcher, wubei_dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(5))
    pingchuan = Unit.objects.get(code="wp-ps-350824001")
    with pytest.raises(ServiceError) as caught:
        step(wubei_dispatcher, incident, "rerouted", note="转平川", to_unit_id=pingchuan.pk)
    assert CJK.search(caught.value.field_errors["to_unit"])
    incident.refresh_from_db()
    assert incident.unit.code == "wp-wb-zh"
    assert not incident.steps.filter(kind="rerouted").exists()
    # The bureau command center may.
    assert step(dispatcher, incident, "rerouted", note="转平川", to_unit_id=pingchuan.pk).unit.code == (
        "wp-ps-350824001-zh"
    )


def test_a_station_dispatcher_cannot_reroute_to_another_station(dispatcher) -> None:
    zh = Unit.objects.get(code="wp-ps-350824001-zh")
    station_dispatcher = User.objects.create(username="pc-dispatcher", full_name="平川接警员", unit=zh)
    station_dispatcher.roles.add(Role.objects.get(code="dispatcher"))
    incident = record(station_dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    zhongshan = Unit.objects.get(code="wp-ps-350824101")
    with pytest.raises(ServiceError) as caught:
        step(station_dispatcher, incident, "rerouted", note="转中山", to_unit_id=zhongshan.pk)
    assert "to_unit" in caught.value.field_errors
    incident = step(dispatcher, incident, "rerouted", note="转中山", to_unit_id=zhongshan.pk)
    assert incident.unit.code == "wp-ps-350824101-zh"


def test_reroute_to_the_current_unit_is_refused(dispatcher) -> None:
    incident = record(dispatcher, ZHONGSHAN_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(ServiceError) as caught:
        step(
            dispatcher,
            incident,
            "rerouted",
            note="同单位",
            to_unit_id=Unit.objects.get(code="wp-ps-350824101").pk,
        )
    assert "to_unit" in caught.value.field_errors


# --- visibility ------------------------------------------------------------------------------------


@pytest.fixture
def one_per_township(dispatcher) -> dict[str, Incident]:
    return {
        name: record(dispatcher, code, received_at=minutes_ago(5))
        for name, code in {
            "永平": YONGPING_VILLAGE,
            "桃溪": TAOXI_VILLAGE,
            "大禾": DAHE_VILLAGE,
            "湘店": XIANGDIAN_VILLAGE,
            "平川": PINGCHUAN_VILLAGE,
            "中山": ZHONGSHAN_VILLAGE,
        }.items()
    }


def visible(actor: User) -> set[int]:
    return set(selectors.incident_list(actor=actor).values_list("pk", flat=True))


def test_taoxi_officer_sees_taoxi_incidents_only(officer, one_per_township) -> None:
    assert visible(officer) == {one_per_township["桃溪"].pk}
    assert selectors.incident_get(actor=officer, incident_id=one_per_township["桃溪"].pk).pk == (
        one_per_township["桃溪"].pk
    )


def test_taoxi_officer_gets_404_for_a_pingchuan_incident_and_the_denial_is_audited(
    officer, one_per_township
) -> None:
    pingchuan = one_per_township["平川"]
    with pytest.raises(Http404):
        selectors.incident_get(actor=officer, incident_id=pingchuan.pk)
    denied = AuditEntry.objects.order_by("-seq").first()
    assert (denied.actor_username, denied.action, denied.outcome, denied.object_id) == (
        "officer",
        "incident.view",
        "denied",
        str(pingchuan.pk),
    )


def test_taoxi_officer_gets_404_when_stepping_a_pingchuan_incident(officer, one_per_township) -> None:
    pingchuan = one_per_township["平川"]
    with pytest.raises(Http404):
        step(officer, pingchuan, "note", note="看看")
    assert pingchuan.steps.count() == 1


def test_a_denied_step_is_audited(officer, one_per_township) -> None:
    pingchuan = one_per_township["平川"]
    with pytest.raises(Http404):
        step(officer, pingchuan, "note", note="看看")
    assert AuditEntry.objects.filter(
        actor_username="officer", action="incident.view", outcome="denied", object_id=str(pingchuan.pk)
    ).exists()


def test_pingchuan_officer_does_not_see_taoxi_incidents(pingchuan_officer, one_per_township) -> None:
    assert visible(pingchuan_officer) == {one_per_township["平川"].pk}
    with pytest.raises(Http404):
        selectors.incident_get(actor=pingchuan_officer, incident_id=one_per_township["桃溪"].pk)


def test_wubei_dispatcher_sees_the_four_member_stations(wubei_dispatcher, one_per_township) -> None:
    assert visible(wubei_dispatcher) == {one_per_township[n].pk for n in ("永平", "桃溪", "大禾", "湘店")}


def test_bureau_dispatcher_sees_everything(dispatcher, one_per_township) -> None:
    assert visible(dispatcher) == {i.pk for i in one_per_township.values()}


def test_a_rerouted_incident_is_seen_by_the_new_unit_and_still_by_its_station(
    dispatcher, officer, pingchuan_officer, one_per_township
) -> None:
    taoxi = one_per_township["桃溪"]
    step(
        dispatcher,
        taoxi,
        "rerouted",
        note="县城警力支援",
        to_unit_id=Unit.objects.get(code="wp-ps-350824001").pk,
    )
    assert taoxi.pk in visible(pingchuan_officer)
    assert taoxi.pk in visible(officer)


# --- the overdue flag ------------------------------------------------------------------------------


def test_overdue_by_priority_and_only_while_not_dispatched(dispatcher) -> None:
    urgent = record(dispatcher, received_at=minutes_ago(4), priority=1)
    low = record(dispatcher, received_at=minutes_ago(4), priority=3)
    normal_late = record(dispatcher, received_at=minutes_ago(11), priority=2)
    normal_in_time = record(dispatcher, received_at=minutes_ago(9), priority=2)
    dispatched = record(dispatcher, received_at=minutes_ago(40), priority=1)
    step(dispatcher, dispatched, "dispatched", officer_ids=[roster(TAOXI_SQ).pk])
    flags = dict(selectors.incident_list(actor=dispatcher).values_list("pk", "overdue"))
    assert flags == {
        urgent.pk: True,
        low.pk: False,
        normal_late.pk: True,
        normal_in_time.pk: False,
        dispatched.pk: False,
    }
    assert selectors.overdue_count(actor=dispatcher) == 2


def test_queue_lists_overdue_first_then_priority_then_newest(dispatcher) -> None:
    low_overdue = record(dispatcher, received_at=minutes_ago(31), priority=3)
    urgent_fresh = record(dispatcher, received_at=minutes_ago(1), priority=1)
    normal_old = record(dispatcher, received_at=minutes_ago(8), priority=2)
    normal_new = record(dispatcher, received_at=minutes_ago(2), priority=2)
    done = close(record(dispatcher, received_at=minutes_ago(50), priority=1), dispatcher, roster(TAOXI_SQ))
    queue = [i.pk for i in selectors.incident_queue(actor=dispatcher)]
    assert queue == [low_overdue.pk, urgent_fresh.pk, normal_new.pk, normal_old.pk]
    assert done.pk not in queue


# --- found while testing ---------------------------------------------------------------------------


def test_reroute_to_the_joint_station_goes_to_its_command_room(dispatcher) -> None:
    incident = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    incident = step(
        dispatcher, incident, "rerouted", note="武北警力处置", to_unit_id=Unit.objects.get(code="wp-wb").pk
    )
    assert incident.unit.code == "wp-wb-zh"


def test_reroute_to_a_member_station_goes_to_the_joint_command_room(dispatcher) -> None:
    incident = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    taoxi = Unit.objects.get(code="wp-ps-350824105")
    incident = step(dispatcher, incident, "rerouted", note="实为桃溪辖区", to_unit_id=taoxi.pk)
    assert incident.unit.code == "wp-wb-zh"


def test_a_repeated_officer_id_is_not_refused(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(5))
    responder = roster(TAOXI_SQ)
    incident = step(dispatcher, incident, "dispatched", officer_ids=[responder.pk, responder.pk])
    assert list(incident.officers.all()) == [responder]


def test_a_denied_link_call_is_audited(dispatcher, officer) -> None:
    pingchuan = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    with pytest.raises(Http404):
        services.incident_create(
            actor=officer,
            source="phone_110",
            village_code=TAOXI_VILLAGE,
            category="dispute",
            subcategory="neighbour",
            narrative="再次报警",
            link_to=pingchuan.pk,
        )
    assert AuditEntry.objects.filter(
        actor_username="officer", action="incident.view", outcome="denied", object_id=str(pingchuan.pk)
    ).exists()
