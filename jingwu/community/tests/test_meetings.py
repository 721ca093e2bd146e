"""Dialogue meetings (警民恳谈): concerns raised become a dispute (source 警民恳谈), an incident, or a task
with an owner and due date; overdue tasks are listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jingwu.community import selectors, services
from jingwu.community.services import ConcernInput
from jingwu.core.errors import Conflict, ServiceError
from jingwu.mediation.services import PartyInput


@pytest.fixture
def meeting(officer, taoxi):
    return services.meeting_record(
        actor=officer,
        village_id=taoxi.pk,
        held_on=timezone.localdate() - timedelta(days=3),
        place="桃溪村村部",
        attendees="社区民警、村两委、村民代表",
        attendee_count=20,
        concerns=[
            ConcernInput("村口没有路灯", "钟某"),
            ConcernInput("邻居的狗咬人", "刘某"),
            ConcernInput("有人夜里在溪里电鱼"),
            ConcernInput("老人容易被骗"),
        ],
    )


def test_a_meeting_needs_a_concern(officer, taoxi) -> None:
    with pytest.raises(ServiceError, match="至少"):
        services.meeting_record(
            actor=officer,
            village_id=taoxi.pk,
            held_on=timezone.localdate(),
            place="村部",
            attendees="村民",
            concerns=[],
        )


def test_each_concern_becomes_a_dispute_an_incident_a_task_or_an_answer(
    officer, assistant, meeting, taoxi
) -> None:
    lamp, dog, fishing, fraud = meeting.concerns.order_by("pk")
    task = services.concern_to_task(
        actor=officer,
        concern_id=lamp.pk,
        title="协调安装路灯",
        owner_id=assistant.pk,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    dispute = services.concern_to_dispute(
        actor=officer,
        concern_id=dog.pk,
        kind="neighbour",
        parties=[
            PartyInput(role="applicant", name="刘恳甲", phone="13800002222"),
            PartyInput(role="respondent", name="钟恳乙"),
        ],
    )
    incident = services.concern_to_incident(
        actor=officer, concern_id=fishing.pk, category="public_order", subcategory="other_public_order"
    )
    services.concern_answer(actor=officer, concern_id=fraud.pk, answer="每月进村宣传一次")
    outcomes = dict(meeting.concerns.values_list("pk", "outcome"))
    assert outcomes == {lamp.pk: "task", dog.pk: "dispute", fishing.pk: "incident", fraud.pk: "answered"}
    assert dispute.source == "dialogue" and "警民恳谈会" in dispute.description
    assert incident.village == taoxi and incident.source == "walk_in"
    assert task.owner == assistant and task.station.code == "wp-ps-350824105"
    with pytest.raises(Conflict):
        services.concern_answer(actor=officer, concern_id=lamp.pk, answer="再答")


def test_overdue_tasks_are_listed_until_done(officer, chief, assistant, meeting) -> None:
    lamp, dog, *_ = meeting.concerns.order_by("pk")
    late = services.concern_to_task(
        actor=officer,
        concern_id=lamp.pk,
        title="路灯",
        owner_id=assistant.pk,
        due_on=timezone.localdate() - timedelta(days=2),
    )
    services.concern_to_task(
        actor=officer,
        concern_id=dog.pk,
        title="养犬",
        owner_id=officer.pk,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    assert list(selectors.task_list(actor=chief, overdue_only=True)) == [late]
    # The owner (an assistant) sees and completes their own task.
    assert list(selectors.task_list(actor=assistant)) == [late]
    services.task_complete(actor=assistant, task_id=late.pk, note="村委会已安装三盏路灯")
    assert not selectors.task_list(actor=chief, overdue_only=True).exists()


def test_a_task_owner_must_be_of_the_station_and_outsiders_cannot_act(
    officer, outsider, meeting, user_of
) -> None:
    lamp = meeting.concerns.order_by("pk").first()
    with pytest.raises(ServiceError, match="责任人"):
        services.concern_to_task(
            actor=officer, concern_id=lamp.pk, title="路灯", owner_id=outsider.pk, due_on=timezone.localdate()
        )
    with pytest.raises(Http404):
        services.concern_answer(actor=outsider, concern_id=lamp.pk, answer="不是我的辖区")
    with pytest.raises(Http404):
        selectors.meeting_get(actor=outsider, meeting_id=meeting.pk)
