"""The notice as a printable document (执法监督通知书 / 检察监督文书), A4 PDF by WeasyPrint with the same
font set-up as the case documents (jingwu.cases.documents)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from jingwu.core.pdf import html_to_pdf
from jingwu.supervision.catalogue import catalogue
from jingwu.supervision.models import SupervisionNotice


def _date(moment: object) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"  # type: ignore[attr-defined]


def notice_pdf(notice: SupervisionNotice, actor: object = None) -> bytes:
    """Render the notice, with its history so far, to PDF bytes. Nothing is loaded from the network."""
    cat = catalogue()
    opinion = cat.opinion_types.get(notice.opinion_type)
    context = {
        "notice": notice,
        "title": opinion.name if opinion else notice.get_kind_display(),
        "issuer": cat.issuers[notice.kind],
        "defect": cat.defects.get(notice.defect, notice.defect),
        "citation": opinion.citation if opinion else "",
        "rectify_by": _date(notice.rectify_by),
        "issued_on": _date(timezone.localtime(notice.issued_at)),
        "entries": [
            {
                "at": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                "action": e.get_action_display(),
                "actor": e.actor.full_name,
                "text": e.text,
            }
            for e in notice.entries.select_related("actor")
        ],
    }
    html = render_to_string("supervision/documents/notice.html", context)
    return html_to_pdf(html, actor=actor)
