"""Writes of the quality evaluation (执法质量考评): manual items, their reversal, and publishing a period.

Only the legal affairs brigade (`quality.manage`) writes. Manual items are append-only: a mistake is
cancelled by a reversing entry with its own reason. A published period is frozen: its results are kept
as a snapshot and no manual item dated inside it may be added or reversed any more.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.audit.services import audit_record
from jingwu.core.errors import Conflict, ServiceError
from jingwu.quality import selectors
from jingwu.quality.models import QualityAdjustment, QualityEvaluation, QualityPublication
from jingwu.quality.periods import Period, local_date, period_of
from jingwu.quality.scheme import STEP
from jingwu.quality.scheme import scheme as current_scheme
from jingwu.quality.sources import UnitMap

MAX_REASON = 2000


def _frozen_period(day: date) -> str | None:
    """The key of a published period holding `day`, if any (its month, quarter or year)."""
    keys = [period_of(day, kind).key for kind in ("month", "quarter", "year")]
    return QualityPublication.objects.filter(period__in=keys).values_list("period", flat=True).first()


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ServiceError("请写明事实与理由", {"reason": "请写明事实与理由"})
    if len(text) > MAX_REASON:
        raise ServiceError(f"事实与理由最多{MAX_REASON}字", {"reason": f"最多{MAX_REASON}字"})
    return text


def adjustment_create(
    *,
    actor: Any,
    unit_id: int,
    item_key: str,
    points: Decimal | str | int | float,
    occurred_on: date,
    reason: str,
    case_id: int | None = None,
    now: datetime | None = None,
) -> QualityAdjustment:
    """Enter a manual item (人工考评项) for an evaluated unit, with the facts and reasons."""
    require(actor, "quality.manage")
    scheme = current_scheme()
    text = _reason(reason)
    try:
        item = scheme.item(item_key)
    except KeyError:
        item = None
    if item is None or not item.is_manual:
        raise ServiceError("请选择考评方案中的人工考评项目", {"item_key": "不是人工考评项目"})
    try:
        value = Decimal(str(points))
    except InvalidOperation:
        raise ServiceError("分值应为数字", {"points": "分值应为数字"}) from None
    if not value.is_finite() or value != value.quantize(STEP):
        raise ServiceError("分值最多保留一位小数", {"points": "分值最多保留一位小数"})
    if value == 0 or (value > 0) != item.is_bonus:
        sign = "正数（加分）" if item.is_bonus else "负数（扣分）"
        raise ServiceError(f"“{item.title_zh}”的分值应为{sign}", {"points": f"应为{sign}"})
    if abs(value) > abs(item.points):
        raise ServiceError(
            f"“{item.title_zh}”每条最多{abs(item.points)}分", {"points": f"每条最多{abs(item.points)}分"}
        )
    today = local_date(now or timezone.now())
    if occurred_on > today:
        raise ServiceError("所属日期不能晚于今天", {"occurred_on": "不能晚于今天"})
    units = UnitMap.load(scheme)
    if unit_id not in units.evaluated:
        raise ServiceError("该单位不参加执法质量考评", {"unit": "该单位不参加执法质量考评"})
    if case_id is not None:
        from jingwu.cases.models import Case

        case = Case.objects.filter(pk=case_id).values_list("handling_unit_id", "reviewing_unit_id").first()
        if case is None:
            raise ServiceError("未找到该案件", {"case": "未找到该案件"})
        if units.of(case[0] or case[1]) != unit_id:
            raise ServiceError("该案件不是被考评单位办理的案件", {"case": "不是该单位办理的案件"})
    if frozen := _frozen_period(occurred_on):
        raise Conflict(
            f"{frozen}的考评结果已发布，不能再录入该期的考评项目", {"occurred_on": "所属考评期已发布"}
        )
    with transaction.atomic():
        entry = QualityAdjustment.objects.create(
            unit_id=unit_id,
            item_key=item.key,
            points=value,
            occurred_on=occurred_on,
            reason=text,
            case_id=case_id,
            entered_by=actor,
        )
        audit_record(
            actor=actor,
            action="quality.adjustment.create",
            obj=entry,
            changes={"item": [None, item.key], "points": [None, str(value)], "reason": [None, text]},
        )
    return entry


def adjustment_reverse(*, actor: Any, adjustment_id: int, reason: str) -> QualityAdjustment:
    """Cancel a manual item by a reversing entry (冲销) carrying the opposite points and its reason."""
    require(actor, "quality.manage")
    text = _reason(reason)
    original = QualityAdjustment.objects.filter(pk=adjustment_id).first()
    if original is None:
        raise ServiceError("未找到该考评项目", {})
    if original.reverses_id is not None:
        raise ServiceError("撤销记录不能再撤销", {})
    if frozen := _frozen_period(original.occurred_on):
        raise Conflict(f"{frozen}的考评结果已发布，不能再撤销该期的考评项目")
    try:
        with transaction.atomic():
            reversal = QualityAdjustment.objects.create(
                unit_id=original.unit_id,
                item_key=original.item_key,
                points=-original.points,
                occurred_on=original.occurred_on,
                reason=text,
                case_id=original.case_id,
                reverses=original,
                entered_by=actor,
            )
            audit_record(
                actor=actor,
                action="quality.adjustment.reverse",
                obj=reversal,
                changes={"reverses": [None, original.pk], "reason": [None, text]},
            )
    except IntegrityError:
        raise Conflict("该考评项目已撤销") from None
    return reversal


def period_publish(
    *, actor: Any, period: Period, note: str = "", now: datetime | None = None
) -> QualityPublication:
    """Publish a finished period's results (发布考评结果): ranking, explanations and records are frozen."""
    require(actor, "quality.manage")
    now = now or timezone.now()
    if not period.ended(now):
        raise ServiceError(f"{period.label}尚未结束，不能发布考评结果", {"period": "考评期尚未结束"})
    if QualityPublication.objects.filter(period=period.key).exists():
        raise Conflict(f"{period.label}的考评结果已发布")
    scheme = current_scheme()
    units, rows = selectors.compute(period, now=now, scheme=scheme)
    entries = selectors.manual_entries(period)
    today = local_date(now)
    try:
        with transaction.atomic():
            publication = QualityPublication.objects.create(
                period=period.key,
                scheme_version=scheme.version,
                published_by=actor,
                note=(note or "").strip(),
            )
            effective = {e.pk for e in selectors.effective_entries(entries)}
            grouped = selectors.records_by_unit(units, period, today, scheme)
            evaluations = []
            for row in rows:
                records = {item.key: grouped[row.unit.id].get(item.key, []) for item in scheme.computed_items}
                for item in scheme.manual_items:
                    records[item.key] = [
                        selectors.manual_record(e)
                        for e in entries
                        if e.pk in effective and e.item_key == item.key and units.of(e.unit_id) == row.unit.id
                    ]
                evaluations.append(
                    QualityEvaluation(
                        publication=publication,
                        unit_id=row.unit.id,
                        score=row.score,
                        grade=row.grade,
                        grade_title=row.grade_title,
                        rank=row.rank,
                        explanation={"result": row.explanation, "context": row.context, "records": records},
                        computed_at=now,
                    )
                )
            QualityEvaluation.objects.bulk_create(evaluations)
            audit_record(
                actor=actor,
                action="quality.publish",
                obj=publication,
                changes={"period": [None, period.key], "units": [None, len(evaluations)]},
            )
    except IntegrityError:
        raise Conflict(f"{period.label}的考评结果已发布") from None
    return publication
