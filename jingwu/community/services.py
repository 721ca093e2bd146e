"""Writes of community policing (社区警务): village assignments, grid work, the conversion of information
reports, performance adjustments, six-no assessments, dialogue meetings and tasks.

Every write checks the policy (the action, and that the village's station is in the actor's scope — an
assistant only ever writes for the village assigned to them), runs in one transaction and is audited.
Visibility is checked before a transaction opens, so that a refusal's audit entry is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.community.choices import (
    ActivityKind,
    AssessmentStatus,
    AssignmentKind,
    ConcernOutcome,
    HazardCategory,
    HazardStatus,
    ReportCategory,
    ReportStatus,
    TaskStatus,
    Verdict,
)
from jingwu.community.evidence import evidence_for
from jingwu.community.models import (
    Assignment,
    Concern,
    DailyLog,
    DialogueMeeting,
    GridActivity,
    Hazard,
    InfoReport,
    PerformanceAdjustment,
    SixNoAssessment,
    SixNoResult,
    StaffMember,
    Task,
)
from jingwu.community.performance import scheme, staff_kinds
from jingwu.community.sixno import criteria
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Priority, Source
from jingwu.incidents.models import Incident
from jingwu.incidents.services import incident_create
from jingwu.mediation.choices import DisputeSource
from jingwu.mediation.models import Dispute
from jingwu.mediation.services import PartyInput, dispute_create
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User

POLICE_ASSISTANT = "police_assistant"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------------------------------
# helpers


def _text(value: str, field: str, message: str, limit: int = 0) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(message, {field: message})
    if limit and len(text) > limit:
        raise ServiceError(f"最多{limit}个字", {field: f"最多{limit}个字"})
    return text


def _day(value: date | None, field: str, *, default_today: bool = True) -> date:
    today = timezone.localdate()
    if value is None:
        if default_today:
            return today
        raise ServiceError("请填写日期", {field: "请填写日期"})
    if value > today:
        raise ServiceError("日期不能晚于今天", {field: "日期不能晚于今天"})
    return value


def station_of(village: Division) -> Unit | None:
    return village.station or (village.parent.station if village.parent_id else None)


def _village(village_id: int | None, field: str = "village_id") -> Division:
    village = (
        Division.objects.select_related("parent", "station")
        .filter(pk=village_id, level=DivisionLevel.VILLAGE)
        .first()
        if village_id
        else None
    )
    if village is None or station_of(village) is None:
        raise ServiceError("请选择村（社区）", {field: "请选择村（社区）"})
    return village


def _in_scope(actor: Any, station: Unit) -> bool:
    return unit_scope(actor).contains(station.path)


def _deny(
    actor: Any, action: str, obj: Model | None = None, object_type: str = "", object_id: Any = ""
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        outcome=Outcome.DENIED,
    )


def _visible[M: Model](actor: Any, action: str, queryset: QuerySet[M], pk: int) -> M:
    """One record of a station in the actor's scope (a 404, audited, otherwise)."""
    require(actor, action)
    found = queryset.filter(pk=pk).select_related("station").first()
    if found is None or not _in_scope(actor, found.station):
        _deny(actor, action, object_type=queryset.model._meta.label_lower, object_id=pk)
        raise Http404
    return found


def current_assignment(user: Any, kind: str = AssignmentKind.ASSISTANT) -> Assignment | None:
    """The user's current assignment of that kind (an assistant has at most one village)."""
    return (
        Assignment.objects.select_related("village__parent", "station")
        .filter(user=user, kind=kind, ends_on__isnull=True)
        .first()
    )


def assistant_staff(actor: Any) -> StaffMember:
    """The assistant's own staff record, refused when no village is assigned to them."""
    assignment = current_assignment(actor)
    staff = StaffMember.objects.select_related("village", "station").filter(user=actor).first()
    if assignment is None or staff is None:
        raise ServiceError("您尚未分配负责的村（社区），请联系派出所", {"village": "尚未分配村（社区）"})
    return staff


def _worker(actor: Any, staff_id: int | None) -> StaffMember:
    """Whose grid work this is: an assistant records their own; an officer or chief records for a staff
    member of their stations (the staff who do not log in)."""
    if has_capability(actor, "gridwork.record"):
        staff = assistant_staff(actor)
        if staff_id is not None and staff_id != staff.pk:
            _deny(actor, "gridwork.record", object_type="community.staffmember", object_id=staff_id)
            raise PermissionDenied("只能记录本人的网格工作")
        return staff
    require(actor, "community.manage")
    if staff_id is None:
        raise ServiceError("请选择工作人员", {"staff_id": "请选择工作人员"})
    staff = _visible(actor, "community.manage", StaffMember.objects.select_related("village"), staff_id)
    if not staff.is_active:
        raise ServiceError("该人员已不在岗", {"staff_id": "该人员已不在岗"})
    return staff


def _moment(at: datetime | None, field: str) -> datetime:
    return stated_moment(at, field)


# --------------------------------------------------------------------------------------------------
# assignments and staff


def _check_assignee(kind: str, user: User, station: Unit) -> None:
    """An assistant works for the village's station; the community officer is an officer of its
    community team (社区警务队)."""
    if kind == AssignmentKind.ASSISTANT:
        if "assistant" not in user.role_codes or user.unit.operational_unit().pk != station.pk:
            raise ServiceError("警务助理须为该派出所的警务助理", {"user_id": "请选择本所的警务助理"})
    else:
        unit = user.unit
        if (
            "officer" not in user.role_codes
            or unit.kind != UnitKind.COMMUNITY_TEAM
            or unit.parent_id != station.pk
        ):
            raise ServiceError(
                "社区民警须为该派出所社区警务队的民警", {"user_id": "请选择本所社区警务队民警"}
            )


def assignment_set(
    *,
    actor: Any,
    village_id: int,
    kind: str,
    user_id: int,
    starts_on: date | None = None,
    note: str = "",
) -> Assignment:
    """Assign a village's police assistant or community officer (网格责任人) from `starts_on`.

    The current holder's assignment ends the day before; an assistant moved from another village leaves
    it the same day (一村一警务助理, one village at a time). The history is kept.
    """
    require(actor, "community.assign")
    if kind not in AssignmentKind.values:
        raise ServiceError("类别无效", {"kind": "请选择警务助理或社区民警"})
    village = _village(village_id)
    station = station_of(village)
    assert station is not None
    if not _in_scope(actor, station):
        _deny(actor, "community.assign", obj=village)
        raise Http404
    user = User.objects.select_related("unit__parent").filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ServiceError("请选择人员", {"user_id": "请选择人员"})
    _check_assignee(kind, user, station)
    starts = _day(starts_on, "starts_on")
    with transaction.atomic():
        current = (
            Assignment.objects.select_for_update()
            .filter(village=village, kind=kind, ends_on__isnull=True)
            .first()
        )
        ended: list[Assignment] = []
        if current is not None:
            if current.user_id == user.pk:
                raise Conflict(f"{user.full_name}已是该村（社区）的{AssignmentKind(kind).label}")
            if starts <= current.starts_on:
                raise ServiceError(
                    "起始日期须晚于现任人员的起始日期", {"starts_on": f"现任自{current.starts_on}起"}
                )
            ended.append(current)
        if kind == AssignmentKind.ASSISTANT:
            elsewhere = (
                Assignment.objects.select_for_update()
                .filter(user=user, kind=kind, ends_on__isnull=True)
                .exclude(village=village)
                .first()
            )
            if elsewhere is not None:
                if starts <= elsewhere.starts_on:
                    raise ServiceError("起始日期须晚于其原负责村的起始日期", {"starts_on": "起始日期过早"})
                ended.append(elsewhere)
        for old in ended:
            old.ends_on = starts - timedelta(days=1)
            old.save(update_fields=["ends_on"])
            if old.kind == AssignmentKind.ASSISTANT and old.user_id != user.pk:
                _assistant_staff_leaves(old.user_id)
        assignment = Assignment.objects.create(
            village=village,
            station=station,
            kind=kind,
            user=user,
            starts_on=starts,
            note=note.strip()[:200],
            assigned_by=actor,
        )
        if kind == AssignmentKind.ASSISTANT:
            _assistant_staff_follow(actor, user, village, station)
        audit_record(
            actor=actor,
            action="community.assign",
            obj=assignment,
            changes={
                "user": [current.user.username if current is not None else None, user.username],
                "starts_on": [None, starts.isoformat()],
            },
        )
    return assignment


def _assistant_staff_follow(actor: Any, user: User, village: Division, station: Unit) -> None:
    """The assistant's staff record (六大员 · 警务助理) follows their village."""
    staff = StaffMember.objects.filter(user=user).first()
    if staff is None:
        staff = StaffMember.objects.create(
            name=user.full_name,
            kind=POLICE_ASSISTANT,
            village=village,
            station=station,
            user=user,
            phone=user.phone,
            created_by=actor,
        )
        audit_record(actor=actor, action="community.staff.create", obj=staff)
    elif staff.village_id != village.pk or not staff.is_active:
        staff.village, staff.station, staff.is_active = village, station, True
        staff.save(update_fields=["village", "station", "is_active"])


def _assistant_staff_leaves(user_id: int) -> None:
    """An assistant left without a village is no longer on the staff sheet (在岗) until assigned again."""
    StaffMember.objects.filter(user_id=user_id).update(is_active=False)


def assignment_end(
    *, actor: Any, assignment_id: int, ends_on: date | None = None, note: str = ""
) -> Assignment:
    """End an assignment without a successor (the village is then listed as without one)."""
    assignment = _visible(actor, "community.assign", Assignment.objects.all(), assignment_id)
    ends = _day(ends_on, "ends_on")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ends_on is not None:
            raise Conflict("该任职已终止")
        if ends < assignment.starts_on:
            raise ServiceError("终止日期不能早于起始日期", {"ends_on": "终止日期不能早于起始日期"})
        assignment.ends_on = ends
        if note.strip():
            assignment.note = note.strip()[:200]
        assignment.save(update_fields=["ends_on", "note"])
        if assignment.kind == AssignmentKind.ASSISTANT:
            _assistant_staff_leaves(assignment.user_id)
        audit_record(
            actor=actor,
            action="community.assign.end",
            obj=assignment,
            changes={"ends_on": [None, ends.isoformat()]},
        )
    return assignment


def staff_register(
    *, actor: Any, name: str, kind: str, village_id: int, phone: str = "", user_id: int | None = None
) -> StaffMember:
    """Register one of the community staff (六大员) of a village of the actor's station."""
    require(actor, "community.assign")
    if kind not in staff_kinds():
        raise ServiceError("人员类别无效", {"kind": "请选择人员类别"})
    village = _village(village_id)
    station = station_of(village)
    assert station is not None
    if not _in_scope(actor, station):
        _deny(actor, "community.assign", obj=village)
        raise Http404
    name = _text(name, "name", "请填写姓名", 32)
    with transaction.atomic():
        staff = StaffMember.objects.create(
            name=name,
            kind=kind,
            village=village,
            station=station,
            user_id=user_id,
            phone=phone.strip()[:20],
            created_by=actor,
        )
        audit_record(actor=actor, action="community.staff.create", obj=staff, changes={"kind": [None, kind]})
    return staff


# --------------------------------------------------------------------------------------------------
# grid work (网格工作)


def activity_record(
    *,
    actor: Any,
    kind: str,
    place: str,
    summary: str,
    occurred_at: datetime | None = None,
    household: str = "",
    staff_id: int | None = None,
) -> GridActivity:
    """Record a patrol (巡逻) or a household visit (入户走访)."""
    if kind not in ActivityKind.values:
        raise ServiceError("类别无效", {"kind": "请选择巡逻或入户走访"})
    staff = _worker(actor, staff_id)
    place = _text(place, "place", "请填写地点或路线", 200)
    summary = _text(summary, "summary", "请填写情况", 2000)
    if kind == ActivityKind.VISIT:
        household = _text(household, "household", "请填写走访对象（户主）", 60)
    at = _moment(occurred_at, "occurred_at")
    with transaction.atomic():
        activity = GridActivity.objects.create(
            kind=kind,
            staff=staff,
            village=staff.village,
            station=staff.station,
            occurred_at=at,
            place=place,
            household=household.strip()[:60],
            summary=summary,
            recorded_by=actor,
        )
        audit_record(actor=actor, action=f"gridwork.{kind}", obj=activity)
    return activity


def hazard_report(
    *,
    actor: Any,
    category: str,
    place: str,
    description: str,
    found_at: datetime | None = None,
    staff_id: int | None = None,
) -> Hazard:
    """Record a safety hazard found in the village (安全隐患)."""
    if category not in HazardCategory.values:
        raise ServiceError("请选择隐患类别", {"category": "请选择隐患类别"})
    staff = _worker(actor, staff_id)
    place = _text(place, "place", "请填写隐患位置", 200)
    description = _text(description, "description", "请描述隐患情况", 2000)
    at = _moment(found_at, "found_at")
    with transaction.atomic():
        hazard = Hazard.objects.create(
            staff=staff,
            village=staff.village,
            station=staff.station,
            category=category,
            place=place,
            description=description,
            found_at=at,
            recorded_by=actor,
        )
        audit_record(
            actor=actor, action="gridwork.hazard", obj=hazard, changes={"category": [None, category]}
        )
    return hazard


def _own_or_station[M: Model](actor: Any, queryset: QuerySet[M], pk: int, action: str) -> M:
    """A grid record for a write: the assistant's own (in their village), or one of the actor's stations."""
    if has_capability(actor, "gridwork.record"):
        staff = assistant_staff(actor)
        found = queryset.filter(pk=pk, staff=staff, village=staff.village).first()
        if found is None:
            _deny(actor, action, object_type=queryset.model._meta.label_lower, object_id=pk)
            raise Http404
        return found
    return _visible(actor, "community.manage", queryset, pk)


def hazard_fix(*, actor: Any, hazard_id: int, fixed_on: date | None = None, note: str = "") -> Hazard:
    """Record that a hazard was fixed (隐患整改), with the date and what was done."""
    hazard = _own_or_station(actor, Hazard.objects.all(), hazard_id, "gridwork.hazard.fix")
    note = _text(note, "note", "请填写整改情况", 1000)
    fixed = _day(fixed_on, "fixed_on")
    if fixed < timezone.localdate(hazard.found_at):
        raise ServiceError("整改日期不能早于发现日期", {"fixed_on": "整改日期不能早于发现日期"})
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
        if hazard.status == HazardStatus.FIXED:
            raise Conflict("该隐患已整改")
        hazard.status, hazard.fixed_on, hazard.fix_note, hazard.fixed_by = (
            HazardStatus.FIXED,
            fixed,
            note,
            actor,
        )
        hazard.save(update_fields=["status", "fixed_on", "fix_note", "fixed_by"])
        audit_record(
            actor=actor,
            action="gridwork.hazard.fix",
            obj=hazard,
            changes={
                "status": [HazardStatus.OPEN, HazardStatus.FIXED],
                "fixed_on": [None, fixed.isoformat()],
            },
        )
    return hazard


def report_submit(
    *,
    actor: Any,
    category: str,
    title: str,
    content: str,
    reported_at: datetime | None = None,
    staff_id: int | None = None,
) -> InfoReport:
    """Send an information report (信息报送) to the station."""
    if category not in ReportCategory.values:
        raise ServiceError("请选择信息类别", {"category": "请选择信息类别"})
    staff = _worker(actor, staff_id)
    title = _text(title, "title", "请填写标题", 80)
    content = _text(content, "content", "请填写报送内容", 4000)
    at = _moment(reported_at, "reported_at")
    with transaction.atomic():
        report = InfoReport.objects.create(
            staff=staff,
            village=staff.village,
            station=staff.station,
            category=category,
            title=title,
            content=content,
            reported_at=at,
            recorded_by=actor,
        )
        report.number = f"XB{timezone.localtime(at).year}{report.pk:06d}"
        report.save(update_fields=["number"])
        audit_record(
            actor=actor, action="gridwork.report", obj=report, changes={"category": [None, category]}
        )
    return report


def _report_for_handling(actor: Any, report_id: int) -> InfoReport:
    require(actor, "community.manage")
    return _visible(
        actor,
        "community.manage",
        InfoReport.objects.select_related("village__parent", "staff"),
        report_id,
    )


def _lock_pending(report: InfoReport) -> InfoReport:
    locked = InfoReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.SUBMITTED:
        raise Conflict(f"信息 {locked.number} 已处理")
    return locked


def _report_narrative(report: InfoReport) -> str:
    return f"【网格信息报送 {report.number}，报送人：{report.staff.name}】{report.title}：{report.content}"


def report_to_incident(
    *,
    actor: Any,
    report_id: int,
    category: str,
    subcategory: str,
    priority: int = Priority.NORMAL,
    note: str = "",
) -> Incident:
    """Turn an information report into an incident (转警情) with one action; the report links to it and
    counts as adopted (采用)."""
    report = _report_for_handling(actor, report_id)
    require(actor, "incident.create")
    with transaction.atomic():
        locked = _lock_pending(report)
        result = incident_create(
            actor=actor,
            # Passed on to the station by the grid worker: the taxonomy has no "grid" source.
            source=Source.TRANSFERRED,
            village_code=report.village.code,
            category=category,
            subcategory=subcategory,
            narrative=_report_narrative(report),
            priority=priority,
            idempotency_key=f"community-report-{report.pk}",
        )
        incident = result.incident
        locked.status, locked.incident = ReportStatus.ADOPTED, incident
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.handling_note = note.strip() or f"转为警情 {incident.number}"
        locked.save(update_fields=["status", "incident", "handled_by", "handled_at", "handling_note"])
        audit_record(
            actor=actor,
            action="community.report.to_incident",
            obj=locked,
            changes={
                "status": [ReportStatus.SUBMITTED, ReportStatus.ADOPTED],
                "incident": [None, incident.number],
            },
        )
    return incident


def report_to_dispute(
    *,
    actor: Any,
    report_id: int,
    kind: str,
    parties: list[PartyInput],
    relationship: str = "",
    risk_level: str = "",
    note: str = "",
) -> Dispute:
    """Turn an information report into a dispute (转矛盾纠纷, source 网格排查) with one action."""
    report = _report_for_handling(actor, report_id)
    require(actor, "dispute.create")
    with transaction.atomic():
        locked = _lock_pending(report)
        dispute = dispute_create(
            actor=actor,
            source=DisputeSource.SCREENING,
            kind=kind,
            village_id=report.village_id,
            description=_report_narrative(report),
            parties=parties,
            relationship=relationship,
            risk_level=risk_level,
        )
        locked.status, locked.dispute = ReportStatus.ADOPTED, dispute
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.handling_note = note.strip() or f"转为矛盾纠纷 {dispute.number}"
        locked.save(update_fields=["status", "dispute", "handled_by", "handled_at", "handling_note"])
        audit_record(
            actor=actor,
            action="community.report.to_dispute",
            obj=locked,
            changes={
                "status": [ReportStatus.SUBMITTED, ReportStatus.ADOPTED],
                "dispute": [None, dispute.number],
            },
        )
    return dispute


def report_decide(*, actor: Any, report_id: int, adopted: bool, note: str) -> InfoReport:
    """Adopt a report without converting it (e.g. passed to another department), or record why it is not
    adopted (不予采用); the reason is required either way."""
    report = _report_for_handling(actor, report_id)
    note = _text(note, "note", "请填写处理意见", 1000)
    target = ReportStatus.ADOPTED if adopted else ReportStatus.NOT_ADOPTED
    with transaction.atomic():
        locked = _lock_pending(report)
        locked.status, locked.handled_by, locked.handled_at, locked.handling_note = (
            target,
            actor,
            timezone.now(),
            note,
        )
        locked.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
        audit_record(
            actor=actor,
            action="community.report.decide",
            obj=locked,
            changes={"status": [ReportStatus.SUBMITTED, target]},
        )
    return locked


def daily_log_save(*, actor: Any, content: str, day: date | None = None) -> DailyLog:
    """Write (or rewrite) the assistant's log of a day (工作日志); one per day."""
    require(actor, "gridwork.record")
    staff = assistant_staff(actor)
    content = _text(content, "content", "请填写当日工作内容", 4000)
    day = _day(day, "day")
    with transaction.atomic():
        log = DailyLog.objects.select_for_update().filter(staff=staff, day=day).first()
        before = log.content if log else None
        if log is None:
            log = DailyLog.objects.create(
                staff=staff,
                village=staff.village,
                station=staff.station,
                day=day,
                content=content,
                recorded_by=actor,
            )
        else:
            log.content = content
            log.save(update_fields=["content", "updated_at"])
        audit_record(
            actor=actor,
            action="gridwork.log",
            obj=log,
            changes={"content": [before, content]}
            if before is not None
            else {"day": [None, day.isoformat()]},
        )
    return log


# --------------------------------------------------------------------------------------------------
# performance (六大员绩效)


def parse_month(value: str) -> tuple[int, int]:
    match = MONTH.match(value or "")
    if not match:
        raise ServiceError("月份格式应为 2026-11", {"month": "月份格式应为 2026-11"})
    return int(match.group(1)), int(match.group(2))


def adjustment_record(
    *, actor: Any, staff_id: int, month: str, points: Any, reason: str
) -> PerformanceAdjustment:
    """The station chief's manual adjustment of a monthly score (加减分), with its reason."""
    require(actor, "performance.manage")
    staff = _visible(actor, "performance.manage", StaffMember.objects.all(), staff_id)
    year, number = parse_month(month)
    today = timezone.localdate()
    if (year, number) > (today.year, today.month):
        raise ServiceError("不能调整未到的月份", {"month": "不能调整未到的月份"})
    try:
        value = Decimal(str(points)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ServiceError("调整分值应为数字", {"points": "调整分值应为数字"}) from None
    cap = scheme().adjustment_cap
    if not value or abs(value) > cap:
        raise ServiceError(f"调整分值应在 ±{cap} 之间且不为0", {"points": f"调整分值应在 ±{cap} 之间且不为0"})
    reason = _text(reason, "reason", "请填写调整理由", 300)
    with transaction.atomic():
        adjustment = PerformanceAdjustment.objects.create(
            staff=staff, station=staff.station, month=month, points=value, reason=reason, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action="performance.adjust",
            obj=adjustment,
            changes={"points": [None, str(value)], "reason": [None, reason]},
        )
    return adjustment


# --------------------------------------------------------------------------------------------------
# six-no assessments (六无社区)


@dataclass(frozen=True)
class CriterionVerdict:
    verdict: str
    justification: str = ""


def sixno_assess(
    *,
    actor: Any,
    community_id: int,
    year: int,
    verdicts: Mapping[str, CriterionVerdict],
    conclude: bool = False,
) -> SixNoAssessment:
    """Record the verdicts of a community's six-no assessment for a year; with `conclude`, all six are
    required and the overall verdict is given (达标 only when every criterion passes).

    A criterion with evidence (incidents or cases of the community in the year) may pass only with a
    recorded justification (说明理由) — e.g. the case was not a den in the community.
    """
    require(actor, "sixno.assess")
    community = _village(community_id, "community_id")
    station = station_of(community)
    assert station is not None
    if not _in_scope(actor, station):
        _deny(actor, "sixno.assess", obj=community)
        raise Http404
    if year < 2000 or year > timezone.localdate().year:
        raise ServiceError("年度无效", {"year": "年度无效"})
    if SixNoAssessment.objects.filter(
        community=community, year=year, status=AssessmentStatus.CONCLUDED
    ).exists():
        raise Conflict(f"{community.name}{year}年六无评估已评定")
    items = {item.key: item for item in criteria().items}
    errors: dict[str, str] = {}
    for key, given in verdicts.items():
        if key not in items:
            errors[key] = "未知评估项"
        elif given.verdict not in Verdict.values:
            errors[key] = "请评定达标或不达标"
    if conclude and (missing := [k for k in items if k not in verdicts]):
        for key in missing:
            errors[key] = "评定前须逐项给出结论"
    if errors:
        raise ServiceError("六无评估信息有误，请修改后再提交", errors)
    evidence = evidence_for(community, year)
    for key, given in verdicts.items():
        if given.verdict == Verdict.PASS and evidence[key] and not given.justification.strip():
            errors[key] = (
                f"该社区{year}年有相关案（事）件（{'、'.join(evidence[key].numbers()[:3])}），"
                "判定“达标”须填写说明理由"
            )
    if errors:
        raise ServiceError("有相关案（事）件的评估项判定达标须说明理由", errors)
    with transaction.atomic():
        assessment, _created = SixNoAssessment.objects.select_for_update().get_or_create(
            community=community, year=year, defaults={"station": station, "created_by": actor}
        )
        if assessment.status == AssessmentStatus.CONCLUDED:
            raise Conflict(f"{community.name}{year}年六无评估已评定")
        for key, given in verdicts.items():
            SixNoResult.objects.update_or_create(
                assessment=assessment,
                criterion=key,
                defaults={
                    "verdict": given.verdict,
                    "justification": given.justification.strip(),
                    "evidence": evidence[key].numbers(),
                    "recorded_by": actor,
                },
            )
        if conclude:
            passed = all(v.verdict == Verdict.PASS for v in verdicts.values())
            assessment.status = AssessmentStatus.CONCLUDED
            assessment.verdict = Verdict.PASS if passed else Verdict.FAIL
            assessment.concluded_at, assessment.concluded_by = timezone.now(), actor
            assessment.save(update_fields=["status", "verdict", "concluded_at", "concluded_by", "updated_at"])
        audit_record(
            actor=actor,
            action="sixno.assess",
            obj=assessment,
            changes={
                "verdicts": [None, {k: v.verdict for k, v in verdicts.items()}],
                "concluded": [None, conclude],
            },
        )
    return assessment


# --------------------------------------------------------------------------------------------------
# dialogue meetings (警民恳谈) and tasks


@dataclass(frozen=True)
class ConcernInput:
    text: str
    raised_by: str = ""


def meeting_record(
    *,
    actor: Any,
    village_id: int,
    held_on: date | None,
    place: str,
    attendees: str,
    concerns: list[ConcernInput],
    attendee_count: int = 0,
    summary: str = "",
) -> DialogueMeeting:
    """Record a police–public dialogue meeting (警民恳谈会) and the concerns raised at it."""
    require(actor, "community.manage")
    village = _village(village_id)
    station = station_of(village)
    assert station is not None
    if not _in_scope(actor, station):
        _deny(actor, "community.manage", obj=village)
        raise Http404
    held = _day(held_on, "held_on", default_today=False)
    place = _text(place, "place", "请填写地点", 100)
    attendees = _text(attendees, "attendees", "请填写参加人员", 300)
    texts = [c for c in concerns if c.text.strip()]
    if not texts:
        raise ServiceError("请至少记录一条群众反映的问题", {"concerns": "请至少记录一条群众反映的问题"})
    with transaction.atomic():
        meeting = DialogueMeeting.objects.create(
            station=station,
            village=village,
            held_on=held,
            place=place,
            host=actor,
            attendees=attendees,
            attendee_count=max(0, int(attendee_count or 0)),
            summary=summary.strip(),
            recorded_by=actor,
        )
        Concern.objects.bulk_create(
            [Concern(meeting=meeting, text=c.text.strip(), raised_by=c.raised_by.strip()[:60]) for c in texts]
        )
        audit_record(
            actor=actor, action="community.meeting", obj=meeting, changes={"concerns": [None, len(texts)]}
        )
    return meeting


def _open_concern(actor: Any, concern_id: int) -> Concern:
    require(actor, "community.manage")
    concern = (
        Concern.objects.select_related("meeting__station", "meeting__village").filter(pk=concern_id).first()
    )
    if concern is None or not _in_scope(actor, concern.meeting.station):
        _deny(actor, "community.manage", object_type="community.concern", object_id=concern_id)
        raise Http404
    return concern


def _lock_open_concern(concern: Concern) -> Concern:
    locked = Concern.objects.select_for_update().select_related("meeting").get(pk=concern.pk)
    if locked.outcome != ConcernOutcome.OPEN:
        raise Conflict("该问题已处理")
    return locked


def _concern_narrative(concern: Concern) -> str:
    who = f"（{concern.raised_by}反映）" if concern.raised_by else ""
    return f"【{concern.meeting.held_on:%Y-%m-%d} 警民恳谈会{who}】{concern.text}"


def concern_to_dispute(
    *, actor: Any, concern_id: int, kind: str, parties: list[PartyInput], relationship: str = ""
) -> Dispute:
    """A concern becomes a dispute (source 警民恳谈)."""
    concern = _open_concern(actor, concern_id)
    with transaction.atomic():
        locked = _lock_open_concern(concern)
        dispute = dispute_create(
            actor=actor,
            source=DisputeSource.DIALOGUE,
            kind=kind,
            village_id=concern.meeting.village_id,
            description=_concern_narrative(concern),
            parties=parties,
            relationship=relationship,
        )
        locked.outcome, locked.dispute = ConcernOutcome.DISPUTE, dispute
        locked.save(update_fields=["outcome", "dispute"])
        audit_record(
            actor=actor,
            action="community.concern.to_dispute",
            obj=locked,
            changes={"dispute": [None, dispute.number]},
        )
    return dispute


def concern_to_incident(
    *, actor: Any, concern_id: int, category: str, subcategory: str, priority: int = Priority.NORMAL
) -> Incident:
    """A concern becomes an incident (reported to the police in person at the meeting)."""
    concern = _open_concern(actor, concern_id)
    require(actor, "incident.create")
    with transaction.atomic():
        locked = _lock_open_concern(concern)
        incident = incident_create(
            actor=actor,
            source=Source.WALK_IN,
            village_code=concern.meeting.village.code,
            category=category,
            subcategory=subcategory,
            narrative=_concern_narrative(concern),
            priority=priority,
            idempotency_key=f"community-concern-{concern.pk}",
        ).incident
        locked.outcome, locked.incident = ConcernOutcome.INCIDENT, incident
        locked.save(update_fields=["outcome", "incident"])
        audit_record(
            actor=actor,
            action="community.concern.to_incident",
            obj=locked,
            changes={"incident": [None, incident.number]},
        )
    return incident


def _owner(actor: Any, owner_id: int | None) -> User:
    owner = (
        User.objects.select_related("unit").filter(pk=owner_id, is_active=True).first() if owner_id else None
    )
    if owner is None or not _in_scope(actor, owner.unit.operational_unit()):
        raise ServiceError("请选择本单位的责任人", {"owner_id": "请选择本单位的责任人"})
    return owner


def concern_to_task(
    *, actor: Any, concern_id: int, title: str, owner_id: int, due_on: date | None, detail: str = ""
) -> Task:
    """A concern becomes a task (交办) with an owner and a due date."""
    concern = _open_concern(actor, concern_id)
    title = _text(title, "title", "请填写任务", 120)
    owner = _owner(actor, owner_id)
    if due_on is None:
        raise ServiceError("请填写完成期限", {"due_on": "请填写完成期限"})
    with transaction.atomic():
        locked = _lock_open_concern(concern)
        task = Task.objects.create(
            station=concern.meeting.station,
            title=title,
            detail=(detail.strip() or concern.text),
            owner=owner,
            due_on=due_on,
            created_by=actor,
        )
        locked.outcome, locked.task = ConcernOutcome.TASK, task
        locked.save(update_fields=["outcome", "task"])
        audit_record(
            actor=actor,
            action="community.task.create",
            obj=task,
            changes={"owner": [None, owner.username], "due_on": [None, due_on.isoformat()]},
        )
    return task


def concern_answer(*, actor: Any, concern_id: int, answer: str) -> Concern:
    """Record that a concern was answered on the spot (当场答复)."""
    concern = _open_concern(actor, concern_id)
    answer = _text(answer, "answer", "请填写答复情况", 1000)
    with transaction.atomic():
        locked = _lock_open_concern(concern)
        locked.outcome, locked.answer = ConcernOutcome.ANSWERED, answer
        locked.save(update_fields=["outcome", "answer"])
        audit_record(actor=actor, action="community.concern.answer", obj=locked)
    return locked


def task_complete(*, actor: Any, task_id: int, note: str, done_on: date | None = None) -> Task:
    """The owner (or the station's staff) records that a task is done (办结)."""
    task = Task.objects.select_related("station").filter(pk=task_id).first()
    allowed = task is not None and (
        task.owner_id == actor.pk
        or (has_capability(actor, "community.manage") and _in_scope(actor, task.station))
    )
    if not allowed:
        _deny(actor, "community.task.complete", object_type="community.task", object_id=task_id)
        raise Http404
    assert task is not None
    note = _text(note, "note", "请填写办理情况", 1000)
    done = _day(done_on, "done_on")
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.status == TaskStatus.DONE:
            raise Conflict("该任务已办结")
        task.status, task.done_on, task.done_note = TaskStatus.DONE, done, note
        task.save(update_fields=["status", "done_on", "done_note"])
        audit_record(
            actor=actor,
            action="community.task.complete",
            obj=task,
            changes={"status": [TaskStatus.OPEN, TaskStatus.DONE]},
        )
    return task
