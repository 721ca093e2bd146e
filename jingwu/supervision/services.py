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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, partial
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, scope_of_unit
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.legaltime import HolidayCalendar
from jingwu.supervision.catalogue import catalogue
from jingwu.supervision.engine import Finding, Status, TimelineError, evaluate, timeline_from_dict
from jingwu.supervision.models import (
    FINAL_STATUSES,
    OPEN_NOTICE_STATUSES,
    OPEN_STATUSES,
    Deadline,
    DeadlineStatus,
    NoticeAction,
    NoticeEntry,
    NoticeKind,
    NoticeNumberCounter,
    NoticeStatus,
    SupervisionNotice,
)
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
        if self.done:  # refreshed already, inside the transaction (deadlines_refresh_in_transaction)
            return
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


def deadlines_refresh_many_on_commit(subjects: Iterable[tuple[str, int]]) -> None:
    """After the commit, refresh many subjects' deadlines in one transaction (a bulk intake's incidents):
    one commit for the batch instead of one per subject. Each subject in a savepoint of its own, so one
    failing refresh is logged and the others still land."""
    wanted = sorted({(t, i) for t, i in subjects if t in SUBJECT_TYPES})
    if not wanted:
        return

    def refresh() -> None:
        with transaction.atomic():
            for subject_type, subject_id in _with_clocks(wanted, timezone.now()):
                try:
                    with transaction.atomic():
                        deadlines_refresh(subject_type=subject_type, subject_id=subject_id)
                except Exception:
                    logger.exception("deadline refresh of %s %s failed", subject_type, subject_id)

    transaction.on_commit(refresh, robust=True)


def _with_clocks(subjects: list[tuple[str, int]], at: datetime) -> list[tuple[str, int]]:
    """The subjects whose refresh can change something: every case, and the incidents that have a
    deadline row already or whose timeline yields a finding — read with two queries for all of them. A
    call only received has no clock yet (the 110 arrival clock starts at dispatch): most of a bulk intake."""
    incidents = [i for t, i in subjects if t == "incident"]
    if not incidents:
        return subjects
    with_rows = set(
        Deadline.objects.filter(subject_type="incident", subject_id__in=incidents).values_list(
            "subject_id", flat=True
        )
    )
    events: dict[int, list[LegalEvent]] = defaultdict(list)
    for event in LegalEvent.objects.filter(subject_type="incident", subject_id__in=incidents).order_by(
        "at", "id"
    ):
        events[event.subject_id].append(event)
    kind = incident_case_kind()
    return [
        (t, i) for t, i in subjects if t != "incident" or i in with_rows or _findings(events[i], kind, at)
    ]


def deadlines_refresh_in_transaction(*, subject_type: str, subject_id: int) -> None:
    """Refresh the subject's deadlines now, inside the caller's transaction, instead of in a transaction
    (and a commit) of its own after it: for a write that records its last event of the subject and
    commits at once (受案). The refreshes its events scheduled at this same savepoint level are dropped —
    this one has seen them; one rolled back with this level is dropped with them. Events recorded later
    schedule a new refresh. A failing refresh is logged and rolled back to its savepoint, and the one
    after the commit stays scheduled, as before."""
    subject, savepoints = (subject_type, subject_id), set(connection.savepoint_ids)
    pending = [
        scheduled
        for sids, scheduled, *_ in getattr(connection, "run_on_commit", ())
        if isinstance(scheduled, _Refresh)
        and not scheduled.done
        and (scheduled.subject, set(sids)) == (subject, savepoints)
    ]
    try:
        deadlines_refresh(subject_type=subject_type, subject_id=subject_id)
    except Exception:
        logger.exception("deadline refresh of %s %s failed; retried after the commit", *subject)
        deadlines_refresh_on_commit(subject_type=subject_type, subject_id=subject_id)
        return
    for scheduled in pending:
        scheduled.done = True


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
            # Once the moves are committed: one bulk round of in-app messages (and outbox rows).
            transaction.on_commit(partial(deadlines_notify, result), robust=True)
            audit_record(
                actor=SWEEP_ACTOR,
                action="supervision.sweep",
                object_type="supervision.deadline",
                object_label=f"期限巡检：新增预警 {result.warnings}，新增超期 {result.breaches}",
                changes={"warning": result.warnings, "breach": result.breaches, "at": now.isoformat()},
            )
    return result


# ----------------------------------------------------------------------------------------------------------
# Notifications of the sweep (超期告警、期限预警)


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def deadlines_notify(result: SweepResult) -> int:
    """Tell people what the sweep moved (run once its transaction has committed).

    A new breach goes to the responsible officer, the unit chiefs and the legal officers whose scope
    covers the deadline's unit or station, in-app and through the outbox where configured; a new
    warning goes to the responsible officer only, in-app. The sweep finds each entry into warning or
    breach exactly once, so each is announced once. Queries are per batch of deadlines (rows, subject
    labels, the overseers of the batch's units), never per deadline.
    """
    from jingwu.notifications.models import NotificationKind
    from jingwu.notifications.services import Message, notify_bulk
    from jingwu.supervision.recipients import overseers
    from jingwu.supervision.selectors import subject_labels

    messages: list[Message] = []
    for ids, breach in ((result.breach_ids, True), (result.warning_ids, False)):
        for i in range(0, len(ids), _UPDATE_CHUNK):
            rows = list(
                Deadline.objects.filter(pk__in=ids[i : i + _UPDATE_CHUNK]).only(
                    "subject_type",
                    "subject_id",
                    "title",
                    "citation",
                    "due_at",
                    "unit_id",
                    "station_id",
                    "officer_id",
                )
            )
            labels = subject_labels(rows)
            covered = overseers({d.unit_id for d in rows} | {d.station_id for d in rows}) if breach else {}
            for d in rows:
                label = labels.get((d.subject_type, d.subject_id), f"{d.subject_type}#{d.subject_id}")
                if breach:
                    recipients = (
                        {d.officer_id} | covered.get(d.unit_id, set()) | covered.get(d.station_id, set())
                    )
                    title = f"超期告警：{d.title}"
                    body = f"{label}：{d.title}已于 {_local(d.due_at)} 届满，现已超期。"
                    body += f"\n依据：{d.citation[:300]}" if d.citation else ""
                    kind = NotificationKind.DEADLINE_BREACH
                else:
                    recipients = {d.officer_id}
                    title = f"期限预警：{d.title}"
                    body = f"{label}：{d.title}将于 {_local(d.due_at)} 届满，请及时办理。"
                    kind = NotificationKind.DEADLINE_WARNING
                messages += [
                    Message(
                        recipient_id=pk, kind=kind, title=title, body=body, url=d.subject_url, external=breach
                    )
                    for pk in sorted(r for r in recipients if r is not None)
                ]
    return notify_bulk(messages=messages, actor=SWEEP_ACTOR)


# ----------------------------------------------------------------------------------------------------------
# Supervision notices (执法监督通知书) and procurators' opinions (检察监督意见)


class NotAllowed(ServiceError):
    """The actor sees the notice but this step is not theirs (answered 403, with the reason)."""

    status_code = 403


def issue_action(kind: str) -> str:
    """The capability that issues (and accepts or reopens) a notice of this kind."""
    return "opinion.issue" if kind == NoticeKind.PROCURATOR_OPINION else "notice.issue"


def _next_notice_number(kind: str, year: int) -> str:
    """The next number of the kind in the year, from a counter row updated in the caller's transaction
    (its row lock makes concurrent issues wait; the unique column guards it)."""
    try:
        with transaction.atomic():
            NoticeNumberCounter.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass  # another transaction created the row first
    NoticeNumberCounter.objects.filter(kind=kind, year=year).update(last=F("last") + 1)
    last = NoticeNumberCounter.objects.get(kind=kind, year=year).last
    return catalogue().number(kind, year, last)


def _responders(notice: SupervisionNotice) -> set[int]:
    """Who answers for the notice: the chiefs covering its unit, and the case's lead officer."""
    from jingwu.supervision.recipients import CHIEF, overseers

    people = overseers([notice.unit_id], roles=[CHIEF]).get(notice.unit_id, set())
    if notice.case.lead_officer_id:
        people.add(notice.case.lead_officer_id)
    return people


def may_respond(actor: Any, notice: SupervisionNotice) -> bool:
    """The unit's side of a notice: a chief whose scope covers the unit, or the case's lead officer."""
    if not has_capability(actor, "notice.respond"):
        return False
    if notice.case.lead_officer_id == actor.pk:
        return True
    return "unit_chief" in actor.role_codes and scope_of_unit(actor.unit).contains(notice.unit.path)


def may_review(actor: Any, notice: SupervisionNotice) -> bool:
    """The issuing side: legal affairs for notices, procurators for their opinions."""
    return has_capability(actor, issue_action(notice.kind))


def _refuse(actor: Any, action: str, notice: SupervisionNotice, message: str) -> NotAllowed:
    audit_record(actor=actor, action=action, obj=notice, outcome=Outcome.DENIED)
    return NotAllowed(message)


def _notify_on_commit(
    recipients: Iterable[int], kind: str, notice: SupervisionNotice, title: str, body: str, actor: Any
) -> None:
    from jingwu.notifications.services import notify

    people = [pk for pk in recipients if pk != actor.pk]
    url = f"/supervision/notices/{notice.pk}/"
    transaction.on_commit(
        partial(notify, recipients=people, kind=kind, title=title, body=body, url=url, actor=actor),
        robust=True,
    )


def notice_issue(
    *,
    actor: Any,
    case_id: int,
    kind: str,
    defect: str,
    description: str,
    rectify_by: date | None,
    opinion_type: str = "",
    requirement: str = "",
    deadline_id: int | None = None,
) -> SupervisionNotice:
    """下发执法监督通知书 (legal affairs, any case) or 检察监督意见 (a procurator, a criminal case they see),
    asking the case's handling unit to rectify by ``rectify_by``; optionally about a breached deadline."""
    from jingwu.cases.services import visible_case
    from jingwu.notifications.models import NotificationKind

    if kind not in NoticeKind.values:
        raise ServiceError("监督类别无效", {"kind": "请选择执法监督通知书或检察监督意见"})
    require(actor, issue_action(kind))
    case = visible_case(actor, case_id)  # procurators: criminal cases only, others are a 404
    if kind == NoticeKind.PROCURATOR_OPINION and case.kind != "criminal":
        raise ServiceError("检察监督意见只能针对刑事案件", {"case_id": "请选择刑事案件"})
    cat = catalogue()
    errors: dict[str, str] = {}
    description, requirement = description.strip(), requirement.strip()
    if defect not in cat.defects:
        errors["defect"] = "请选择问题类型"
    if not description:
        errors["description"] = "请写明发现的问题"
    if rectify_by is None:
        errors["rectify_by"] = "请填写整改期限"
    elif rectify_by < timezone.localdate():
        errors["rectify_by"] = "整改期限不能早于今天"
    if kind == NoticeKind.PROCURATOR_OPINION:
        if opinion_type not in cat.opinion_types:
            errors["opinion_type"] = "请选择检察监督文书类型"
    else:
        opinion_type = ""
    deadline = None
    if deadline_id is not None:
        deadline = Deadline.objects.filter(pk=deadline_id, subject_type="case", subject_id=case.pk).first()
        if deadline is None:
            errors["deadline_id"] = "该期限不属于本案"
        elif deadline.status not in (DeadlineStatus.BREACH, DeadlineStatus.MET_LATE):
            errors["deadline_id"] = "只能就已超期的期限下发通知"
    if errors:
        raise ServiceError("监督通知内容有误，请修改后再提交", errors)
    if deadline is not None:
        earlier = SupervisionNotice.objects.filter(deadline=deadline, kind=kind).exclude(
            status=NoticeStatus.ACCEPTED
        )
        if (existing := earlier.first()) is not None:
            raise Conflict(f"该超期事项已下发 {existing.number}，尚未验收", existing_id=existing.pk)
    now = timezone.now()
    with transaction.atomic():
        notice = SupervisionNotice.objects.create(
            number=_next_notice_number(kind, timezone.localtime(now).year),
            kind=kind,
            case=case,
            unit_id=case.handling_unit_id or case.reviewing_unit_id,
            deadline=deadline,
            defect=defect,
            opinion_type=opinion_type,
            description=description,
            requirement=requirement,
            issued_by=actor,
            issued_at=now,
            rectify_by=rectify_by,
            status=NoticeStatus.ISSUED,
        )
        NoticeEntry.objects.create(
            notice=notice, action=NoticeAction.ISSUED, actor=actor, at=now, text=description
        )
        audit_record(
            actor=actor,
            action="notice.issue",
            obj=notice,
            changes={
                "case": case.number,
                "kind": kind,
                "defect": defect,
                "opinion_type": opinion_type,
                "rectify_by": rectify_by.isoformat(),  # type: ignore[union-attr]
                "deadline": deadline.pk if deadline else None,
            },
        )
        name = cat.opinion_types[opinion_type].name if opinion_type else notice.get_kind_display()
        _notify_on_commit(
            _responders(notice),
            NotificationKind.NOTICE_ISSUED,
            notice,
            f"{name} {notice.number}：{case.number} {case.title}",
            f"{cat.defects[defect]}：{description}\n请于 {rectify_by:%Y-%m-%d} 前整改并反馈。",  # type: ignore[union-attr]
            actor,
        )
    return notice


def visible_notice(actor: Any, notice_id: int) -> SupervisionNotice:
    """The notice if the actor may see it; a 404 (audited) otherwise. Call before a transaction."""
    from jingwu.supervision.selectors import notices_for

    require(actor, "notice.view")
    notice = notices_for(actor=actor).filter(pk=notice_id).first()
    if notice is None:
        audit_record(
            actor=actor,
            action="notice.view",
            object_type="supervision.supervisionnotice",
            object_id=notice_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return notice


def _locked_notice(notice_id: int) -> SupervisionNotice:
    return SupervisionNotice.objects.select_for_update(of=("self",)).select_related("case").get(pk=notice_id)


def notice_respond(*, actor: Any, notice_id: int, text: str) -> SupervisionNotice:
    """整改反馈: the unit (its chief, or the case's lead officer) reports what it did."""
    from jingwu.notifications.models import NotificationKind

    require(actor, "notice.respond")
    notice = visible_notice(actor, notice_id)
    if not may_respond(actor, notice):
        raise _refuse(actor, "notice.respond", notice, "只有整改单位负责人或本案主办民警可以反馈整改情况")
    text = text.strip()
    if not text:
        raise ServiceError("请填写整改情况", {"text": "请写明已采取的整改措施"})
    now = timezone.now()
    with transaction.atomic():
        notice = _locked_notice(notice_id)
        if notice.status not in OPEN_NOTICE_STATUSES:
            raise Conflict(f"该通知当前为“{notice.get_status_display()}”，不能再反馈整改情况")
        notice.status, notice.responded_at = NoticeStatus.RESPONDED, now
        notice.save(update_fields=["status", "responded_at"])
        NoticeEntry.objects.create(
            notice=notice, action=NoticeAction.RESPONDED, actor=actor, at=now, text=text
        )
        audit_record(
            actor=actor, action="notice.respond", obj=notice, changes={"status": ["", notice.status]}
        )
        _notify_on_commit(
            [notice.issued_by_id],
            NotificationKind.NOTICE_RESPONDED,
            notice,
            f"{notice.number} 已反馈整改情况",
            f"{actor.full_name}（{actor.unit.name}）：{text}",
            actor,
        )
    return notice


def notice_review(*, actor: Any, notice_id: int, decision: str, comment: str = "") -> SupervisionNotice:
    """验收 (accept) or 退回重改 (reopen, with the reason) a responded notice; the issuing side only."""
    from jingwu.notifications.models import NotificationKind

    if decision not in ("accept", "reopen"):
        raise ServiceError("请选择验收通过或退回重改", {"decision": "请选择验收通过或退回重改"})
    notice = visible_notice(actor, notice_id)
    action = f"notice.{decision}"
    if not may_review(actor, notice):
        who = "检察官" if notice.kind == NoticeKind.PROCURATOR_OPINION else "法制大队"
        raise _refuse(actor, action, notice, f"只有{who}可以验收或退回{notice.get_kind_display()}")
    comment = comment.strip()
    if decision == "reopen" and not comment:
        raise ServiceError("退回重改须写明理由", {"comment": "请写明退回理由和整改要求"})
    now = timezone.now()
    with transaction.atomic():
        notice = _locked_notice(notice_id)
        if notice.status in OPEN_NOTICE_STATUSES:
            raise Conflict("整改单位尚未反馈整改情况，不能验收或退回")
        if notice.status != NoticeStatus.RESPONDED:
            raise Conflict(f"该通知当前为“{notice.get_status_display()}”，不能再验收或退回")
        before = notice.status
        if decision == "accept":
            notice.status, notice.accepted_at = NoticeStatus.ACCEPTED, now
            entry_action, kind, verb = NoticeAction.ACCEPTED, NotificationKind.NOTICE_ACCEPTED, "已验收通过"
        else:
            notice.status = NoticeStatus.REOPENED
            entry_action, kind, verb = NoticeAction.REOPENED, NotificationKind.NOTICE_REOPENED, "被退回重改"
        notice.save(update_fields=["status", "accepted_at"])
        NoticeEntry.objects.create(notice=notice, action=entry_action, actor=actor, at=now, text=comment)
        audit_record(
            actor=actor,
            action=action,
            obj=notice,
            changes={"status": [before, notice.status], "comment": comment},
        )
        _notify_on_commit(
            _responders(notice),
            kind,
            notice,
            f"{notice.number} {verb}",
            comment or f"{actor.full_name}：整改情况验收通过。",
            actor,
        )
    return notice


def notice_accept(*, actor: Any, notice_id: int, comment: str = "") -> SupervisionNotice:
    return notice_review(actor=actor, notice_id=notice_id, decision="accept", comment=comment)


def notice_reopen(*, actor: Any, notice_id: int, comment: str) -> SupervisionNotice:
    return notice_review(actor=actor, notice_id=notice_id, decision="reopen", comment=comment)
