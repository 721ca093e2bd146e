"""教育训练: planning a course enrols the officers it requires; attendance and results; the overdue list
(逾期未完成); and the policy — an officer sees only his own record, a chief his unit's (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jingwu.audit.models import AuditEntry, Outcome
from jingwu.core.errors import ServiceError
from jingwu.personnel import selectors, services
from jingwu.personnel.models import Enrolment
from jingwu.personnel.tests.conftest import PINGCHUAN, TAOXI, enrolment_of, unit

pytestmark = pytest.mark.django_db

AFTER_DUE = date(2025, 6, 10)


def test_planning_enrols_the_required_officers_only(legal_course) -> None:
    enrolled = set(legal_course.enrolments.values_list("officer__username", flat=True))
    assert {"officer", "pingchuan_officer", f"roster-{TAOXI}-sq-1", f"roster-{PINGCHUAN}-aj-1"} <= enrolled
    # Not required: another station's officer, the chief (role not named), the assistant (not police).
    assert not enrolled & {"wubei_officer", "chief", "assistant", f"roster-{TAOXI}-chief"}
    assert legal_course.is_legal_training
    entry = AuditEntry.objects.filter(action="personnel.course_create", object_id=str(legal_course.pk)).get()
    assert entry.changes["enrolled"][1] == len(enrolled)


def test_the_enrolment_keeps_the_unit_the_officer_was_in(legal_course) -> None:
    assert enrolment_of(legal_course, "officer").unit.code == f"{TAOXI}-sq"


def test_re_enrolling_adds_only_newcomers(legal_course, user_of) -> None:
    before = legal_course.enrolments.count()
    assert services.course_enrol_required(actor=user_of("personnel"), course_id=legal_course.pk) == 0
    newcomer = user_of("wubei_officer")
    newcomer.unit = unit(f"{PINGCHUAN}-aj")
    newcomer.save()
    assert services.course_enrol_required(actor=user_of("personnel"), course_id=legal_course.pk) == 1
    assert legal_course.enrolments.count() == before + 1


def test_attendance_decides_pass_from_the_pass_mark_and_is_audited(legal_course, user_of) -> None:
    personnel = user_of("personnel")
    passed = services.attendance_record(
        actor=personnel, enrolment_id=enrolment_of(legal_course, "officer").pk, status="attended", score="60"
    )
    failed = services.attendance_record(
        actor=personnel,
        enrolment_id=enrolment_of(legal_course, "pingchuan_officer").pk,
        status="attended",
        score="59.5",
    )
    assert passed.passed is True and failed.passed is False
    entry = AuditEntry.objects.filter(action="personnel.attendance_record", object_id=str(passed.pk)).get()
    assert entry.changes["status"] == ["required", "attended"] and entry.changes["score"] == [None, "60.0"]


@pytest.mark.parametrize(
    ("status", "score", "note", "field"),
    [
        ("attended", None, "", "score"),  # an examined course needs the score
        ("absent", "80", "", "score"),  # no score without attending
        ("exempt", None, "", "note"),  # an exemption says why
        ("attended", "101", "", "score"),
        ("passed", None, "", "status"),
    ],
)
def test_attendance_is_validated_in_chinese(legal_course, user_of, status, score, note, field) -> None:
    with pytest.raises(ServiceError) as error:
        services.attendance_record(
            actor=user_of("personnel"),
            enrolment_id=enrolment_of(legal_course, "officer").pk,
            status=status,
            score=score,
            note=note,
        )
    assert field in error.value.field_errors


def test_attendance_cannot_be_recorded_before_the_course(legal_course, user_of) -> None:
    with pytest.raises(ServiceError, match="尚未开始"):
        services.attendance_record(
            actor=user_of("personnel"),
            enrolment_id=enrolment_of(legal_course, "officer").pk,
            status="attended",
            score="90",
            today=date(2025, 5, 1),
        )


@pytest.mark.parametrize("username", ["chief", "officer", "leader", "legal_affairs"])
def test_only_the_political_department_writes_training_records(legal_course, user_of, username) -> None:
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            actor=user_of(username), enrolment_id=enrolment_of(legal_course, "officer").pk, status="absent"
        )
    with pytest.raises(PermissionDenied):
        services.course_create(actor=user_of(username), title="x", kind="legal", starts_on=date(2025, 1, 1))


def test_course_plans_are_validated(user_of) -> None:
    with pytest.raises(ServiceError) as error:
        services.course_create(
            actor=user_of("personnel"),
            title=" ",
            kind="karaoke",
            starts_on=date(2025, 5, 6),
            ends_on=date(2025, 5, 5),
            roles=["mediator"],
        )
    assert set(error.value.field_errors) == {"title", "kind", "ends_on", "roles"}


# --------------------------------------------------------------------------------------------------
# the overdue list


def test_the_overdue_list_names_who_has_not_completed_by_the_due_day(legal_course, user_of) -> None:
    personnel = user_of("personnel")
    record = services.attendance_record
    record(
        actor=personnel, enrolment_id=enrolment_of(legal_course, "officer").pk, status="attended", score="75"
    )
    record(
        actor=personnel,
        enrolment_id=enrolment_of(legal_course, "pingchuan_officer").pk,
        status="attended",
        score="40",
    )
    record(
        actor=personnel,
        enrolment_id=enrolment_of(legal_course, f"roster-{TAOXI}-sq-1").pk,
        status="exempt",
        note="病假",
    )
    record(
        actor=personnel, enrolment_id=enrolment_of(legal_course, f"roster-{TAOXI}-sq-2").pk, status="absent"
    )

    # Before the due day nobody is overdue.
    assert not selectors.overdue_enrolments(actor=personnel, today=date(2025, 5, 31)).filter(
        course=legal_course
    )
    overdue = selectors.overdue_enrolments(actor=personnel, today=AFTER_DUE).filter(course=legal_course)
    names = set(overdue.values_list("officer__username", flat=True))
    assert "officer" not in names  # passed
    assert f"roster-{TAOXI}-sq-1" not in names  # exempt
    assert {
        "pingchuan_officer",
        f"roster-{TAOXI}-sq-2",
        f"roster-{TAOXI}-sq-3",
    } <= names  # failed, absent, never recorded
    assert len(names) == legal_course.enrolments.count() - 2


def test_a_chief_sees_his_units_overdue_officers_only(legal_course, user_of) -> None:
    overdue = selectors.overdue_enrolments(actor=user_of("chief"), today=AFTER_DUE)
    units = set(overdue.values_list("unit__code", flat=True))
    assert units and all(code.startswith(TAOXI) for code in units)


def test_an_officer_sees_only_himself_in_the_overdue_list(legal_course, user_of) -> None:
    overdue = selectors.overdue_enrolments(actor=user_of("officer"), today=AFTER_DUE)
    assert set(overdue.values_list("officer__username", flat=True)) == {"officer"}


# --------------------------------------------------------------------------------------------------
# scoping of personal records


def test_an_officer_cannot_read_another_officers_record(legal_course, user_of) -> None:
    officer, other = user_of("officer"), user_of("pingchuan_officer")
    with pytest.raises(Http404):
        selectors.officer_profile(actor=officer, officer_id=other.pk)
    assert AuditEntry.objects.filter(
        action="personnel.view", object_id=str(other.pk), outcome=Outcome.DENIED, actor_username="officer"
    ).exists()
    # Nor on the course page: only his own line.
    rows = selectors.course_enrolments(actor=officer, course=legal_course)
    assert [e.officer.username for e in rows] == ["officer"]


def test_a_chief_reads_his_units_records_and_not_another_stations(legal_course, user_of) -> None:
    chief = user_of("chief")
    mine = selectors.officer_profile(actor=chief, officer_id=user_of("officer").pk)
    assert [e.course_id for e in mine.enrolments] == [legal_course.pk]
    assert AuditEntry.objects.filter(action="personnel.view", object_id=str(user_of("officer").pk)).exists()
    with pytest.raises(Http404):
        selectors.officer_profile(actor=chief, officer_id=user_of("pingchuan_officer").pk)
    rows = selectors.course_enrolments(actor=chief, course=legal_course)
    assert rows and all(e.unit.path.startswith(unit(TAOXI).path) for e in rows)


def test_the_political_department_and_leaders_read_the_bureau(legal_course, user_of) -> None:
    for username in ("personnel", "leader"):
        rows = selectors.course_enrolments(actor=user_of(username), course=legal_course)
        assert rows.count() == legal_course.enrolments.count()


@pytest.mark.parametrize("username", ["procurator", "mediator", "assistant", "auditor", "admin"])
def test_roles_without_a_personnel_record_see_nothing(legal_course, user_of, username) -> None:
    with pytest.raises(PermissionDenied):
        selectors.course_list(actor=user_of(username))
    assert not Enrolment.objects.filter(services.records_q(user_of(username))).exists()


def test_the_course_list_is_scoped(legal_course, user_of) -> None:
    assert legal_course in selectors.course_list(actor=user_of("officer"))
    assert legal_course not in selectors.course_list(actor=user_of("wubei_officer"))
    assert legal_course in selectors.course_list(actor=user_of("personnel"))
