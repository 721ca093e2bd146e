"""The computed sources of the scheme (考评数据来源): what happened in a period, and whose it was.

Each source answers two questions for a period:
- `count`: occurrences per unit — one grouped query (or one light scan) over the whole bureau, so that
  a ranking of every unit is a handful of queries, never one per unit per item;
- `records`: the occurrences themselves, for the units asked, each with a link to its case or
  incident — the drill-down behind a score.

Units as recorded (a case team, a command room…) are mapped to the unit evaluated for them by
`UnitMap` (a team counts for its station or joint station), from one query over the unit table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from jingwu.quality.periods import Period, local_date
from jingwu.quality.scheme import Scheme

SUPPLEMENTARY_EVENT = "returned_for_supplementary_investigation"
LEGAL_REVIEW_ROLE = "legal_officer"  # the workflow's 法制审核 step (cases/data/workflow.yaml)
NOTICE_SOURCES = ("notice_received", "procurator_opinion", "rectification_overdue")
NOTICE_KIND = {"notice_received": "notice", "procurator_opinion": "procurator_opinion"}
LEGAL_TRAINING = "legal_training"


@dataclass(frozen=True)
class EvaluatedUnit:
    id: int
    code: str
    name: str
    path: str
    kind: str
    sort_order: int


@dataclass
class UnitMap:
    """Which evaluated unit answers for each unit of the bureau (None: none — e.g. the command center)."""

    evaluated: dict[int, EvaluatedUnit]
    owner: dict[int, int | None]

    @classmethod
    def load(cls, scheme: Scheme) -> UnitMap:
        from jingwu.org.models import Unit

        rows = list(
            Unit.objects.order_by().values_list(
                "id", "code", "name", "path", "kind", "sort_order", "parent_id", "is_active"
            )
        )
        parent = {row[0]: row[6] for row in rows}
        evaluated = {
            row[0]: EvaluatedUnit(*row[:6])
            for row in rows
            if row[4] in scheme.unit_kinds and row[1] not in scheme.exclude_units and row[7]
        }
        owner: dict[int, int | None] = {}
        for unit_id in parent:
            current: int | None = unit_id
            while current is not None and current not in evaluated:
                current = parent.get(current)
            owner[unit_id] = current
        return cls(evaluated=evaluated, owner=owner)

    def of(self, unit_id: int | None) -> int | None:
        return self.owner.get(unit_id) if unit_id is not None else None

    def members(self, evaluated_id: int) -> list[int]:
        """The units whose records count for `evaluated_id` (itself and its teams)."""
        return [unit for unit, owner in self.owner.items() if owner == evaluated_id]

    def ordered(self) -> list[EvaluatedUnit]:
        return sorted(self.evaluated.values(), key=lambda u: (u.sort_order, u.path))


@dataclass(frozen=True)
class Record:
    """One occurrence behind an item: when, whose, what, and where to read it."""

    source: str
    at: datetime | date
    unit_id: int | None
    subject: str
    url: str
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "subject": self.subject,
            "url": self.url,
            "detail": self.detail,
            **self.extra,
        }


def notice_model() -> Any | None:
    """The supervision notice model (执法监督通知书), or None while the supervision app has none."""
    try:
        return apps.get_model("supervision", "SupervisionNotice")
    except LookupError:
        return None


def enrolment_model() -> Any | None:
    """The training record model (参训记录, jingwu.personnel), or None where that app is not installed."""
    try:
        return apps.get_model("personnel", "Enrolment")
    except LookupError:
        return None


def available(source: str) -> bool:
    if source == LEGAL_TRAINING:
        return enrolment_model() is not None
    return source not in NOTICE_SOURCES or notice_model() is not None


def _subject_labels(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    from jingwu.cases.models import Case
    from jingwu.incidents.models import Incident

    pairs = set(pairs)
    labels: dict[tuple[str, int], str] = {}
    case_ids = {pk for kind, pk in pairs if kind == "case"}
    incident_ids = {pk for kind, pk in pairs if kind == "incident"}
    if case_ids:
        for pk, number, title in Case.objects.filter(pk__in=case_ids).values_list("pk", "number", "title"):
            labels["case", pk] = f"{number} {title}"
    if incident_ids:
        for pk, number in Incident.objects.filter(pk__in=incident_ids).values_list("pk", "number"):
            labels["incident", pk] = number or f"警情#{pk}"
    return labels


def _url(subject_type: str, subject_id: int) -> str:
    return f"/{'cases' if subject_type == 'case' else 'incidents'}/{subject_id}/"


def _case_unit(ref: str) -> Coalesce:
    """The unit answering for the case whose id is in `ref`: its handling unit, else its reviewing unit
    (as for the case's deadlines, supervision.services._responsible)."""
    from jingwu.cases.models import Case

    cases = Case.objects.filter(pk=OuterRef(ref))
    return Coalesce(
        Subquery(cases.values("handling_unit_id")[:1]), Subquery(cases.values("reviewing_unit_id")[:1])
    )


def _in_units(field_name: str, unit_ids: Collection[int] | None) -> Q:
    return Q() if unit_ids is None else Q(**{f"{field_name}__in": list(unit_ids)})


# --------------------------------------------------------------------------------------------------
# deadlines: 超期 (breach) and 超期完成 (met late), by the deadline's due time


_DEADLINE_STATUS = {"deadline_breach": "breach", "deadline_late": "met_late"}


def _deadlines(period: Period) -> Any:
    from jingwu.supervision.models import Deadline

    return Deadline.objects.filter(due_at__gte=period.start, due_at__lt=period.end).order_by()


def deadline_counts(period: Period) -> dict[str, Counter[int]]:
    counts: dict[str, Counter[int]] = {source: Counter() for source in _DEADLINE_STATUS}
    status_source = {status: source for source, status in _DEADLINE_STATUS.items()}
    rows = (
        _deadlines(period)
        .filter(status__in=list(status_source))
        .values("unit_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[status_source[row["status"]]][row["unit_id"]] += row["n"]
    return counts


def deadline_records(source: str, period: Period, unit_ids: Collection[int] | None) -> list[Record]:
    rows = list(
        _deadlines(period)
        .filter(_in_units("unit_id", unit_ids), status=_DEADLINE_STATUS[source])
        .values_list("subject_type", "subject_id", "rule_id", "title", "due_at", "unit_id", "citation")
        .order_by("due_at", "id")
    )
    labels = _subject_labels((row[0], row[1]) for row in rows)
    return [
        Record(
            source=source,
            at=due_at,
            unit_id=unit_id,
            subject=labels.get((kind, pk), f"{kind}#{pk}"),
            url=_url(kind, pk),
            detail=f"{title}（{rule}）",
            extra={"citation": citation},
        )
        for kind, pk, rule, title, due_at, unit_id, citation in rows
    ]


# --------------------------------------------------------------------------------------------------
# legal review returns: 法制审核退回, by the decision time


def _returned(period: Period) -> Any:
    from jingwu.cases.choices import ApprovalStatus
    from jingwu.cases.models import Approval

    return Approval.objects.filter(
        status=ApprovalStatus.RETURNED, decided_at__gte=period.start, decided_at__lt=period.end
    ).order_by()


def _is_legal_review(roles: list[str], step: int) -> bool:
    # A return leaves `step` at the step that returned it (cases.services.approval_decide).
    return 0 <= step < len(roles) and roles[step] == LEGAL_REVIEW_ROLE


def review_counts(period: Period) -> Counter[int]:
    counts: Counter[int] = Counter()
    rows = _returned(period).values_list("roles", "step", "case__handling_unit_id", "case__reviewing_unit_id")
    for roles, step, handling, reviewing in rows:
        if _is_legal_review(roles, step):
            counts[handling or reviewing] += 1
    return counts


def review_records(period: Period, unit_ids: Collection[int] | None) -> list[Record]:
    records = []
    rows = _returned(period).values_list(
        "roles",
        "step",
        "case__handling_unit_id",
        "case__reviewing_unit_id",
        "case_id",
        "case__number",
        "case__title",
        "label",
        "decided_at",
        "history",
    )
    for roles, step, handling, reviewing, case_id, number, title, label, decided_at, history in rows.order_by(
        "decided_at", "id"
    ):
        unit_id = handling or reviewing
        if not _is_legal_review(roles, step) or (unit_ids is not None and unit_id not in unit_ids):
            continue
        opinion = (history[-1].get("opinion") if history else "") or ""
        records.append(
            Record(
                source="review_returned",
                at=decided_at,
                unit_id=unit_id,
                subject=f"{number} {title}",
                url=_url("case", case_id),
                detail=f"“{label}”被退回" + (f"：{opinion}" if opinion else ""),
            )
        )
    return records


# --------------------------------------------------------------------------------------------------
# returns for supplementary investigation: 退回补充侦查, by the event's time


def _supplementary(period: Period) -> Any:
    from jingwu.timeline.models import LegalEvent

    return LegalEvent.objects.filter(
        subject_type="case", code=SUPPLEMENTARY_EVENT, at__gte=period.start, at__lt=period.end
    ).order_by()


def supplementary_counts(period: Period) -> Counter[int]:
    rows = _supplementary(period).annotate(case_unit=_case_unit("subject_id")).values("case_unit")
    return Counter({row["case_unit"]: row["n"] for row in rows.annotate(n=Count("id"))})


def supplementary_records(period: Period, unit_ids: Collection[int] | None) -> list[Record]:
    events = _supplementary(period).annotate(case_unit=_case_unit("subject_id"))
    rows = list(
        events.filter(_in_units("case_unit", unit_ids))
        .values_list("subject_id", "at", "case_unit", "fields")
        .order_by("at", "id")
    )
    labels = _subject_labels(("case", row[0]) for row in rows)
    return [
        Record(
            source="supplementary_investigation",
            at=at,
            unit_id=unit_id,
            subject=labels.get(("case", pk), f"case#{pk}"),
            url=_url("case", pk),
            detail="检察院退回补充侦查" + (f"（{fields['kind']}）" if (fields or {}).get("kind") else ""),
        )
        for pk, at, unit_id, fields in rows
    ]


# --------------------------------------------------------------------------------------------------
# supervision notices (执法监督通知书, 检察监督意见) and their rectification (整改)


def _notices_issued(period: Period) -> Any:
    return notice_model().objects.filter(issued_at__gte=period.start, issued_at__lt=period.end).order_by()


def _rectify_due(period: Period, today: date) -> Any:
    """Notices whose rectification day lies in the period and has passed."""
    return (
        notice_model()
        .objects.filter(rectify_by__gte=period.first, rectify_by__lt=min(period.after, today))
        .order_by()
    )


def _overdue(rectify_by: date, status: str, accepted_at: datetime | None) -> bool:
    """Not accepted by the rectification day (整改期限), or accepted only after it."""
    return status != "accepted" or accepted_at is None or local_date(accepted_at) > rectify_by


def notice_counts(period: Period, today: date) -> dict[str, Counter[int]]:
    counts: dict[str, Counter[int]] = {source: Counter() for source in NOTICE_SOURCES}
    if notice_model() is None:
        return counts
    kind_source = {kind: source for source, kind in NOTICE_KIND.items()}
    for row in _notices_issued(period).values("unit_id", "kind").annotate(n=Count("id")):
        if row["kind"] in kind_source:
            counts[kind_source[row["kind"]]][row["unit_id"]] += row["n"]
    for unit_id, rectify_by, status, accepted_at in _rectify_due(period, today).values_list(
        "unit_id", "rectify_by", "status", "accepted_at"
    ):
        if _overdue(rectify_by, status, accepted_at):
            counts["rectification_overdue"][unit_id] += 1
    return counts


def notice_records(
    source: str, period: Period, unit_ids: Collection[int] | None, today: date
) -> list[Record]:
    if notice_model() is None:
        return []
    if source == "rectification_overdue":
        query = _rectify_due(period, today).order_by("rectify_by", "id")
    else:
        query = _notices_issued(period).filter(kind=NOTICE_KIND[source]).order_by("issued_at", "id")
    rows = list(
        query.filter(_in_units("unit_id", unit_ids)).values_list(
            "number",
            "kind",
            "case_id",
            "case__number",
            "case__title",
            "unit_id",
            "issued_at",
            "rectify_by",
            "status",
            "accepted_at",
        )
    )
    records = []
    for (
        number,
        kind,
        case_id,
        case_number,
        title,
        unit_id,
        issued_at,
        rectify_by,
        status,
        accepted_at,
    ) in rows:
        if source == "rectification_overdue":
            if not _overdue(rectify_by, status, accepted_at):
                continue
            at: datetime | date = rectify_by
            detail = f"通知书{number}，整改期限{rectify_by:%Y-%m-%d}，" + (
                f"{local_date(accepted_at):%Y-%m-%d}验收通过"
                if status == "accepted" and accepted_at
                else "尚未验收通过"
            )
        else:
            at, detail = (
                issued_at,
                f"{'检察监督意见' if kind == 'procurator_opinion' else '执法监督通知书'}{number}",
            )
        records.append(
            Record(
                source=source,
                at=at,
                unit_id=unit_id,
                subject=f"{case_number} {title}",
                url=_url("case", case_id),
                detail=detail,
            )
        )
    return records


# --------------------------------------------------------------------------------------------------
# legal training (法律培训, jingwu.personnel): an officer who had not passed, nor been excused from, a
# required legal course by its due day counts once for the unit the record was made in, in the period
# of the due day (once the day has passed)


def _training_missed(period: Period, today: date) -> Any:
    return (
        enrolment_model()
        .objects.filter(
            course__is_legal_training=True,
            course__due_on__gte=period.first,
            course__due_on__lt=min(period.after, today),
        )
        .exclude(status="exempt")
        .exclude(passed=True)
        .order_by()
    )


def training_counts(period: Period, today: date) -> Counter[int]:
    if enrolment_model() is None:
        return Counter()
    rows = _training_missed(period, today).values("unit_id").annotate(n=Count("id"))
    return Counter({row["unit_id"]: row["n"] for row in rows})


def training_records(period: Period, unit_ids: Collection[int] | None, today: date) -> list[Record]:
    if enrolment_model() is None:
        return []
    rows = (
        _training_missed(period, today)
        .filter(_in_units("unit_id", unit_ids))
        .values_list("course__title", "course__due_on", "unit_id", "officer__full_name", "status", "score")
        .order_by("course__due_on", "id")
    )
    return [
        Record(
            source=LEGAL_TRAINING,
            at=due_on,
            unit_id=unit_id,
            subject=f"{officer} {title}",
            url="",  # the training record is a personal one (jingwu.personnel), not for every reader here
            detail=f"考核不合格（{score}分）" if status == "attended" else "到期未参训",
        )
        for title, due_on, unit_id, officer, status, score in rows
    ]


# --------------------------------------------------------------------------------------------------
# context (not scored): cases accepted and filed in the period


def case_context(period: Period) -> dict[str, Counter[int]]:
    from jingwu.cases.models import Case

    unit = Coalesce("handling_unit_id", "reviewing_unit_id")
    context: dict[str, Counter[int]] = {}
    for name, moment in (("accepted", "accepted_at"), ("filed", "filed_at")):
        rows = (
            Case.objects.filter(**{f"{moment}__gte": period.start, f"{moment}__lt": period.end})
            .order_by()
            .annotate(u=unit)
            .values("u")
            .annotate(n=Count("id"))
        )
        context[name] = Counter({row["u"]: row["n"] for row in rows})
    return context


# --------------------------------------------------------------------------------------------------
# the one entry point


def counts_by_source(period: Period, today: date) -> dict[str, Counter[int]]:
    """{source: {recorded unit id: occurrences}} for every computed source, over the whole bureau."""
    return {
        **deadline_counts(period),
        "review_returned": review_counts(period),
        "supplementary_investigation": supplementary_counts(period),
        **notice_counts(period, today),
        LEGAL_TRAINING: training_counts(period, today),
    }


def records_of(source: str, period: Period, unit_ids: Collection[int] | None, today: date) -> list[Record]:
    """The occurrences of one source in the period for the recorded units `unit_ids` (None: all)."""
    if source in _DEADLINE_STATUS:
        return deadline_records(source, period, unit_ids)
    if source == "review_returned":
        return review_records(period, unit_ids)
    if source == "supplementary_investigation":
        return supplementary_records(period, unit_ids)
    if source in NOTICE_SOURCES:
        return notice_records(source, period, unit_ids, today)
    if source == LEGAL_TRAINING:
        return training_records(period, unit_ids, today)
    raise ValueError(f"unknown source {source!r}")
