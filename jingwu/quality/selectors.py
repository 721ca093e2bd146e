"""Reading the evaluation (考评结果): the ranking of a period and one unit's explanation, as far as the
reader may see.

Legal affairs and leaders see every evaluated unit; a unit chief or a legal officer sees the units of
their scope (jingwu.access.policy.unit_scope), with their bureau-wide rank; nobody else sees anything.
A published period (QualityPublication) is read from its snapshot; any other is computed live.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import require, unit_scope
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.quality import scoring, sources
from jingwu.quality.models import QualityAdjustment, QualityPublication
from jingwu.quality.periods import Period, local_date
from jingwu.quality.scheme import Scheme
from jingwu.quality.scheme import scheme as current_scheme
from jingwu.quality.sources import EvaluatedUnit, UnitMap


@dataclass
class Row:
    """A unit's line in the ranking: score, grade, rank, the explanation (scoring.Result.as_dict())."""

    unit: EvaluatedUnit
    rank: int
    explanation: dict[str, Any]
    context: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> Decimal:
        return Decimal(self.explanation["score"])

    @property
    def grade(self) -> str:
        return self.explanation["grade"]

    @property
    def grade_title(self) -> str:
        return self.explanation["grade_title"]

    @property
    def lines(self) -> list[dict[str, Any]]:
        return self.explanation["lines"]

    def main_deductions(self, limit: int = 3) -> list[dict[str, Any]]:
        taken = [line for line in self.lines if Decimal(line["points"]) < 0]
        return sorted(taken, key=lambda line: Decimal(line["points"]))[:limit]

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": {"id": self.unit.id, "code": self.unit.code, "name": self.unit.name},
            "rank": self.rank,
            "score": str(self.score),
            "grade": self.grade,
            "grade_title": self.grade_title,
            "context": self.context,
            "lines": self.lines,
        }


@dataclass
class Ranking:
    period: Period
    scheme_name: str
    scheme_version: str
    rows: list[Row]
    total_units: int
    computed_at: datetime
    publication: QualityPublication | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.publication is not None


def unavailable_notes(scheme: Scheme) -> list[str]:
    """Why some items count nothing yet (a source whose data the system does not keep yet)."""
    missing = [item.title_zh for item in scheme.computed_items if not sources.available(item.source)]
    if not missing:
        return []
    return [f"执法监督通知书尚未启用，以下项目暂不计分：{'、'.join(missing)}"]


def manual_entries(period: Period, unit_ids: list[int] | None = None) -> list[QualityAdjustment]:
    """The manual entries dated in the period, reversed ones and their reversals included."""
    entries = QualityAdjustment.objects.filter(occurred_on__gte=period.first, occurred_on__lt=period.after)
    if unit_ids is not None:
        entries = entries.filter(unit_id__in=unit_ids)
    return list(entries.select_related("entered_by", "case", "reverses").order_by("occurred_on", "id"))


def effective_entries(entries: list[QualityAdjustment]) -> list[QualityAdjustment]:
    """Entries that count: neither reversed nor a reversal."""
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    return [e for e in entries if not e.reverses_id and e.pk not in reversed_ids]


def compute(
    period: Period, *, now: datetime | None = None, scheme: Scheme | None = None
) -> tuple[UnitMap, list[Row]]:
    """The live ranking of every evaluated unit: a handful of grouped queries whatever the unit count."""
    scheme = scheme or current_scheme()
    now = now or timezone.now()
    units = UnitMap.load(scheme)
    raw = sources.counts_by_source(period, local_date(now))
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for item in scheme.computed_items:
        for unit_id, n in raw.get(item.source, Counter()).items():
            if (owner := units.of(unit_id)) is not None:
                counts[owner][item.key] += n
    manual: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    manual_keys = {item.key for item in scheme.manual_items}
    for entry in effective_entries(manual_entries(period)):
        if (owner := units.of(entry.unit_id)) is not None and entry.item_key in manual_keys:
            manual[owner][entry.item_key].append(entry.points)
    context: dict[int, Counter[str]] = defaultdict(Counter)
    for name, per_unit in sources.case_context(period).items():
        for unit_id, n in per_unit.items():
            if (owner := units.of(unit_id)) is not None:
                context[owner][name] += n
    results = {unit.id: scoring.score(scheme, counts[unit.id], manual[unit.id]) for unit in units.ordered()}
    ranks = scoring.rank({pk: result.score for pk, result in results.items()})
    rows = [
        Row(
            unit=unit,
            rank=ranks[unit.id],
            explanation=results[unit.id].as_dict(),
            context=dict(context[unit.id]),
        )
        for unit in units.ordered()
    ]
    rows.sort(key=lambda row: row.rank)  # stable: ties keep the units' order
    return units, rows


def _published_rows(publication: QualityPublication) -> list[Row]:
    rows = []
    for evaluation in publication.evaluations.select_related("unit").order_by(
        "rank", "unit__sort_order", "unit__path"
    ):
        unit = evaluation.unit
        explanation = evaluation.explanation
        rows.append(
            Row(
                unit=EvaluatedUnit(unit.pk, unit.code, unit.name, unit.path, unit.kind, unit.sort_order),
                rank=evaluation.rank,
                explanation=explanation["result"],
                context=explanation.get("context", {}),
            )
        )
    return rows


def _visible_rows(actor: Any, rows: list[Row]) -> list[Row]:
    scope = unit_scope(actor)
    return [row for row in rows if scope.contains(row.unit.path)]


def ranking(*, actor: Any, period: Period, now: datetime | None = None) -> Ranking:
    """The period's ranking as far as the actor may see it (every unit keeps its bureau-wide rank)."""
    require(actor, "quality.view")
    scheme = current_scheme()
    publication = QualityPublication.objects.filter(period=period.key).first()
    if publication is not None:
        rows = _published_rows(publication)
        return Ranking(
            period=period,
            scheme_name=scheme.name,
            scheme_version=publication.scheme_version,
            rows=_visible_rows(actor, rows),
            total_units=len(rows),
            computed_at=publication.published_at,
            publication=publication,
        )
    now = now or timezone.now()
    _, rows = compute(period, now=now, scheme=scheme)
    return Ranking(
        period=period,
        scheme_name=scheme.name,
        scheme_version=scheme.version,
        rows=_visible_rows(actor, rows),
        total_units=len(rows),
        computed_at=now,
        notes=unavailable_notes(scheme),
    )


@dataclass
class Explanation:
    """One unit's score explained item by item, each line with the records behind it."""

    ranking: Ranking
    row: Row
    records: dict[str, list[dict[str, Any]]]
    entries: list[QualityAdjustment]


def unit_records(
    units: UnitMap, evaluated_id: int, period: Period, today: Any, scheme: Scheme
) -> dict[str, list[dict[str, Any]]]:
    """{item key: the records behind it} for one evaluated unit."""
    members = units.members(evaluated_id)
    records: dict[str, list[dict[str, Any]]] = {}
    for item in scheme.computed_items:
        if sources.available(item.source):
            found = sources.records_of(item.source, period, members, today)
            records[item.key] = [record.as_dict() for record in found]
    return records


def records_by_unit(
    units: UnitMap, period: Period, today: Any, scheme: Scheme
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """{evaluated unit id: {item key: records}} for every unit at once (one query per source)."""
    grouped: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in scheme.computed_items:
        if sources.available(item.source):
            for record in sources.records_of(item.source, period, None, today):
                if (owner := units.of(record.unit_id)) is not None:
                    grouped[owner][item.key].append(record.as_dict())
    return grouped


def manual_record(entry: QualityAdjustment) -> dict[str, Any]:
    return {
        "at": entry.occurred_on.isoformat(),
        "subject": f"{entry.case.number} {entry.case.title}" if entry.case else "",
        "url": f"/cases/{entry.case_id}/" if entry.case_id else "",
        "detail": entry.reason,
        "points": str(entry.points),
        "entered_by": entry.entered_by.full_name,
        "id": entry.pk,
    }


def explanation(*, actor: Any, unit_id: int, period: Period, now: datetime | None = None) -> Explanation:
    """A unit's score with its lines and the records behind each; a unit out of scope is a 404."""
    result = ranking(actor=actor, period=period, now=now)
    row = next((r for r in result.rows if r.unit.id == unit_id), None)
    if row is None:  # not evaluated, or outside the reader's scope: missing, as everywhere
        audit_record(
            actor=actor,
            action="quality.view",
            object_type="org.unit",
            object_id=unit_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    scheme = current_scheme()
    entries = manual_entries(period, [unit_id])
    if result.publication is not None:
        evaluation = result.publication.evaluations.get(unit_id=unit_id)
        records = evaluation.explanation.get("records", {})
    else:
        units = UnitMap.load(scheme)
        records = unit_records(units, unit_id, period, local_date(now or timezone.now()), scheme)
        effective = {e.pk for e in effective_entries(entries)}
        for item in scheme.manual_items:
            records[item.key] = [
                manual_record(e) for e in entries if e.item_key == item.key and e.pk in effective
            ]
    return Explanation(ranking=result, row=row, records=records, entries=entries)
