"""The quality evaluation pages (执法质量考评): the ranking of a period, a unit's score explained down to
its cases, manual items and publishing (legal affairs), and the Excel export. Thin views over
jingwu.quality.selectors and services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.core.errors import ServiceError
from jingwu.core.forms import apply_service_error, form_status
from jingwu.quality import export, selectors, services
from jingwu.quality.forms import AdjustmentForm, ReverseForm
from jingwu.quality.periods import KINDS, Period, PeriodError, local_date, parse_period, period_of
from jingwu.quality.scheme import scheme as current_scheme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> Period:
    """The period asked for (?period=2026-Q3), by default the current year; a bad key falls back too."""
    key = request.GET.get("period") or request.POST.get("period") or ""
    try:
        return parse_period(key)
    except PeriodError:
        return period_of(local_date(timezone.now()), "year")


def period_options(today: date) -> list[tuple[str, str]]:
    """The periods offered: this and the last two years, the quarters so far, the last 12 months."""
    options = []
    for year in (today.year, today.year - 1, today.year - 2):
        options.append(parse_period(f"{year}"))
    for year in (today.year, today.year - 1):
        options.extend(
            parse_period(f"{year}-Q{q}") for q in (4, 3, 2, 1) if date(year, (q - 1) * 3 + 1, 1) <= today
        )
    month = date(today.year, today.month, 1)
    for _ in range(12):
        options.append(period_of(month, "month"))
        month = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    return [(p.key, f"{p.label}（{KINDS[p.kind]}）") for p in options]


def _common(request: HttpRequest, period: Period) -> dict[str, Any]:
    today = local_date(timezone.now())
    options = period_options(today)
    if period.key not in {key for key, _ in options}:
        options.insert(0, (period.key, period.label))
    return {
        "period": period,
        "period_options": options,
        "can_manage": has_capability(request.user, "quality.manage"),
        "period_ended": period.ended(timezone.now()),
        "scheme": current_scheme(),
    }


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """考评排名: every visible unit of the period with score, grade, rank and its main deductions."""
    period = _period(request)
    result = selectors.ranking(actor=request.user, period=period)
    return render(request, "quality/ranking.html", {**_common(request, period), "ranking": result})


def _unit_context(request: HttpRequest, unit_id: int, period: Period, **bound: Any) -> dict[str, Any]:
    found = selectors.explanation(actor=request.user, unit_id=unit_id, period=period)
    lines = [
        {**line, "records": found.records.get(line["key"], []), "hit": Decimal(line["points"]) != 0}
        for line in found.row.lines
    ]
    titles = {item.key: item.title_zh for item in current_scheme().items}
    for entry in found.entries:
        entry.item_title = titles.get(entry.item_key, entry.item_key)
    reversed_ids = {e.reverses_id for e in found.entries if e.reverses_id}
    can_manage = has_capability(request.user, "quality.manage")
    form = bound.get("form")
    if form is None and can_manage:
        today = local_date(timezone.now())
        default_day = min(today, date.fromordinal(period.after.toordinal() - 1))
        form = AdjustmentForm(initial={"occurred_on": default_day})
    return {
        **_common(request, period),
        "found": found,
        "row": found.row,
        "lines": lines,
        "entries": found.entries,
        "reversed_ids": reversed_ids,
        "form": form,
        "reverse_form": bound.get("reverse_form"),
        "failed_entry": bound.get("failed_entry"),
    }


@login_required
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's score for the period, item by item, with the cases behind every line."""
    period = _period(request)
    return render(request, "quality/unit.html", _unit_context(request, unit_id, period))


# The services' argument names → the form's field names, so that a refusal lands on its input.
FIELD_NAMES = {"case": "case_number"}


def _show_refusal(form: AdjustmentForm, error: ServiceError) -> None:
    placed = False
    for name, message in error.field_errors.items():
        if (field := FIELD_NAMES.get(name, name)) in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _back(unit_id: int, period: Period) -> str:
    return reverse("quality:unit", args=[unit_id]) + "?" + urlencode({"period": period.key})


def _case_id(number: str) -> int | None:
    from jingwu.cases.models import Case

    return Case.objects.filter(number=number.strip()).values_list("pk", flat=True).first()


@login_required
@require_http_methods(["POST"])
def adjustment_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    """录入人工考评项 (legal affairs): the item, points, day, an optional case and the reasons."""
    require(request.user, "quality.manage")
    period = _period(request)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        case_id = None
        if data["case_number"].strip():
            case_id = _case_id(data["case_number"])
            if case_id is None:
                form.add_error("case_number", "未找到该案件编号")
        if not form.errors:
            try:
                entry = services.adjustment_create(
                    actor=request.user,
                    unit_id=unit_id,
                    item_key=data["item_key"],
                    points=data["points"],
                    occurred_on=data["occurred_on"],
                    reason=data["reason"],
                    case_id=case_id,
                )
            except ServiceError as exc:
                _show_refusal(form, exc)
            else:
                messages.success(request, f"已录入：{entry.points:+}分")
                return redirect(_back(unit_id, period))
    context = _unit_context(request, unit_id, period, form=form)
    return render(request, "quality/unit.html", context, status=form_status(form))


@login_required
@require_POST
def adjustment_reverse(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    """撤销人工考评项 by a reversing entry, with the reason."""
    require(request.user, "quality.manage")
    from jingwu.quality.models import QualityAdjustment

    period = _period(request)
    entry = QualityAdjustment.objects.filter(pk=adjustment_id).first()
    if entry is None:
        from django.http import Http404

        raise Http404
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_reverse(
                actor=request.user, adjustment_id=entry.pk, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "已撤销该考评项目")
            return redirect(_back(entry.unit_id, period))
    context = _unit_context(request, entry.unit_id, period, reverse_form=form, failed_entry=entry.pk)
    return render(request, "quality/unit.html", context, status=form_status(form))


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """发布考评结果: freeze the period's ranking and explanations."""
    require(request.user, "quality.manage")
    period = _period(request)
    try:
        services.period_publish(actor=request.user, period=period, note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{period.label}考评结果已发布")
    return redirect(reverse("quality:ranking") + "?" + urlencode({"period": period.key}))


@login_required
@require_GET
def ranking_export(request: HttpRequest) -> HttpResponse:
    """The ranking as an Excel workbook (audited)."""
    period = _period(request)
    content, filename = export.ranking_workbook(actor=request.user, period=period)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
