"""Pages of the statistics (统计分析): thin — the figures come from jingwu.stats.selectors."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlencode

import yaml
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.core.errors import ServiceError
from jingwu.stats import export, periods, scope, selectors, services
from jingwu.stats.definitions import DATA, figures, questionnaire
from jingwu.stats.models import SurveyRound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
    return response


@cache
def township_positions() -> dict[str, list[float]]:
    raw = yaml.safe_load((DATA / "township_positions.yaml").read_text(encoding="utf-8"))
    return {str(k): [float(v[0]), float(v[1])] for k, v in raw.items()}


def _period(request: HttpRequest, params: Any) -> periods.Period:
    """The period asked for; this month (with a message) when the input is not a valid period."""
    today = timezone.localdate()
    try:
        return periods.parse(params, today)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return periods.month(today.year, today.month)


def _choose(request: HttpRequest) -> tuple[periods.Period, scope.Selection, list[scope.Selection]]:
    period = _period(request, request.GET)
    options = scope.options(request.user)
    return period, scope.resolve(request.user, request.GET.get("scope")), options


def _query(period: periods.Period, selection: scope.Selection, **extra: str) -> str:
    return urlencode(period.query() | {"scope": selection.value} | extra)


def _board_context(request: HttpRequest) -> dict[str, Any]:
    period, selection, options = _choose(request)
    board = selectors.dashboard(actor=request.user, period=period, selection=selection)
    positions = township_positions()
    query = _query(period, selection)
    chart_data = {
        "categories": [
            {"name": r["label"], "current": r["figure"].current, "previous": r["figure"].previous}
            for r in board.by_category
        ],
        "trend": board.trend,
        "heatmap": [[h, d, board.heatmap[d][h]] for d in range(7) for h in range(24)],
        "weekdays": list(selectors.WEEKDAYS),
        "townships": [
            {"name": t["name"], "value": [*positions.get(t["code"], [0, 0]), t["count"]]}
            for t in board.townships
        ],
    }
    return {
        "board": board,
        "period": period,
        "selection": selection,
        "options": options,
        "query": query,
        "kinds": [("month", "月"), ("quarter", "季度"), ("year", "年"), ("custom", "自定义")],
        "figures": figures(),
        "chart_data": chart_data,
        "can_drill": has_capability(request.user, "incident.view"),
        "can_report": has_capability(request.user, "stats.view"),
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "stats.view")
    context = _board_context(request)
    if request.GET.get("export") == "xlsx":
        board = selectors.live_figures(actor=request.user, board=context["board"])
        return _xlsx(_board_workbook(request, board), "统计分析")
    return render(request, "stats/dashboard.html", context)


@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The dashboard's live part (htmx): dispute resolution, deadline breaches and quality scores, which
    their own apps compute from their tables; loaded after the page so the rollup figures come first."""
    require(request.user, "stats.view")
    period, selection, _ = _choose(request)
    live_part = {
        "resolution": selectors.resolution(actor=request.user, period=period, selection=selection),
        "breaches": selectors.breaches_by_unit(actor=request.user, period=period, selection=selection),
        "quality": selectors.quality_scores(actor=request.user, period=period, selection=selection),
    }
    return render(request, "stats/_live.html", {"board": live_part, "figures": figures()})


def _board_workbook(request: HttpRequest, board: selectors.Dashboard) -> bytes:
    defs = figures()
    rows: list[list[Any]] = [
        ["警情总数", board.incidents.current, board.incidents.previous, export.pct(board.incidents.yoy)]
    ]
    rows += [
        [f"警情：{r['label']}", r["figure"].current, r["figure"].previous, export.pct(r["figure"].yoy)]
        for r in board.by_category
    ]
    rows += [[defs[k].title, c.current, c.previous, export.pct(c.yoy)] for k, c in board.cases.items()]
    rows.append(
        ["矛盾纠纷登记数", board.disputes.current, board.disputes.previous, export.pct(board.disputes.yoy)]
    )
    for r in board.response:
        rows.append([f"{defs[r['key']].title}中位数（分钟）", r["p50"], r["previous_p50"], ""])
        rows.append([f"{defs[r['key']].title}第90百分位（分钟）", r["p90"], r["previous_p90"], ""])
    if board.resolution:
        rows.append(
            [
                "矛盾纠纷化解率（%）",
                board.resolution["current"]["rate"],
                board.resolution["previous"]["rate"],
                "",
            ]
        )
    rows += [[f"超期：{b['unit']}", b["count"], "", ""] for b in board.breaches]
    return export.workbook(
        actor=request.user,
        title=f"{board.selection.label}{board.period.label}统计",
        note=f"上年同期：{board.previous.first}至{board.previous.last}；口径见 docs/statistics.md",
        header=["指标", "本期", "上年同期", "同比"],
        rows=rows,
    )


@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """大屏: the dashboard for the command center wall; the page reloads itself every minute."""
    require(request.user, "stats.screen")
    period = _period(request, request.GET)
    selection = scope.resolve(request.user, request.GET.get("scope"))
    board = selectors.dashboard(
        actor=request.user, period=period, selection=selection, capability="stats.screen"
    )
    selectors.live_figures(actor=request.user, board=board)
    positions = township_positions()
    chart_data = {
        "categories": [
            {"name": r["label"], "current": r["figure"].current, "previous": r["figure"].previous}
            for r in board.by_category
        ],
        "trend": board.trend,
        "heatmap": [[h, d, board.heatmap[d][h]] for d in range(7) for h in range(24)],
        "weekdays": list(selectors.WEEKDAYS),
        "townships": [
            {"name": t["name"], "value": [*positions.get(t["code"], [0, 0]), t["count"]]}
            for t in board.townships
        ],
    }
    return render(
        request,
        "stats/screen.html",
        {"board": board, "chart_data": chart_data, "now": timezone.localtime(), "refresh": 60},
    )


@require_GET
def records(request: HttpRequest) -> HttpResponse:
    """The records behind a figure (下钻明细)."""
    require(request.user, "stats.view")
    period, selection, _ = _choose(request)
    figure, key = request.GET.get("figure", ""), request.GET.get("key", "")
    kind, found = selectors.records(
        actor=request.user, figure=figure, period=period, selection=selection, key=key
    )
    title = selectors.DRILL_FIGURES[figure] + (
        f"（{selectors.incident_categories().get(key, key)}）" if key else ""
    )
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            _records_workbook(request, kind, found, f"{selection.label}{period.label}{title}"), "统计明细"
        )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = _query(period, selection, figure=figure, key=key)
    return render(
        request,
        "stats/records.html",
        {
            "kind": kind,
            "page": page,
            "total": page.paginator.count,
            "title": title,
            "period": period,
            "selection": selection,
            "query": query,
            "back": reverse("stats:dashboard") + "?" + _query(period, selection),
        },
    )


def _records_workbook(request: HttpRequest, kind: str, found: Any, title: str) -> bytes:
    local = timezone.localtime
    if kind == "incident":
        header = ["警情编号", "接警时间", "类别", "乡镇", "辖区派出所", "状态"]
        rows = (
            [
                i.number,
                f"{local(i.received_at):%Y-%m-%d %H:%M}",
                i.category,
                i.village.parent.name,
                i.station.name,
                i.get_status_display(),
            ]
            for i in found.iterator()
        )
    elif kind == "case":
        header = ["案件编号", "案件名称", "类别", "立案时间", "结案时间", "辖区派出所"]
        rows = (
            [
                c.number,
                c.title,
                c.get_kind_display(),
                f"{local(c.filed_at):%Y-%m-%d}" if c.filed_at else "",
                f"{local(c.closed_at):%Y-%m-%d}" if c.closed_at else "",
                c.station.name,
            ]
            for c in found.iterator()
        )
    else:
        header = ["纠纷编号", "登记时间", "类型", "责任单位", "状态"]
        rows = (
            [d.number, f"{local(d.registered_at):%Y-%m-%d %H:%M}", d.kind, d.station.name, d.status]
            for d in found.iterator()
        )
    return export.workbook(actor=request.user, title=title, header=header, rows=rows)


@require_GET
def reform(request: HttpRequest) -> HttpResponse:
    """改革前后对比: difference-in-differences of the treated townships against the rest."""
    require(request.user, "stats.view")
    options = scope.options(request.user)
    stations = options[0].station_ids
    towns = [o for o in options if o.township]
    chosen = request.GET.getlist("township") or list(selectors.WUBEI_TOWNSHIPS)
    chosen = [c for c in chosen if any(o.township == c for o in towns)]
    try:
        reform_date = (
            date.fromisoformat(request.GET.get("date", ""))
            if request.GET.get("date")
            else selectors.WUBEI_REFORM_DATE
        )
        months = max(1, min(36, int(request.GET.get("months") or 12)))
    except ValueError:
        messages.error(request, "日期或月数无效")
        reform_date, months = selectors.WUBEI_REFORM_DATE, 12
    result = selectors.reform(
        actor=request.user,
        townships=chosen,
        reform_date=reform_date,
        months=months,
        figure=request.GET.get("figure", "crime_order"),
        stations=stations,
    )
    if request.GET.get("export") == "xlsx":
        d = result.did
        content = export.workbook(
            actor=request.user,
            title=f"改革前后对比（{result.figure.label}）",
            note=(
                f"改革地区：{'、'.join(result.treated_names)}；改革日期 {reform_date}；"
                f"前期 {result.before[0]}至{result.before[1]}，后期 {result.after[0]}至{result.after[1]}"
            ),
            header=["组别", "前期", "后期", "变化", "变化率"],
            rows=[
                ["改革地区", d.treated_before, d.treated_after, d.treated_change, export.pct(d.treated_pct)],
                [
                    "对照地区（其余乡镇）",
                    d.control_before,
                    d.control_after,
                    d.control_change,
                    export.pct(d.control_pct),
                ],
                ["双重差分（DiD）", "", "", d.did, export.pct(d.relative)],
            ],
        )
        return _xlsx(content, "改革前后对比")
    return render(
        request,
        "stats/reform.html",
        {
            "result": result,
            "towns": towns,
            "chosen": set(chosen),
            "figure_choices": selectors.REFORM_FIGURES,
            "months": months,
            "query": request.GET.urlencode(),
            "figures": figures(),
            "chart_data": result.series,
        },
    )


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """月度统计报告 (PDF) for a month and a scope."""
    from jingwu.stats.report import monthly_report_pdf

    require(request.user, "stats.view")
    period = _period(request, {"kind": "month", "value": request.GET.get("value", "")})
    selection = scope.resolve(request.user, request.GET.get("scope"))
    pdf = monthly_report_pdf(actor=request.user, period=period, selection=selection)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''report-{period.value}.pdf"
    return response


# --------------------------------------------------------------------------------------------------
# 平安三率


def _survey_towns(request: HttpRequest) -> list[scope.Selection]:
    return [o for o in scope.options(request.user) if o.township]


@require_GET
def survey(request: HttpRequest) -> HttpResponse:
    require(request.user, "stats.view")
    waves = selectors.survey_waves(actor=request.user)
    wave = request.GET.get("wave") or (waves[0] if waves else "")
    towns = _survey_towns(request)
    table = selectors.survey_ranking(
        actor=request.user, wave=wave, township_codes={t.township for t in towns}
    )
    indicators = questionnaire().indicators
    if request.GET.get("export") == "xlsx" and wave:
        header = ["名次", "乡镇", "样本量"]
        for label in indicators.values():
            header += [f"{label}（%）", f"{label}95%置信区间"]
        header.append("三率平均（%）")
        rows = []
        for row in table:
            line = [row["rank"], row["township"], row["responses"]]
            for code in indicators:
                rate = row["rates"][code]
                low_high = rate.interval
                line += [rate.rate, f"{low_high[0]}–{low_high[1]}" if low_high else ""]
            line.append(row["overall"])
            rows.append(line)
        return _xlsx(
            export.workbook(actor=request.user, title=f"{wave}平安三率测评排名", header=header, rows=rows),
            "平安三率",
        )
    return render(
        request,
        "stats/survey.html",
        {
            "waves": waves,
            "wave": wave,
            "table": table,
            "indicators": indicators,
            "towns": towns,
            "can_enter": has_capability(request.user, "stats.survey"),
            "figures": figures(),
            "today": timezone.localdate(),
        },
    )


@require_POST
def survey_round_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "stats.survey")
    try:
        created = services.survey_round_create(
            actor=request.user,
            wave=request.POST.get("wave", ""),
            township_code=request.POST.get("township", ""),
            held_from=date.fromisoformat(request.POST.get("held_from", "")),
            held_to=date.fromisoformat(request.POST.get("held_to", "")),
        )
    except (ServiceError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "") or "请检查测评批次、乡镇和日期")
        return redirect("stats:survey")
    return redirect("stats:survey_round", round_id=created.pk)


@require_http_methods(["GET", "POST"])
def survey_round(request: HttpRequest, round_id: int) -> HttpResponse:
    require(request.user, "stats.view")
    towns = {t.township for t in _survey_towns(request)}
    survey_round = (
        SurveyRound.objects.select_related("township").filter(pk=round_id, township__code__in=towns).first()
    )
    if survey_round is None:
        from django.http import Http404

        raise Http404
    if request.method == "POST":
        require(request.user, "stats.survey")
        try:
            if request.FILES.get("file"):
                result = services.survey_import_xlsx(
                    actor=request.user, round_id=round_id, content=request.FILES["file"].read()
                )
                if result.errors:
                    for error in result.errors[:20]:
                        messages.error(request, error)
                else:
                    messages.success(request, f"已导入 {result.imported} 份答卷")
            else:
                answers = {q.code: request.POST.get(q.code, "") for q in questionnaire().questions}
                services.survey_response_record(actor=request.user, round_id=round_id, answers=answers)
                messages.success(request, "答卷已录入")
        except ServiceError as exc:
            messages.error(request, getattr(exc, "message", "") or str(exc))
        return redirect("stats:survey_round", round_id=round_id)
    return render(
        request,
        "stats/survey_round.html",
        {
            "round": survey_round,
            "rates": selectors.round_rates(survey_round),
            "indicators": questionnaire().indicators,
            "questions": questionnaire().questions,
            "responses": survey_round.responses.count(),
            "can_enter": has_capability(request.user, "stats.survey"),
        },
    )
