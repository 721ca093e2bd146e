"""The monthly bureau report (月度警情统计报告) as a PDF: WeasyPrint with the WenQuanYi font, the
charts drawn as plain SVG bars here (ECharts renders only in the browser)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from jingwu.audit.services import audit_record
from jingwu.core.pdf import html_to_pdf
from jingwu.stats import selectors
from jingwu.stats.periods import Period
from jingwu.stats.scope import Selection

BAR_WIDTH = 300  # px of the longest bar


def bars(items: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """SVG geometry of a horizontal bar chart: label, value and bar width scaled to the largest."""
    top = max((v for _, v in items), default=0) or 1
    return [
        {"label": label, "value": value, "width": round(value * BAR_WIDTH / top), "y": n * 22}
        for n, (label, value) in enumerate(items)
    ]


def monthly_report_pdf(*, actor: Any, period: Period, selection: Selection) -> bytes:
    board = selectors.dashboard(actor=actor, period=period, selection=selection)
    selectors.live_figures(actor=actor, board=board)
    category_bars = bars([(row["label"], row["figure"].current) for row in board.by_category])
    town_bars = bars([(t["name"], t["count"]) for t in board.townships if t["count"]])
    html = render_to_string(
        "stats/report.html",
        {
            "board": board,
            "category_bars": category_bars,
            "category_height": len(category_bars) * 22,
            "town_bars": town_bars,
            "town_height": len(town_bars) * 22,
            "generated": timezone.localtime(),
            "actor": actor,
        },
    )
    pdf = html_to_pdf(html, actor=actor)
    audit_record(
        actor=actor,
        action="stats.report",
        object_type="stats.report",
        object_label=f"{period.label} {selection.label}",
    )
    return pdf
