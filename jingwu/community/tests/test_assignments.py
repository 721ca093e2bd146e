"""Village assignments (网格责任人 / 一村一警务助理): who may be assigned, the history kept when a village
changes hands, the board of gaps, and who may assign."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.community import selectors, services
from jingwu.community.models import Assignment, StaffMember
from jingwu.community.tests.conftest import new_assistant
from jingwu.core.errors import Conflict, ServiceError
from jingwu.org.models import User

TODAY = timezone.localdate


def test_assigning_the_assistant_creates_his_staff_record_and_audits(chief, assistant, taoxi) -> None:
    assignment = services.assignment_set(
        actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk
    )
    assert assignment.station.code == "wp-ps-350824105" and assignment.ends_on is None
    staff = StaffMember.objects.get(user=assistant)
    assert (staff.kind, staff.village, staff.is_active) == ("police_assistant", taoxi, True)
    entry = AuditEntry.objects.filter(action="community.assign", object_id=str(assignment.pk)).get()
    assert entry.changes["user"] == [None, "assistant"]


def test_a_new_assistant_ends_the_previous_one_the_day_before_and_history_is_kept(
    chief, assistant, taoxi
) -> None:
    start = TODAY() - timedelta(days=100)
    services.assignment_set(
        actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk, starts_on=start
    )
    successor = new_assistant("test-zl-successor")
    change = TODAY() - timedelta(days=10)
    services.assignment_set(
        actor=chief, village_id=taoxi.pk, kind="assistant", user_id=successor.pk, starts_on=change
    )
    history = list(selectors.assignment_history(village=taoxi))
    assert [(a.user.username, a.starts_on, a.ends_on) for a in history] == [
        ("test-zl-successor", change, None),
        ("assistant", start, change - timedelta(days=1)),
    ]
    # The one who left is off the staff sheet and can no longer record grid work.
    assert not StaffMember.objects.get(user=assistant).is_active
    with pytest.raises(ServiceError, match="尚未分配"):
        services.activity_record(
            actor=User.objects.get(pk=assistant.pk), kind="patrol", place="村道", summary="巡逻"
        )


def test_an_assistant_moved_to_another_village_leaves_the_first(chief, assistant, taoxi, xincai) -> None:
    services.assignment_set(
        actor=chief,
        village_id=taoxi.pk,
        kind="assistant",
        user_id=assistant.pk,
        starts_on=TODAY() - timedelta(days=30),
    )
    services.assignment_set(actor=chief, village_id=xincai.pk, kind="assistant", user_id=assistant.pk)
    current = Assignment.objects.filter(user=assistant, ends_on__isnull=True)
    assert [a.village for a in current] == [xincai]
    assert StaffMember.objects.get(user=assistant).village == xincai
    assert Assignment.objects.get(user=assistant, village=taoxi).ends_on == TODAY() - timedelta(days=1)


def test_the_same_person_twice_and_a_start_before_the_current_are_refused(chief, assistant, taoxi) -> None:
    services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk)
    with pytest.raises(Conflict):
        services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk)
    other = new_assistant("test-zl-early")
    with pytest.raises(ServiceError, match="起始日期"):
        services.assignment_set(
            actor=chief,
            village_id=taoxi.pk,
            kind="assistant",
            user_id=other.pk,
            starts_on=TODAY() - timedelta(days=5),
        )


def test_only_the_stations_own_people_may_be_assigned(chief, officer, taoxi, user_of) -> None:
    # An officer is not an assistant; an assistant of another station is not ours.
    with pytest.raises(ServiceError, match="警务助理"):
        services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=officer.pk)
    elsewhere = new_assistant("test-zl-pingchuan", unit_code="wp-ps-350824001-sq")
    with pytest.raises(ServiceError, match="警务助理"):
        services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=elsewhere.pk)
    # The community officer comes from the station's community team, not its case work.
    with pytest.raises(ServiceError, match="社区警务队"):
        services.assignment_set(
            actor=chief, village_id=taoxi.pk, kind="officer", user_id=user_of("wubei_officer").pk
        )
    assignment = services.assignment_set(actor=chief, village_id=taoxi.pk, kind="officer", user_id=officer.pk)
    assert assignment.kind == "officer"


def test_officers_cannot_assign_and_other_stations_chiefs_see_nothing(
    officer, assistant, taoxi, user_of
) -> None:
    with pytest.raises(PermissionDenied):
        services.assignment_set(actor=officer, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk)
    pingchuan_chief = user_of("roster-wp-ps-350824001-chief")
    with pytest.raises(Http404):
        services.assignment_set(
            actor=pingchuan_chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk
        )
    assert AuditEntry.objects.filter(action="community.assign", outcome="denied").count() == 2


def test_ending_an_assignment_shows_the_village_as_a_gap(chief, assistant, taoxi) -> None:
    assignment = services.assignment_set(
        actor=chief,
        village_id=taoxi.pk,
        kind="assistant",
        user_id=assistant.pk,
        starts_on=TODAY() - timedelta(days=3),
    )
    assert taoxi not in [
        row.village for row in selectors.villages_without(actor=chief) if row.assistant is None
    ]
    services.assignment_end(actor=chief, assignment_id=assignment.pk, note="辞职")
    gaps = {row.village: row for row in selectors.villages_without(actor=chief)}
    assert gaps[taoxi].assistant is None
    with pytest.raises(Conflict):
        services.assignment_end(actor=chief, assignment_id=assignment.pk)


def test_the_board_groups_the_chiefs_villages_by_township(chief, assistant, taoxi) -> None:
    services.assignment_set(actor=chief, village_id=taoxi.pk, kind="assistant", user_id=assistant.pk)
    blocks = selectors.assignment_board(actor=chief)
    assert [b.township.name for b in blocks] == ["桃溪镇"]
    row = next(r for r in blocks[0].rows if r.village == taoxi)
    assert row.assistant.user == assistant and row.officer is None and not row.complete
    assert blocks[0].missing == len(blocks[0].rows)
    # 武北's people see the four member townships.
    names = {
        b.township.name for b in selectors.assignment_board(actor=User.objects.get(username="wubei_officer"))
    }
    assert names == {"桃溪镇", "永平镇", "湘店镇", "大禾镇"}
