"""Reads of community policing, always scoped.

Station staff (community.view) see the records of the stations in their unit scope. A police assistant
(gridwork.record) sees only the village assigned to them and only what they recorded there — never
another village's records, and nothing of the case files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.community import performance
from jingwu.community.choices import ActivityKind, AssignmentKind, HazardStatus, ReportStatus, TaskStatus
from jingwu.community.evidence import Evidence, evidence_for
from jingwu.community.models import (
    Assignment,
    DailyLog,
    DialogueMeeting,
    GridActivity,
    Hazard,
    InfoReport,
    PerformanceAdjustment,
    SixNoAssessment,
    StaffMember,
    Task,
)
from jingwu.community.services import assistant_staff, current_assignment, parse_month
from jingwu.community.sixno import Criterion, criteria
from jingwu.core.errors import ServiceError
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def is_assistant_only(actor: Any) -> bool:
    """Grid work without the station's view: the assistant's narrow scope applies."""
    return has_capability(actor, "gridwork.record") and not has_capability(actor, "community.view")


def _denied(actor: Any, action: str, model: type[Model], pk: Any) -> None:
    audit_record(
        actor=actor, action=action, object_type=model._meta.label_lower, object_id=pk, outcome=Outcome.DENIED
    )


def grid_q(actor: Any) -> Q:
    """The grid records (patrols, visits, hazards, reports, logs) the actor may see."""
    query = Q(pk__in=[])
    if has_capability(actor, "community.view"):
        scope = unit_scope(actor)
        if scope.everything:
            return Q()
        query |= scope.q("station")
    if has_capability(actor, "gridwork.record"):
        assignment = current_assignment(actor)
        if assignment is not None:
            query |= Q(staff__user=actor, village_id=assignment.village_id)
    return query


def _require_any(actor: Any) -> None:
    if not (has_capability(actor, "community.view") or has_capability(actor, "gridwork.record")):
        require(actor, "community.view")


def villages_in_scope(actor: Any) -> QuerySet[Division]:
    require(actor, "community.view")
    scope = unit_scope(actor)
    return (
        Division.objects.filter(level=DivisionLevel.VILLAGE)
        .filter(scope.q("station") | scope.q("parent__station") if not scope.everything else Q())
        .select_related("parent", "station")
        .order_by("code")
    )


# --------------------------------------------------------------------------------------------------
# assignments


@dataclass
class VillageRow:
    village: Division
    assistant: Assignment | None = None
    officer: Assignment | None = None

    @property
    def complete(self) -> bool:
        return self.assistant is not None and self.officer is not None


@dataclass
class TownshipBlock:
    township: Division
    rows: list[VillageRow] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for row in self.rows if not row.complete)


def assignment_board(*, actor: Any, township_code: str = "") -> list[TownshipBlock]:
    """The villages of the actor's stations grouped by township, each with its current assistant and
    community officer (网格责任人一览), so that the gaps stand out."""
    villages = villages_in_scope(actor)
    if township_code:
        villages = villages.filter(parent__code=township_code)
    current = Assignment.objects.filter(ends_on__isnull=True, village__in=villages).select_related("user")
    by_village: dict[int, dict[str, Assignment]] = defaultdict(dict)
    for assignment in current:
        by_village[assignment.village_id][assignment.kind] = assignment
    blocks: dict[int, TownshipBlock] = {}
    for village in villages:
        block = blocks.setdefault(village.parent_id, TownshipBlock(village.parent))
        held = by_village.get(village.pk, {})
        block.rows.append(
            VillageRow(village, held.get(AssignmentKind.ASSISTANT), held.get(AssignmentKind.OFFICER))
        )
    return list(blocks.values())


def villages_without(*, actor: Any) -> list[VillageRow]:
    """The villages that lack an assistant or a community officer."""
    return [row for block in assignment_board(actor=actor) for row in block.rows if not row.complete]


def village_get(*, actor: Any, village_id: int) -> Division:
    """A village page: station staff for their stations, an assistant for their own village only."""
    _require_any(actor)
    village = (
        Division.objects.select_related("parent", "station")
        .filter(pk=village_id, level=DivisionLevel.VILLAGE)
        .first()
    )
    allowed = village is not None and (
        (
            has_capability(actor, "community.view")
            and unit_scope(actor).contains((village.station or village.parent.station).path)
        )
        or (
            has_capability(actor, "gridwork.record")
            and (assignment := current_assignment(actor)) is not None
            and assignment.village_id == village.pk
        )
    )
    if not allowed:
        _denied(actor, "community.view", Division, village_id)
        raise Http404
    assert village is not None
    return village


def assignment_history(*, village: Division) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(village=village)
        .select_related("user", "assigned_by")
        .order_by("kind", "-starts_on", "-id")
    )


def assignable_users(*, actor: Any, village: Division, kind: str) -> list[Any]:
    """Who may be assigned: the station's assistants, or the officers of its community team."""
    from jingwu.org.models import User

    station = village.station or village.parent.station
    if kind == AssignmentKind.ASSISTANT:
        users = User.objects.filter(roles__code="assistant", unit__path__startswith=station.path)
    else:
        users = User.objects.filter(roles__code="officer", unit__parent=station, unit__kind="community_team")
    return list(users.filter(is_active=True).distinct().order_by("username"))


# --------------------------------------------------------------------------------------------------
# grid work


def activity_list(*, actor: Any, kind: str = "") -> QuerySet[GridActivity]:
    _require_any(actor)
    records = GridActivity.objects.filter(grid_q(actor)).select_related("staff", "village__parent")
    return records.filter(kind=kind) if kind else records


def hazard_list(*, actor: Any, status: str = "") -> QuerySet[Hazard]:
    _require_any(actor)
    records = Hazard.objects.filter(grid_q(actor)).select_related("staff", "village__parent")
    return records.filter(status=status) if status else records


def report_list(*, actor: Any, status: str = "") -> QuerySet[InfoReport]:
    _require_any(actor)
    records = InfoReport.objects.filter(grid_q(actor)).select_related(
        "staff", "village__parent", "incident", "dispute"
    )
    return records.filter(status=status) if status else records


def log_list(*, actor: Any) -> QuerySet[DailyLog]:
    _require_any(actor)
    return DailyLog.objects.filter(grid_q(actor)).select_related("staff", "village__parent")


def report_get(*, actor: Any, report_id: int) -> InfoReport:
    """One information report; the read is audited (a report may name persons)."""
    _require_any(actor)
    report = report_list(actor=actor).filter(pk=report_id).first()
    if report is None:
        _denied(actor, "community.report.view", InfoReport, report_id)
        raise Http404
    audit_record(actor=actor, action="community.report.view", obj=report)
    return report


def today_log(*, actor: Any) -> DailyLog | None:
    staff = assistant_staff(actor)
    return DailyLog.objects.filter(staff=staff, day=timezone.localdate()).first()


def staff_list(*, actor: Any, kind: str = "") -> QuerySet[StaffMember]:
    require(actor, "community.view")
    staff = StaffMember.objects.filter(unit_scope(actor).q("station")).select_related(
        "village__parent", "user"
    )
    return staff.filter(kind=kind) if kind else staff


# --------------------------------------------------------------------------------------------------
# performance


def month_bounds(month: str) -> tuple[datetime, datetime, date, date]:
    year, number = parse_month(month)
    first = date(year, number, 1)
    after = date(year + (number == 12), number % 12 + 1, 1)
    tz = _tz()
    return datetime.combine(first, time(), tz), datetime.combine(after, time(), tz), first, after


def month_counts(staff_ids: list[int], month: str) -> dict[int, dict[str, int]]:
    """Occurrences per staff member and scheme source in the month (the month of Asia/Shanghai)."""
    start, end, first, after = month_bounds(month)
    counts: dict[int, dict[str, int]] = defaultdict(dict)

    def add(source: str, queryset: QuerySet[Any]) -> None:
        for row in queryset.values("staff_id").annotate(n=Count("id")):
            counts[row["staff_id"]][source] = row["n"]

    mine = {"staff_id__in": staff_ids}
    add(
        "patrol",
        GridActivity.objects.filter(
            kind=ActivityKind.PATROL, occurred_at__gte=start, occurred_at__lt=end, **mine
        ),
    )
    add(
        "visit",
        GridActivity.objects.filter(
            kind=ActivityKind.VISIT, occurred_at__gte=start, occurred_at__lt=end, **mine
        ),
    )
    add("hazard_found", Hazard.objects.filter(found_at__gte=start, found_at__lt=end, **mine))
    add(
        "hazard_fixed",
        Hazard.objects.filter(status=HazardStatus.FIXED, fixed_on__gte=first, fixed_on__lt=after, **mine),
    )
    add("report", InfoReport.objects.filter(reported_at__gte=start, reported_at__lt=end, **mine))
    add(
        "report_adopted",
        InfoReport.objects.filter(
            status=ReportStatus.ADOPTED, handled_at__gte=start, handled_at__lt=end, **mine
        ),
    )
    add("daily_log", DailyLog.objects.filter(day__gte=first, day__lt=after, **mine))
    return counts


@dataclass
class SheetRow:
    staff: StaffMember
    kind_name: str
    result: performance.Result
    adjustments: list[PerformanceAdjustment]
    rank: int = 0


def monthly_sheet(*, actor: Any, month: str, township_code: str = "") -> dict[Division, list[SheetRow]]:
    """The month's scores of the staff of the actor's stations, ranked within each township (乡镇排名)."""
    require(actor, "community.view")
    staff = list(staff_list(actor=actor).filter(is_active=True))
    if township_code:
        staff = [s for s in staff if s.village.parent.code == township_code]
    counts = month_counts([s.pk for s in staff], month)
    adjustments: dict[int, list[PerformanceAdjustment]] = defaultdict(list)
    for adjustment in PerformanceAdjustment.objects.filter(month=month, staff__in=staff).select_related(
        "recorded_by"
    ):
        adjustments[adjustment.staff_id].append(adjustment)
    kinds = performance.staff_kinds()
    current = performance.scheme()
    by_township: dict[Division, list[SheetRow]] = {}
    for member in staff:
        result = performance.score(
            current,
            member.kind,
            counts.get(member.pk, {}),
            [a.points for a in adjustments.get(member.pk, [])],
        )
        kind = kinds.get(member.kind)
        row = SheetRow(member, kind.name if kind else member.kind, result, adjustments.get(member.pk, []))
        by_township.setdefault(member.village.parent, []).append(row)
    for rows in by_township.values():
        ranks = performance.rank({row.staff.pk: row.result.score for row in rows})
        for row in rows:
            row.rank = ranks[row.staff.pk]
        rows.sort(key=lambda row: (row.rank, row.staff.village.code, row.staff.name))
    return dict(sorted(by_township.items(), key=lambda item: item[0].code))


def staff_month(*, actor: Any, staff_id: int, month: str) -> SheetRow:
    """One staff member's month, item by item (the score explained)."""
    require(actor, "community.view")
    member = staff_list(actor=actor).filter(pk=staff_id).first()
    if member is None:
        _denied(actor, "community.view", StaffMember, staff_id)
        raise Http404
    adjustments = list(
        PerformanceAdjustment.objects.filter(month=month, staff=member).select_related("recorded_by")
    )
    result = performance.score(
        performance.scheme(),
        member.kind,
        month_counts([member.pk], month).get(member.pk, {}),
        [a.points for a in adjustments],
    )
    kind = performance.staff_kinds().get(member.kind)
    return SheetRow(member, kind.name if kind else member.kind, result, adjustments)


# --------------------------------------------------------------------------------------------------
# six-no


@dataclass
class CriterionView:
    criterion: Criterion
    evidence: Evidence
    verdict: str = ""
    justification: str = ""


def sixno_overview(*, actor: Any, year: int) -> list[tuple[Division, SixNoAssessment | None]]:
    villages = list(villages_in_scope(actor))
    assessments = {
        a.community_id: a for a in SixNoAssessment.objects.filter(year=year, community__in=villages)
    }
    return [(village, assessments.get(village.pk)) for village in villages]


def sixno_detail(
    *, actor: Any, community_id: int, year: int
) -> tuple[Division, SixNoAssessment | None, list[CriterionView]]:
    """A community's assessment with the evidence of each criterion (audited read: it lists cases)."""
    require(actor, "community.view")
    community = villages_in_scope(actor).filter(pk=community_id).first()
    if community is None:
        _denied(actor, "community.view", Division, community_id)
        raise Http404
    assessment = SixNoAssessment.objects.filter(community=community, year=year).first()
    results = {r.criterion: r for r in assessment.results.all()} if assessment else {}
    evidence = evidence_for(community, year)
    views = []
    for item in criteria().items:
        result = results.get(item.key)
        views.append(
            CriterionView(
                item,
                evidence[item.key],
                result.verdict if result else "",
                result.justification if result else "",
            )
        )
    audit_record(
        actor=actor, action="sixno.view", obj=community, object_label=f"{community.name} {year}年六无评估"
    )
    return community, assessment, views


# --------------------------------------------------------------------------------------------------
# meetings and tasks


def meeting_list(*, actor: Any) -> QuerySet[DialogueMeeting]:
    require(actor, "community.view")
    return (
        DialogueMeeting.objects.filter(unit_scope(actor).q("station"))
        .select_related("village__parent", "host")
        .annotate(concern_count=Count("concerns"))
    )


def meeting_get(*, actor: Any, meeting_id: int) -> DialogueMeeting:
    meeting = meeting_list(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        _denied(actor, "community.view", DialogueMeeting, meeting_id)
        raise Http404
    return meeting


def task_list(*, actor: Any, overdue_only: bool = False, today: date | None = None) -> QuerySet[Task]:
    """The tasks of the actor's stations, and those owned by the actor (an assistant sees only these)."""
    _require_any(actor)
    query = Q(owner=actor)
    if has_capability(actor, "community.view"):
        query |= unit_scope(actor).q("station") if not unit_scope(actor).everything else Q(pk__isnull=False)
    tasks = Task.objects.filter(query).select_related("owner", "station")
    if overdue_only:
        tasks = tasks.filter(status=TaskStatus.OPEN, due_on__lt=today or timezone.localdate())
    return tasks


def current_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def check_month(value: str) -> str:
    try:
        parse_month(value)
    except ServiceError:
        return current_month()
    return value


def total(rows: list[SheetRow]) -> Decimal:
    return sum((row.result.score for row in rows), Decimal(0))
