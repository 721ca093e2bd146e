"""Reads of 队伍建设, always scoped by the personal-records policy of jingwu.personnel.services: the
courses and their attendance, the overdue list (逾期未完成), an officer's profile (个人档案) with the
work they handled as the other apps' selectors show it to the reader, and the honours wall (荣誉室)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.audit.services import audit_record
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User
from jingwu.personnel.choices import AttendanceStatus, HonourKind, HonourLevel
from jingwu.personnel.models import BrandActivity, Course, Enrolment, Honour, StationBrand
from jingwu.personnel.services import records_q, visible_enrolments, visible_officer

RECENT = 5
LEVEL_RANK = {level: rank for rank, level in enumerate(HonourLevel.values)}


def _not_completed() -> Q:
    """Neither exempt nor passed: still owed (or failed)."""
    return ~Q(status=AttendanceStatus.EXEMPT) & ~Q(passed=True)


def course_list(*, actor: Any) -> QuerySet[Course]:
    """The courses the actor may follow: with personnel.review those with an enrolment in their scope (all
    of them for the bureau-wide); others the courses they are on."""
    require(actor, "personnel.view")
    courses = Course.objects.all()
    if has_capability(actor, "personnel.review") and unit_scope(actor).everything:
        return courses
    return courses.filter(Exists(visible_enrolments(actor).filter(course=OuterRef("pk"))))


def course_get(*, actor: Any, course_id: int) -> Course:
    course = course_list(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


def course_enrolments(*, actor: Any, course: Course) -> QuerySet[Enrolment]:
    return visible_enrolments(actor).filter(course=course).select_related("officer", "unit", "recorded_by")


def course_tally(enrolments: QuerySet[Enrolment], today: date) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for status, passed, due_on in enrolments.values_list("status", "passed", "course__due_on"):
        counts["total"] += 1
        counts[status] += 1
        if passed:
            counts["passed"] += 1
        elif status == AttendanceStatus.ATTENDED:
            counts["failed"] += 1
        if status != AttendanceStatus.EXEMPT and not passed and due_on < today:
            counts["overdue"] += 1
    return dict(counts)


def overdue_enrolments(
    *, actor: Any, today: date | None = None, course_id: int | None = None, unit_id: int | None = None
) -> QuerySet[Enrolment]:
    """逾期未完成: officers who had not passed (or been excused from) a required course by its due day,
    within the actor's scope, the longest overdue first."""
    require(actor, "personnel.view")
    today = today or timezone.localdate()
    rows = visible_enrolments(actor).filter(_not_completed(), course__due_on__lt=today)
    if course_id:
        rows = rows.filter(course_id=course_id)
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        rows = rows.filter(unit__path__startswith=unit.path) if unit else rows.none()
    return rows.select_related("course", "officer", "unit").order_by(
        "course__due_on", "unit__path", "officer__username"
    )


def officers_in_scope(*, actor: Any) -> QuerySet[User]:
    """The officers whose records the actor may open (himself, and his scope's with personnel.review)."""
    from jingwu.personnel.services import POLICE_ROLES

    users = User.objects.filter(is_active=True, roles__code__in=POLICE_ROLES).select_related("unit")
    if not has_capability(actor, "personnel.review"):
        users = users.filter(pk=actor.pk)
    else:
        users = users.filter(unit_scope(actor).q("unit"))
    return users.distinct().order_by("unit__path", "username")


# --------------------------------------------------------------------------------------------------
# the officer's profile (个人档案)


@dataclass
class Handled:
    """A kind of work the officer handled, as far as the reader may see it: how many, and the latest."""

    label: str
    count: int
    recent: list[dict[str, Any]] = field(default_factory=list)
    visible: bool = True


@dataclass
class Profile:
    officer: User
    enrolments: list[Enrolment]
    honours: list[Honour]
    handled: list[Handled]
    overdue: int
    today: date


def _handled(reader: Any, officer: User) -> list[Handled]:
    """Cases, incidents and disputes the officer handled, through the owning apps' selectors with the
    reader's own scope: a reader sees here no record he could not open in its app."""
    from jingwu.cases.selectors import case_list
    from jingwu.incidents.selectors import incident_list
    from jingwu.mediation.selectors import dispute_list

    out = []
    cases = case_list(actor=reader).filter(Q(lead_officer=officer) | Q(officers=officer)).distinct()
    out.append(
        Handled(
            label="承办案件",
            count=cases.count(),
            recent=[
                {
                    "at": c.accepted_at,
                    "label": f"{c.number or ''} {c.title}".strip(),
                    "url": f"/cases/{c.pk}/",
                }
                for c in cases.order_by("-accepted_at", "-id")[:RECENT]
            ],
            visible=has_capability(reader, "case.view"),
        )
    )
    incidents = incident_list(actor=reader).filter(officers=officer).distinct()
    out.append(
        Handled(
            label="处置警情",
            count=incidents.count(),
            recent=[
                {"at": i.received_at, "label": i.number or f"警情#{i.pk}", "url": f"/incidents/{i.pk}/"}
                for i in incidents.order_by("-received_at", "-id")[:RECENT]
            ],
            visible=has_capability(reader, "incident.view"),
        )
    )
    disputes = (
        dispute_list(actor=reader)
        .filter(Q(sessions__recorded_by=officer) | Q(routes__started_by=officer))
        .distinct()
    )
    out.append(
        Handled(
            label="调解纠纷",
            count=disputes.count(),
            recent=[
                {"at": d.registered_at, "label": d.number or f"纠纷#{d.pk}", "url": f"/mediation/{d.pk}/"}
                for d in disputes.order_by("-registered_at", "-id")[:RECENT]
            ],
            visible=has_capability(reader, "dispute.view"),
        )
    )
    return out


def officer_profile(*, actor: Any, officer_id: int, today: date | None = None) -> Profile:
    """An officer's record: training, honours and handled work. Reading another officer's record is
    audited (a chief's or the political department's look at a person's file)."""
    officer = visible_officer(actor, officer_id)
    today = today or timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(officer=officer)
        .filter(records_q(actor))
        .select_related("course", "unit")
        .order_by("-course__starts_on", "-id")
    )
    honours = list(Honour.objects.filter(officer=officer, kind=HonourKind.INDIVIDUAL).select_related("unit"))
    overdue = sum(1 for e in enrolments if not e.completed and e.course.due_on < today)
    if officer.pk != actor.pk:
        audit_record(actor=actor, action="personnel.view", obj=officer)
    return Profile(
        officer=officer,
        enrolments=enrolments,
        honours=honours,
        handled=_handled(actor, officer),
        overdue=overdue,
        today=today,
    )


# --------------------------------------------------------------------------------------------------
# the honours wall (荣誉室) and the stations' brands


def wall_unit(unit: Unit) -> Unit:
    """The unit whose wall shows an honour: a team's honours hang in its station's room."""
    return unit.operational_unit()


@dataclass
class WallEntry:
    unit: Unit
    collective: int
    individual: int
    top: Honour | None  # the highest-level honour, the latest among equals
    brand: StationBrand | None


def honour_wall(*, actor: Any) -> list[WallEntry]:
    """Every unit with honours or a brand page, the bureau first, then in the tree's order."""
    require(actor, "honours.view")
    honours = list(
        Honour.objects.select_related("unit", "unit__parent", "officer").order_by("-awarded_on", "-id")
    )
    brands = {b.unit_id: b for b in StationBrand.objects.select_related("unit")}
    entries: dict[int, WallEntry] = {}
    for honour in honours:
        unit = wall_unit(honour.unit)
        entry = entries.setdefault(unit.pk, WallEntry(unit, 0, 0, None, brands.get(unit.pk)))
        if honour.kind == HonourKind.COLLECTIVE:
            entry.collective += 1
        else:
            entry.individual += 1
        if entry.top is None or LEVEL_RANK[honour.level] < LEVEL_RANK[entry.top.level]:
            entry.top = honour
    for unit_id, brand in brands.items():
        entries.setdefault(unit_id, WallEntry(brand.unit, 0, 0, None, brand))
    return sorted(entries.values(), key=lambda e: (e.unit.depth, e.unit.sort_order, e.unit.path))


@dataclass
class UnitWall:
    unit: Unit
    collective: list[Honour]
    individual: list[Honour]
    brand: StationBrand | None
    activities: list[BrandActivity]
    photos: list[Any]


def unit_wall(*, actor: Any, unit_id: int) -> UnitWall:
    """One unit's honours room: its collective honours (its teams' included), its officers' individual
    honours, and its brand page with photos and activities."""
    require(actor, "honours.view")
    unit = Unit.objects.filter(pk=unit_id).exclude(kind=UnitKind.EXTERNAL).first()
    if unit is None:
        raise Http404
    inside = Honour.objects.select_related("unit", "officer")
    if unit.kind == UnitKind.BUREAU:
        inside = inside.filter(unit=unit)  # the bureau's room: its own honours; the rest hang in the units'
    else:
        inside = inside.filter(unit__path__startswith=unit.path)
    brand = StationBrand.objects.filter(unit=unit).select_related("updated_by").first()
    return UnitWall(
        unit=unit,
        collective=[h for h in inside if h.kind == HonourKind.COLLECTIVE],
        individual=[h for h in inside if h.kind == HonourKind.INDIVIDUAL],
        brand=brand,
        activities=list(brand.activities.all()[:20]) if brand else [],
        photos=list(brand.photos.all()) if brand else [],
    )
