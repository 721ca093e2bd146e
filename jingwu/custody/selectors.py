"""Reads of the custody log, always scoped (a stay is visible when its case is) and with personal data
masked; reading one stay is audited.

The countdown of the center's screen comes from the Deadline rows supervision derived for the person's
key (P<party id>) from the rules data — the rules that bound a stay under its measure
(config.stay_limit_rules) — never from hours written in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from jingwu.access.policy import visible_to
from jingwu.audit.services import audit_record
from jingwu.cases.models import Case, Measure
from jingwu.cases.services import SCOPE_FIELDS
from jingwu.custody.choices import StayStatus
from jingwu.custody.config import custody_config, stay_limit_rules
from jingwu.custody.models import CustodyStay, QuestioningSession
from jingwu.custody.services import STAY_SCOPE, may_manage, visible_stay
from jingwu.people.selectors import personal_data
from jingwu.supervision.models import FINAL_STATUSES, Deadline

MAX_CASE_MATCHES = 10


def _stays(actor: Any) -> QuerySet[CustodyStay]:
    stays = CustodyStay.objects.select_related("case", "party", "person", "measure", "registered_by")
    return visible_to(actor, "custody.view", stays, unit_field=STAY_SCOPE)


# --------------------------------------------------------------------------------------------------
# the legal limit of a stay


@dataclass(frozen=True)
class Limit:
    """How long a person may still be kept under the stay's measure (法定时限), from a Deadline row."""

    title: str
    due_at: datetime | None
    warn_from: datetime | None
    state: str  # "ok" | "warning" | "breach" | "met" | "none"
    citation: str = ""

    def remaining(self, now: datetime) -> timedelta | None:
        return self.due_at - now if self.due_at else None


NO_LIMIT = Limit(title="", due_at=None, warn_from=None, state="none")


def _state(deadline: Deadline, now: datetime) -> str:
    if deadline.status in FINAL_STATUSES:
        return "met"
    if deadline.status == "breach" or (deadline.due_at is not None and now > deadline.due_at):
        return "breach"
    if deadline.status == "warning" or (deadline.warn_from is not None and now >= deadline.warn_from):
        return "warning"
    return "ok"


def stay_limits(stays: list[CustodyStay], now: datetime | None = None) -> dict[int, Limit]:
    """{stay id: the nearest open limit of the stay} in one query; a stay whose measure has no bounding
    rule in the rules data (e.g. an arrest) gets NO_LIMIT."""
    now = now or timezone.now()
    # The basis measure's rules, and those of any other open basis measure of the person since (a summoned
    # person detained while inside is bound by the detention's 24 hours from then on).
    bases = list(custody_config().legal_bases)
    open_kinds: dict[int, set[str]] = {}
    for party_id, kind in Measure.objects.filter(
        party__in=[s.party_id for s in stays], kind__in=bases, ended_at__isnull=True
    ).values_list("party_id", "kind"):
        open_kinds.setdefault(party_id, set()).add(kind)
    wanted = {
        s.pk: frozenset().union(
            *(stay_limit_rules(k) for k in {s.measure.kind} | open_kinds.get(s.party_id, set()))
        )
        for s in stays
    }
    keys = {(s.case_id, s.party.key) for s in stays if wanted[s.pk]}
    if not keys:
        return {s.pk: NO_LIMIT for s in stays}
    rows = Deadline.objects.filter(
        subject_type="case",
        subject_id__in={case for case, _ in keys},
        key__in={key for _, key in keys},
        rule_id__in=set().union(*wanted.values()),
    ).order_by("due_at", "id")
    by_key: dict[tuple[int, str], list[Deadline]] = {}
    for row in rows:
        by_key.setdefault((row.subject_id, row.key), []).append(row)
    limits: dict[int, Limit] = {}
    for stay in stays:
        found = [d for d in by_key.get((stay.case_id, stay.party.key), []) if d.rule_id in wanted[stay.pk]]
        open_ = [d for d in found if d.status not in FINAL_STATUSES and d.due_at is not None]
        chosen = open_[0] if open_ else (found[0] if found else None)
        limits[stay.pk] = (
            Limit(chosen.title, chosen.due_at, chosen.warn_from, _state(chosen, now), chosen.citation)
            if chosen
            else NO_LIMIT
        )
    return limits


# --------------------------------------------------------------------------------------------------
# lists


@dataclass(frozen=True)
class StayRow:
    stay: CustodyStay
    id_number: str
    measure_label: str
    limit: Limit
    in_session: str  # the room's name while a questioning session is open, else ""


def _rows(stays: list[CustodyStay], now: datetime) -> list[StayRow]:
    labels = {name: basis.label for name, basis in custody_config().legal_bases.items()}
    rooms = custody_config().rooms
    limits = stay_limits(stays, now) if any(s.status == StayStatus.INSIDE for s in stays) else {}
    open_sessions = dict(
        QuestioningSession.objects.filter(stay__in=[s.pk for s in stays], ended_at__isnull=True).values_list(
            "stay_id", "room"
        )
    )
    return [
        StayRow(
            stay=s,
            id_number=personal_data(person=s.person).id_number,
            measure_label=labels.get(s.measure.kind, s.measure.kind),
            limit=limits.get(s.pk, NO_LIMIT),
            in_session=rooms.get(open_sessions.get(s.pk, ""), ""),
        )
        for s in stays
    ]


def inside_now(*, actor: Any, now: datetime | None = None) -> list[StayRow]:
    """在区人员: who is inside now, longest inside first."""
    now = now or timezone.now()
    stays = list(_stays(actor).filter(status=StayStatus.INSIDE).order_by("entered_at", "id"))
    return _rows(stays, now)


@dataclass(frozen=True)
class HistoryFilters:
    text: str = ""
    destination: str = ""
    since: date | None = None
    until: date | None = None


def stay_history(*, actor: Any, filters: HistoryFilters = HistoryFilters()) -> QuerySet[CustodyStay]:
    """Past stays (出区记录), latest exit first, filtered by name / case number, destination and dates."""
    stays = _stays(actor).filter(status=StayStatus.LEFT).order_by("-exited_at", "-id")
    if filters.destination:
        stays = stays.filter(exit_destination=filters.destination)
    zone = timezone.get_current_timezone()
    if filters.since:
        stays = stays.filter(entered_at__gte=datetime.combine(filters.since, time.min, zone))
    if filters.until:
        stays = stays.filter(
            entered_at__lt=datetime.combine(filters.until + timedelta(days=1), time.min, zone)
        )
    for word in filters.text.split():
        stays = stays.filter(
            Q(person__name__contains=word) | Q(case__number=word) | Q(case__title__contains=word)
        )
    return stays


def history_rows(stays: list[CustodyStay]) -> list[StayRow]:
    return _rows(stays, timezone.now())


# --------------------------------------------------------------------------------------------------
# one stay


@dataclass(frozen=True)
class StayDetail:
    stay: CustodyStay
    id_number: str
    measure_label: str
    limit: Limit
    can_manage: bool
    log: list[Any]
    sessions: list[Any]
    belongings: list[Any]
    brought_by: list[Any]


def stay_get(*, actor: Any, stay_id: int) -> StayDetail:
    """One stay with its log, sessions and belongings; the read is audited (a sensitive read)."""
    stay = visible_stay(actor, stay_id)
    audit_record(actor=actor, action="custody.view", obj=stay)
    config = custody_config()
    limit = stay_limits([stay])[stay.pk]
    return StayDetail(
        stay=stay,
        id_number=personal_data(person=stay.person).id_number,
        measure_label=config.legal_bases[stay.measure.kind].label
        if stay.measure.kind in config.legal_bases
        else stay.measure.kind,
        limit=limit,
        can_manage=may_manage(actor, stay.case),
        log=list(stay.log.select_related("officer")),
        sessions=list(stay.sessions.prefetch_related("officers").select_related("recorded_by")),
        belongings=list(stay.belongings.prefetch_related("photos").select_related("returned_by")),
        brought_by=list(stay.brought_by.all()),
    )


# --------------------------------------------------------------------------------------------------
# registration: the cases, parties and measures one may register a stay under


@dataclass(frozen=True)
class BasisOption:
    case: Case
    measure: Measure
    label: str
    name: str
    id_number: str


def basis_options(*, actor: Any, query: str) -> list[BasisOption]:
    """Open legal-basis measures of the cases the actor may write stays for, found by case number, case
    title or the person's name — what the registration form offers to pick."""
    query = query.strip()
    if not query:
        return []
    bases = custody_config().legal_bases
    cases = visible_to(actor, "custody.view", Case.objects.all(), unit_field=SCOPE_FIELDS)
    measures = (
        Measure.objects.filter(case__in=cases, kind__in=list(bases), ended_at__isnull=True)
        .filter(
            Q(case__number=query)
            | Q(case__number__endswith=query)
            | Q(case__title__contains=query)
            | Q(party__person__name__contains=query)
        )
        .exclude(party__person__in=CustodyStay.objects.filter(status=StayStatus.INSIDE).values("person"))
        .select_related("case__station", "case__reviewing_unit", "party__person")
        .order_by("-started_at")
    )
    options = []
    for measure in measures[: MAX_CASE_MATCHES * 3]:
        if not may_manage(actor, measure.case):
            continue
        options.append(
            BasisOption(
                case=measure.case,
                measure=measure,
                label=bases[measure.kind].label,
                name=measure.party.person.name,
                id_number=personal_data(person=measure.party.person).id_number,
            )
        )
        if len(options) >= MAX_CASE_MATCHES:
            break
    return options
