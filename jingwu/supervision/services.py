"""Derived deadlines (执法监督期限) in the running system: evaluated on each change, swept each minute.

- :func:`deadlines_refresh` evaluates one subject's legal timeline (a case or an incident) with the shipped
  rules and holiday calendar and rewrites its :class:`~jingwu.supervision.models.Deadline` rows. It runs
  after the commit of every transaction that records a legal event (the post_save receiver below).
- :func:`deadlines_sweep` moves deadlines into warning and breach as time passes, with two index range
  scans — (status, warn_from) and (status, due_at) — and never loads a case.

Who moves a clock into warning or breach: the sweep, and only the sweep. The refresh stores what the
engine says, except that it never lets a deadline *newly* enter warning or breach: an open clock keeps at
most the level the sweep has already announced (a stamped ``notified_*_at``) and is otherwise stored as
``pending``; its ``warn_from`` / ``due_at`` being in the past makes the very next sweep (within the minute)
flag it and stamp it. So every entry into warning or breach is found — and later notified — exactly once,
by one query, whether time passed or a late entry put it behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jingwu.audit.services import audit_record
from jingwu.core.legaltime import HolidayCalendar
from jingwu.supervision.engine import Finding, Status, TimelineError, evaluate, timeline_from_dict
from jingwu.supervision.models import FINAL_STATUSES, OPEN_STATUSES, Deadline, DeadlineStatus
from jingwu.supervision.rules import CASE_KINDS, KEY_FIELDS, RuleSet, load_rules
from jingwu.timeline.models import LegalEvent

logger = logging.getLogger(__name__)

SUBJECT_TYPES = ("case", "incident")
SWEEP_ACTOR = SimpleNamespace(username="system:supervision", is_authenticated=False)
_UPDATE_CHUNK = 500
_LEVEL = {DeadlineStatus.PENDING: 0, DeadlineStatus.WARNING: 1, DeadlineStatus.BREACH: 2}
_OF_LEVEL = {level: status for status, level in _LEVEL.items()}


# ----------------------------------------------------------------------------------------------------------
# The rules and the calendar, loaded once per process


@cache
def shipped_rules() -> RuleSet:
    """The rules the project carries (jingwu/data/legal_rules.yaml), validated once per process."""
    return load_rules()


@cache
def shipped_calendar() -> HolidayCalendar:
    """The official holiday calendar the project carries (jingwu/data/holidays.yaml)."""
    return HolidayCalendar.from_yaml()


@cache
def incident_case_kind() -> str:
    """The case kind an incident's timeline is evaluated as: one to which every rule started by an
    incident event (the 110 rules D110-*) applies."""
    rules = shipped_rules()
    incident_codes = {code for code, event in rules.vocabulary.events.items() if event.subject == "incident"}
    started = [rule for rule in rules if incident_codes & set(rule.starts_on)]
    for kind in CASE_KINDS:
        if all(kind in rule.applies.case_kind for rule in started):
            return kind
    return CASE_KINDS[0]


# ----------------------------------------------------------------------------------------------------------
# Refresh


@dataclass(frozen=True)
class _Responsible:
    case_kind: str
    unit_id: int
    station_id: int | None
    officer_id: int | None


def _responsible(subject_type: str, subject_id: int) -> _Responsible | None:
    """The subject's kind and who answers for its deadlines; the subject's row is locked (one refresh of a
    subject at a time). None when the subject does not exist."""
    if subject_type == "case":
        from jingwu.cases.models import Case

        case = (
            Case.objects.select_for_update(of=("self",))
            .filter(pk=subject_id)
            .only("kind", "handling_unit_id", "reviewing_unit_id", "station_id", "lead_officer_id")
            .first()
        )
        if case is None:
            return None
        return _Responsible(
            case_kind=case.kind,
            unit_id=case.handling_unit_id or case.reviewing_unit_id,
            station_id=case.station_id,
            officer_id=case.lead_officer_id,
        )
    if subject_type == "incident":
        from jingwu.incidents.models import Incident

        incident = (
            Incident.objects.select_for_update(of=("self",))
            .filter(pk=subject_id)
            .only("unit_id", "station_id")
            .first()
        )
        if incident is None:
            return None
        return _Responsible(
            case_kind=incident_case_kind(),
            unit_id=incident.unit_id,
            station_id=incident.station_id,
            officer_id=None,
        )
    raise ValueError(f"unknown subject type {subject_type!r} (known: {SUBJECT_TYPES})")


def _findings(events: Iterable[LegalEvent], case_kind: str, at: datetime) -> list[Finding]:
    try:
        timeline = timeline_from_dict(
            {"case_kind": case_kind, "events": [event.as_engine_event() for event in events]}
        )
    except TimelineError as exc:
        return [Finding(rule_id=None, status=Status.ERROR, message=str(exc))]
    return evaluate(timeline, at, shipped_rules(), shipped_calendar())


def _identity(finding: Finding, seen: set[tuple[str, str]]) -> tuple[str, str]:
    """The (rule_id, key) of a finding's row. Error findings get their own rows, numbered when several
    share a rule and key, so that they never overwrite a clock's row."""
    if finding.status is Status.ERROR:
        rule_id = f"ERR:{finding.rule_id or 'timeline'}"
        base = next((str(getattr(finding, k)) for k in KEY_FIELDS if getattr(finding, k) is not None), "")
        key, n = base, 1
        while (rule_id, key) in seen:
            n += 1
            key = f"{base}#{n}"
    else:
        rule_id = finding.rule_id or ""
        key = str(getattr(finding, finding.per) or "") if finding.per in KEY_FIELDS else ""
    seen.add((rule_id, key))
    return rule_id[:40], key[:40]


def _title(finding: Finding, rule_id: str) -> str:
    return (finding.title or ("时间线有误" if finding.status is Status.ERROR else rule_id))[:200]


def _stored_status(finding: Finding, previous: str | None) -> str:
    """The engine's status, but an open clock never rises above what the sweep has announced."""
    status = str(finding.status)
    if status not in _LEVEL:
        return status
    announced = _LEVEL.get(previous, 0) if previous is not None else 0
    return _OF_LEVEL[min(_LEVEL[status], announced)]


def deadlines_refresh(*, subject_type: str, subject_id: int, at: datetime | None = None) -> list[Deadline]:
    """Re-evaluate one subject's timeline as known at ``at`` (default now) and rewrite its deadlines:
    insert new clocks, update the others, delete the rows of rules that no longer apply."""
    at = at or timezone.now()
    with transaction.atomic():
        responsible = _responsible(subject_type, subject_id)
        existing = {
            (d.rule_id, d.key): d
            for d in Deadline.objects.filter(subject_type=subject_type, subject_id=subject_id)
        }
        if responsible is None:
            Deadline.objects.filter(subject_type=subject_type, subject_id=subject_id).delete()
            return []
        events = LegalEvent.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(
            "at", "id"
        )
        seen: set[tuple[str, str]] = set()
        new: list[Deadline] = []
        changed: list[Deadline] = []
        for finding in _findings(events, responsible.case_kind, at):
            rule_id, key = _identity(finding, seen)
            row = existing.pop((rule_id, key), None)
            status = _stored_status(finding, row.status if row else None)
            values = {
                "title": _title(finding, rule_id),
                "citation": finding.citation,
                "status": status,
                "due_at": finding.due_at,
                "warn_from": None if status in FINAL_STATUSES else finding.warn_from,
                "message": finding.message,
                "unit_id": responsible.unit_id,
                "station_id": responsible.station_id,
                "officer_id": responsible.officer_id,
                "evaluated_at": at,
            }
            if row is None:
                new.append(
                    Deadline(
                        subject_type=subject_type, subject_id=subject_id, rule_id=rule_id, key=key, **values
                    )
                )
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                changed.append(row)
        if existing:
            Deadline.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
        if changed:
            Deadline.objects.bulk_update(changed, [*values])
        if new:
            Deadline.objects.bulk_create(new)
    return [*changed, *new]


class _Refresh:
    """An on-commit callback refreshing one subject; recognisable, so a transaction that records several
    events of the same subject refreshes it once."""

    def __init__(self, subject_type: str, subject_id: int):
        self.subject = (subject_type, subject_id)
        self.done = False

    def __call__(self) -> None:
        self.done = True
        deadlines_refresh(subject_type=self.subject[0], subject_id=self.subject[1])


def deadlines_refresh_on_commit(*, subject_type: str, subject_id: int) -> None:
    """Schedule a refresh of the subject's deadlines after the current transaction commits (at once
    without one). Bulk writers of legal events (bulk_create sends no post_save) call this themselves."""
    if subject_type not in SUBJECT_TYPES:
        return
    # Already scheduled by the same atomic block (same savepoints): that refresh will see this event too.
    # Django keeps (savepoint ids, callback, robust) per scheduled callback.
    subject, savepoints = (subject_type, subject_id), set(connection.savepoint_ids)
    for sids, scheduled, *_ in getattr(connection, "run_on_commit", ()):
        if (
            isinstance(scheduled, _Refresh)
            and not scheduled.done
            and (scheduled.subject, sids) == (subject, savepoints)
        ):
            return
    # robust: a failing refresh is logged and never undoes or fails the committed step itself.
    transaction.on_commit(_Refresh(subject_type, subject_id), robust=True)


def legal_event_saved(sender: Any, instance: LegalEvent, raw: bool = False, **kwargs: Any) -> None:
    """post_save receiver on timeline.LegalEvent (connected in SupervisionConfig.ready)."""
    if raw:  # loaddata: the deadlines are rebuilt separately
        return
    deadlines_refresh_on_commit(subject_type=instance.subject_type, subject_id=instance.subject_id)


# ----------------------------------------------------------------------------------------------------------
# Sweep


@dataclass(frozen=True)
class SweepResult:
    """What one sweep moved: ids of the deadlines that newly entered warning / breach at ``at``."""

    at: datetime
    warning_ids: list[int] = field(default_factory=list)
    breach_ids: list[int] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return len(self.warning_ids)

    @property
    def breaches(self) -> int:
        return len(self.breach_ids)


def _promote(ids: list[int], *, allowed: Iterable[str], **values: Any) -> list[int]:
    """Set ``values`` on the rows ``ids`` still in an ``allowed`` status (a refresh may have met them in
    the meantime); returns the ids actually moved."""
    moved: list[int] = []
    allowed = list(allowed)
    for i in range(0, len(ids), _UPDATE_CHUNK):
        chunk = ids[i : i + _UPDATE_CHUNK]
        if Deadline.objects.filter(pk__in=chunk, status__in=allowed).update(**values) == len(chunk):
            moved.extend(chunk)
        else:  # rare: someone changed rows between the select and the update
            moved.extend(Deadline.objects.filter(pk__in=chunk, **values).values_list("pk", flat=True))
    return moved


def deadlines_sweep(*, now: datetime | None = None) -> SweepResult:
    """Move open deadlines into breach (due_at < now) and pending ones into warning (warn_from <= now).

    Two index range scans — (status, due_at) and (status, warn_from) — find them, whatever the number of
    open cases; met, met-late, cancelled, suppressed and errored deadlines are never touched. The moved
    rows are stamped (notified_breach_at / notified_warning_at = now) for the notifications, and the sweep
    writes one audit entry ("supervision.sweep") with its counts when it moved anything.

    Run every minute by ``python manage.py supervision_sweep`` (from cron for now; a django-tasks
    schedule comes later).
    """
    now = now or timezone.now()
    with transaction.atomic():
        overdue = (
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN_STATUSES, due_at__lt=now)
            .order_by()
            .values_list("pk", flat=True)
        )
        breach_ids = _promote(
            list(overdue), allowed=OPEN_STATUSES, status=DeadlineStatus.BREACH, notified_breach_at=now
        )
        warned = (
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(status=DeadlineStatus.PENDING, warn_from__lte=now)
            .order_by()
            .values_list("pk", flat=True)
        )
        warning_ids = _promote(
            list(warned),
            allowed=[DeadlineStatus.PENDING],
            status=DeadlineStatus.WARNING,
            notified_warning_at=now,
        )
        result = SweepResult(at=now, warning_ids=sorted(warning_ids), breach_ids=sorted(breach_ids))
        if result.warnings or result.breaches:
            audit_record(
                actor=SWEEP_ACTOR,
                action="supervision.sweep",
                object_type="supervision.deadline",
                object_label=f"期限巡检：新增预警 {result.warnings}，新增超期 {result.breaches}",
                changes={"warning": result.warnings, "breach": result.breaches, "at": now.isoformat()},
            )
    return result
