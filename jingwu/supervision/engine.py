"""The statutory deadline engine (执法监督期限引擎).

Given the dated legal events of one case and a moment ``at``, :func:`evaluate` tells for every applicable
rule (legal_rules.yaml) and every person / item / incident it applies to whether the obligation is
``pending``, ``warning``, ``breach``, ``met``, ``met_late``, ``suppressed`` or ``cancelled``, with the exact
``due_at`` and the moment the warning starts. It implements ``meta.semantics`` of legal_rules.yaml; the
time arithmetic itself lives in :mod:`jingwu.core.legaltime`.

How a case is evaluated
-----------------------
1. *Knowledge time.* Only events with ``recorded_at`` (default ``at``) <= ``at`` and ``at`` <= ``at`` are
   known; each known event acts at its own ``at``, so a late entry is applied retroactively once known.
   Events are sorted by ``at`` (ties keep input order): they may arrive out of order.
2. *Checks.* An unknown event code, a person/item/incident event without its key, an unknown
   ``law_version``, or an impossible sequence — an event that can only end something (met, cancel, resume,
   unsuppress) with nothing before it to end — becomes a finding with status ``error``; nothing raises.
3. *Clocks.* One clock per (rule, key); the key is the case, or the starting event's ``person`` / ``item``
   / ``incident`` according to ``per`` (a case-level start keys the clock to the case). The first
   ``starts_on`` event that matches ``start_filter`` and ``applies`` opens it. The law version is chosen by
   the local date of that event (程序从新), unless the event names a ``law_version``. Events with the clock's
   key, and case-level events (no person/item/incident), act on it.
4. *Replay.* The clock's events are replayed in time order against the current due date (rolled over
   holidays where the rule allows it):
   - ``met_by`` ends it: ``met`` if at or before due_at (or while paused/suppressed), else ``met_late``;
   - ``cancelled_by`` at or before due_at ends it as ``cancelled``; a later cancel leaves the breach;
   - ``extended_by`` at or before due_at: ``to`` recomputes from the start with the requested total,
     ``add`` adds to the total (months are totalled from the original start: 12-28 + 2 + 1 months =
     03-28); the requested amount must fit an option (the smallest fitting option gives the warning
     window); late extensions and extensions beyond ``max_times`` are ignored and not counted;
   - ``paused_by`` (filter applies to the resume event too) stops the clock; hour clocks shift by the
     exact paused time, day/month clocks by (resume date - pause date) days; while paused there is no due;
   - ``restarted_by`` at or before due_at (or while suppressed) restarts the base period from the latest
     ``from_event`` (else the restart itself) and discards earlier extensions and suppression;
   - ``suppressed_by`` at or before due_at suppresses until ``unsuppressed_by``; then due_at =
     max(due_at, unsuppress time + grace).
   Extensions and pauses build on the unrolled due date; roll-over applies once, to the final date.
   ``before_other_deadline`` rules follow the referenced clock of the same key as it stands at each moment.
5. *Status at ``at``.* Terminal outcomes first (met, met_late, cancelled), then suppressed, then paused
   (pending without due), then ``breach`` if ``at`` > due_at, ``warning`` if ``at`` >= warn_from, else
   ``pending``. A calendar year missing from holidays.yaml makes that clock an ``error`` finding.

Ambiguities decided here (beyond the clarifications in legal_rules.yaml): timeliness tests compare with the
rolled (actual) due date; a restart lifts a suppression and is effective while suppressed (PR-001: the
24 hours run again from the completed urgent examination); an extension without a usable amount is an error
finding; an extension that fits no option is ignored with a note in the finding's message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from jingwu.core.legaltime import (
    CalendarCoverageError,
    Counting,
    HolidayCalendar,
    Period,
    Unit,
    WarnWindow,
    before_other_deadline,
    default_warn_window,
    due_for_period,
    local_date,
    roll_over_holidays,
    shift_days,
    to_local,
    warn_from,
)
from jingwu.supervision.rules import CASE_KINDS, KEY_FIELDS, Extension, Filter, Rule, RuleSet


class Status(StrEnum):
    """Status of one clock (期限状态)."""

    PENDING = "pending"
    WARNING = "warning"
    BREACH = "breach"
    MET = "met"
    MET_LATE = "met_late"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"
    ERROR = "error"


class TimelineError(ValueError):
    """A timeline document is malformed (not a case's events at all)."""


@dataclass(frozen=True)
class LegalEvent:
    """One dated legal event of a case (legal_events.yaml)."""

    at: datetime
    code: str
    person: str | None = None
    item: str | None = None
    incident: str | None = None
    recorded_at: datetime | None = None
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def known_at(self) -> datetime:
        return self.recorded_at or self.at

    @property
    def case_level(self) -> bool:
        return self.person is None and self.item is None and self.incident is None

    def get(self, name: str) -> Any:
        if name in KEY_FIELDS:
            return getattr(self, name)
        return self.fields.get(name)


@dataclass(frozen=True)
class Timeline:
    """A case's kind (criminal | administrative) and its events, in any order."""

    case_kind: str
    events: tuple[LegalEvent, ...]


@dataclass(frozen=True)
class Finding:
    """The state of one clock (or one problem in the timeline) at the evaluation moment."""

    rule_id: str | None
    status: Status
    due_at: datetime | None = None
    warn_from: datetime | None = None
    person: str | None = None
    item: str | None = None
    incident: str | None = None
    per: str | None = None
    title: str = ""
    citation: str = ""
    message: str = ""


# ----------------------------------------------------------------------------------------------------------
# Timeline parsing


def parse_moment(value: Any, what: str) -> datetime:
    """Parse an ISO-8601 moment that must carry an offset."""
    if not isinstance(value, str):
        raise TimelineError(f"{what}: expected an ISO-8601 string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TimelineError(f"{what}: not an ISO-8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise TimelineError(f"{what}: {value!r} has no UTC offset (use e.g. +08:00)")
    return moment


def timeline_from_dict(data: Any) -> Timeline:
    """Build a :class:`Timeline` from ``{"case_kind": ..., "events": [{"at", "event", ...fields}]}``."""
    if not isinstance(data, Mapping):
        raise TimelineError("timeline must be a JSON object with 'case_kind' and 'events'")
    case_kind = data.get("case_kind")
    if case_kind not in CASE_KINDS:
        raise TimelineError(f"case_kind must be one of {CASE_KINDS}, got {case_kind!r}")
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise TimelineError("'events' must be a list")
    events = []
    for i, raw in enumerate(raw_events):
        if not isinstance(raw, Mapping):
            raise TimelineError(f"events[{i}] must be an object")
        code = raw.get("event")
        if not isinstance(code, str) or not code:
            raise TimelineError(f"events[{i}]: missing 'event' code")
        keys = {}
        for key in KEY_FIELDS:
            value = raw.get(key)
            if value is not None and not isinstance(value, str | int):
                raise TimelineError(f"events[{i}].{key}: expected an id string, got {value!r}")
            keys[key] = None if value is None else str(value)
        recorded = raw.get("recorded_at")
        events.append(
            LegalEvent(
                at=parse_moment(raw.get("at"), f"events[{i}].at"),
                code=code,
                recorded_at=None if recorded is None else parse_moment(recorded, f"events[{i}].recorded_at"),
                fields={k: v for k, v in raw.items() if k not in {"at", "event", "recorded_at", *KEY_FIELDS}},
                **keys,
            )
        )
    return Timeline(case_kind=case_kind, events=tuple(events))


# ----------------------------------------------------------------------------------------------------------
# Evaluation


def evaluate(timeline: Timeline, at: datetime, rules: RuleSet, calendar: HolidayCalendar) -> list[Finding]:
    """Evaluate every applicable rule on ``timeline`` as known at ``at``.

    Returns timeline problems first (status ``error``), then one finding per clock in rule-file order.
    """
    now = to_local(at)
    known = sorted(
        (pair for pair in enumerate(timeline.events) if pair[1].known_at <= now and pair[1].at <= now),
        key=lambda pair: (pair[1].at, pair[0]),
    )
    findings: list[Finding] = []
    events: list[LegalEvent] = []
    for _, event in known:
        problem = _event_problem(event, rules)
        if problem:
            findings.append(_event_error(event, problem))
        else:
            events.append(event)
    applicable = [rule for rule in rules if timeline.case_kind in rule.applies.case_kind]
    findings.extend(_impossible_sequences(events, rules, applicable))
    ctx = _Context(events, {rule.id: rule for rule in applicable}, calendar)
    for rule in applicable:
        for key, start in ctx.clocks(rule):
            findings.extend(ctx.evaluate_clock(rule, key, start, now))
    return findings


def _event_problem(event: LegalEvent, rules: RuleSet) -> str | None:
    if event.code not in rules.vocabulary:
        return f"unknown event code {event.code!r} (not in legal_events.yaml) / 未知事件代码"
    subject = rules.vocabulary[event.code].subject
    if subject in KEY_FIELDS and event.get(subject) is None:
        return f"event {event.code} must carry '{subject}' / 缺少{subject}编号"
    law_version = event.get("law_version")
    if law_version is not None:
        versions = sorted(key for key, source in rules.sources.items() if source.versioned)
        if law_version not in versions:
            return f"unknown law_version {law_version!r} (known: {versions})"
    return None


def _event_error(event: LegalEvent, message: str) -> Finding:
    return Finding(
        rule_id=None,
        status=Status.ERROR,
        person=event.person,
        item=event.item,
        incident=event.incident,
        message=f"{event.code} at {to_local(event.at).isoformat()}: {message}",
    )


def _same_key(a: LegalEvent, b: LegalEvent) -> bool:
    """Whether two events can concern the same clock: equal keys, or either is case-level."""
    if a.case_level or b.case_level:
        return True
    return all(a.get(k) is None or b.get(k) is None or a.get(k) == b.get(k) for k in KEY_FIELDS) and any(
        a.get(k) is not None and a.get(k) == b.get(k) for k in KEY_FIELDS
    )


def _impossible_sequences(
    events: Sequence[LegalEvent], rules: Iterable[Rule], applicable: Iterable[Rule]
) -> list[Finding]:
    """Error findings for events that can only end something but have nothing before them to end.

    What an event can end is taken from all rules (the vocabulary is shared by both case kinds, e.g. a
    family notification may follow a summons); whether it does nothing but end is judged by the rules that
    apply to this case.
    """
    openers: dict[str, set[str]] = {}
    resumes: set[str] = set()
    for rule in rules:
        for code in (*rule.met_by, *rule.cancelled_by):
            openers.setdefault(code, set()).update(rule.starts_on)
        for pause in rule.pauses:
            openers.setdefault(pause.resumed_by, set()).add(pause.event)
            resumes.add(pause.resumed_by)
        for code in rule.unsuppressed_by:
            openers.setdefault(code, set()).update(rule.suppressed_by)
            resumes.add(code)
    not_only_ends: set[str] = set()
    for rule in applicable:
        not_only_ends.update(rule.starts_on, rule.suppressed_by, (p.event for p in rule.pauses))
        not_only_ends.update(e.event for e in rule.extensions)
        not_only_ends.update(r.event for r in rule.restarts)
        not_only_ends.update(r.from_event for r in rule.restarts if r.from_event)
    findings = []
    for event in events:
        expected = openers.get(event.code)
        if not expected or event.code in not_only_ends:
            continue
        # A case-level met/cancel event may legitimately find no clock (e.g. transfer without custody).
        if event.case_level and event.code not in resumes:
            continue
        if not any(e.code in expected and e.at <= event.at and _same_key(e, event) for e in events):
            findings.append(
                _event_error(
                    event,
                    f"impossible sequence: nothing to end, no {' / '.join(sorted(expected))} "
                    "at or before it / 事件顺序不可能（无对应的开始事件）",
                )
            )
    return findings


def _matches(filter_: Filter, event: LegalEvent) -> bool:
    return all(event.get(name) in allowed for name, allowed in filter_)


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class _Clock:
    """The replay state of one clock."""

    rule: Rule
    key: str | None
    base: datetime
    to_period: Period | None = None
    to_warn: WarnWindow | None = None
    adds: list[tuple[Period, WarnWindow | None]] = field(default_factory=list)
    add_counts: Counter[str] = field(default_factory=Counter)
    pauses: list[tuple[datetime, datetime]] = field(default_factory=list)
    active_pauses: dict[int, datetime] = field(default_factory=dict)
    suppressed_since: datetime | None = None
    floor: datetime | None = None
    outcome: Status | None = None
    outcome_due: datetime | None = None
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def extended(self) -> bool:
        return self.to_period is not None or bool(self.adds)

    def period(self) -> Period:
        base = self.to_period or self.rule.period
        return Period(base.value + sum(p.value for p, _ in self.adds), base.unit)

    def window(self) -> WarnWindow:
        if not self.extended:
            return self.rule.warn_before or default_warn_window(self.rule.period)
        explicit = self.adds[-1][1] if self.adds else self.to_warn
        return explicit or default_warn_window(self.period())

    def shifted(self, due: datetime, unit: Unit) -> datetime:
        merged = _merge(self.pauses)
        if unit in (Unit.HOUR, Unit.MINUTE):
            return due + sum((end - start for start, end in merged), timedelta())
        return shift_days(due, sum((local_date(end) - local_date(start)).days for start, end in merged))


class _Context:
    """Events of the case and helpers shared by all clocks of one evaluation."""

    def __init__(self, events: Sequence[LegalEvent], rules: Mapping[str, Rule], calendar: HolidayCalendar):
        self.events = events
        self.rules = rules
        self.calendar = calendar
        self._clocks: dict[str, list[tuple[str | None, LegalEvent]]] = {}

    def clocks(self, rule: Rule) -> list[tuple[str | None, LegalEvent]]:
        """The (key, starting event) of every clock the rule opens, in order of opening."""
        if rule.id not in self._clocks:
            opened: dict[str | None, LegalEvent] = {}
            for event in self.events:
                if event.code not in rule.starts_on or not _matches(rule.start_filter, event):
                    continue
                key = None if rule.per == "case" else event.get(rule.per)
                if key not in opened and self._applies(rule, event):
                    opened[key] = event
            self._clocks[rule.id] = list(opened.items())
        return self._clocks[rule.id]

    @staticmethod
    def _applies(rule: Rule, start: LegalEvent) -> bool:
        applies = rule.applies
        if not applies.versioned:
            return True
        law_version = start.get("law_version")
        if law_version is not None and applies.law_versions:
            return law_version in applies.law_versions
        return applies.in_force_on(local_date(start.at))

    def concerns(self, rule: Rule, key: str | None, event: LegalEvent) -> bool:
        return key is None or event.case_level or event.get(rule.per) == key

    # -- replay ---------------------------------------------------------------------------------------------

    def replay(self, rule: Rule, key: str | None, start: LegalEvent, until: datetime) -> _Clock:
        clock = _Clock(rule=rule, key=key, base=start.at)
        for event in self.events:
            if event.at > until:
                break
            if event is start or event.at < start.at or not self.concerns(rule, key, event):
                continue
            self.step(clock, event)
            if clock.outcome is not None:
                break
        return clock

    def step(self, clock: _Clock, event: LegalEvent) -> None:
        rule, code = clock.rule, event.code
        due = self.current_due(clock, event.at)
        timely = due is None or event.at <= due
        when = to_local(event.at).isoformat()
        if code in rule.met_by:
            clock.outcome = Status.MET if timely else Status.MET_LATE
            clock.outcome_due = due
            return
        if code in rule.cancelled_by:
            if timely:
                clock.outcome, clock.outcome_due = Status.CANCELLED, due
                return
            clock.notes.append(f"{code} at {when} came after due_at and does not cancel the breach")
        restarts = [r for r in rule.restarts if r.event == code]
        if restarts:
            if timely or clock.suppressed_since is not None:
                self.restart(clock, event, [r.from_event for r in restarts if r.from_event])
            else:
                clock.notes.append(f"restart {code} at {when} came after due_at and does not cure the breach")
        options = [e for e in rule.extensions if e.event == code]
        if options:
            if timely:
                self.extend(clock, event, options)
            else:
                clock.notes.append(
                    f"late extension {code} at {when} ignored (approved after due_at, GEN-006)"
                )
        if code in rule.suppressed_by and clock.suppressed_since is None:
            if timely:
                clock.suppressed_since = event.at
            else:
                clock.notes.append(f"{code} at {when} came after due_at and does not suppress the breach")
        if code in rule.unsuppressed_by and clock.suppressed_since is not None:
            clock.suppressed_since = None
            grace = rule.unsuppress_grace or Period(0, Unit.HOUR)
            clock.floor = due_for_period(event.at, grace)
        for index, pause in enumerate(rule.pauses):
            if pause.resumed_by == code and index in clock.active_pauses and _matches(pause.filter, event):
                clock.pauses.append((clock.active_pauses.pop(index), event.at))
        for index, pause in enumerate(rule.pauses):
            if pause.event == code and index not in clock.active_pauses and _matches(pause.filter, event):
                if timely:
                    clock.active_pauses[index] = event.at
                else:
                    clock.notes.append(
                        f"pause {code} at {when} came after due_at and does not stop the clock"
                    )

    def restart(self, clock: _Clock, event: LegalEvent, from_codes: list[str]) -> None:
        base = event.at
        if from_codes:
            earlier = [
                e
                for e in self.events
                if e.code in from_codes and e.at <= event.at and self.concerns(clock.rule, clock.key, e)
            ]
            if earlier:
                base = earlier[-1].at
            else:
                clock.errors.append(
                    f"restart {event.code} at {to_local(event.at).isoformat()} without a preceding "
                    f"{' / '.join(from_codes)}; counted from the restart itself"
                )
        clock.base = base
        clock.to_period, clock.to_warn = None, None
        clock.adds.clear()
        clock.add_counts.clear()
        clock.pauses = [(max(s, base), e) for s, e in clock.pauses if e > base]
        clock.suppressed_since = None
        clock.floor = None

    def extend(self, clock: _Clock, event: LegalEvent, options: list[Extension]) -> None:
        when = to_local(event.at).isoformat()
        current = clock.period()
        fitting: list[tuple[int, Period, Extension]] = []
        asked = False
        for option in options:
            limit = option.to or option.add
            assert limit is not None  # guaranteed by rule validation
            amount = _requested(event, limit.unit, current, total=option.to is not None)
            if amount is None:
                continue
            asked = True
            if amount <= limit.value:
                fitting.append((limit.value, Period(amount, limit.unit), option))
        if not asked:
            clock.errors.append(f"extension {event.code} at {when} carries no usable amount for this rule")
            return
        if not fitting:
            clock.notes.append(f"extension {event.code} at {when} exceeds every lawful option; ignored")
            return
        _, amount, option = min(fitting, key=lambda f: f[0])
        if option.to is not None:
            clock.to_period, clock.to_warn = amount, option.warn_before
            clock.adds.clear()
            return
        if option.max_times is not None and clock.add_counts[event.code] >= option.max_times:
            clock.notes.append(
                f"extension {event.code} at {when} exceeds max_times={option.max_times}; ignored"
            )
            return
        clock.adds.append((amount, option.warn_before))
        clock.add_counts[event.code] += 1

    def current_due(self, clock: _Clock, as_of: datetime) -> datetime | None:
        """The clock's due_at as it stands at ``as_of``; None while suppressed or paused."""
        if clock.suppressed_since is not None or clock.active_pauses:
            return None
        rule = clock.rule
        if rule.counting is Counting.BEFORE_OTHER_DEADLINE:
            assert rule.relative_to is not None  # guaranteed by rule validation
            other_due = self.due_of(rule.relative_to, clock.key, as_of)
            if other_due is None:
                return None
            due = before_other_deadline(other_due, rule.period.value)
        else:
            period = clock.period()
            due = clock.shifted(due_for_period(clock.base, period, self.calendar), period.unit)
        if rule.rolls_over_holidays:
            due = roll_over_holidays(due, self.calendar)
        if clock.floor is not None:
            due = max(due, clock.floor)
        return due

    def due_of(self, rule_id: str, key: str | None, as_of: datetime) -> datetime | None:
        """The current due_at of another rule's clock with the same key, as it stands at ``as_of``."""
        rule = self.rules.get(rule_id)
        if rule is None:
            return None
        for other_key, start in self.clocks(rule):
            if other_key == key and start.at <= as_of:
                other = self.replay(rule, key, start, as_of)
                return other.outcome_due if other.outcome else self.current_due(other, as_of)
        return None

    def evaluate_clock(self, rule: Rule, key: str | None, start: LegalEvent, now: datetime) -> list[Finding]:
        base = Finding(
            rule_id=rule.id,
            status=Status.PENDING,
            per=rule.per,
            title=rule.title_zh,
            citation=rule.citation_text,
            **{rule.per: key} if rule.per in KEY_FIELDS else {},
        )
        try:
            clock = self.replay(rule, key, start, now)
            if clock.outcome is not None:
                status, due = clock.outcome, clock.outcome_due
            elif clock.suppressed_since is not None:
                status, due = Status.SUPPRESSED, None
            else:
                due = self.current_due(clock, now)
                status = Status.PENDING
                if due is not None and now > due:
                    status = Status.BREACH
                elif due is not None and now >= warn_from(due, clock.window()):
                    status = Status.WARNING
        except CalendarCoverageError as exc:
            return [replace(base, status=Status.ERROR, message=str(exc))]
        finding = replace(
            base,
            status=status,
            due_at=due,
            warn_from=warn_from(due, clock.window()) if due is not None else None,
            message="; ".join(clock.notes),
        )
        errors = [replace(base, status=Status.ERROR, message=message) for message in clock.errors]
        return [finding, *errors]


def _requested(event: LegalEvent, unit: Unit, current: Period, *, total: bool) -> int | None:
    """The amount an extension event asks for, in ``unit``: a new total (``to``) or an addition (``add``)."""
    if total:
        names = {Unit.HOUR: "extend_to_hours", Unit.DAY: "extend_to_days"}
        value = event.get(names[unit]) if unit in names else None
        added = event.get("extend_days")
        if value is None and unit is Unit.DAY and current.unit is Unit.DAY and _is_count(added):
            value = current.value + added
    else:
        names = {Unit.DAY: "extend_days", Unit.WORKING_DAY: "extend_days", Unit.MONTH: "add_months"}
        value = event.get(names[unit]) if unit in names else None
    return value if _is_count(value) else None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
