"""The one-page summary of an officer's record (民警个人年度档案摘要) for the annual review, as a PDF
rendered by WeasyPrint with the WenQuanYi font, as the case documents are (jingwu.cases.documents)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from jingwu.audit.services import audit_record
from jingwu.core.pdf import html_to_pdf
from jingwu.personnel.selectors import Profile, officer_profile
from jingwu.personnel.training import kind_name

TEMPLATE = "personnel/documents/profile.html"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "personnel" / "documents"


def _date(day: Any) -> str:
    if day is None:
        return ""
    if not isinstance(day, date) or hasattr(day, "hour"):
        day = timezone.localtime(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def profile_context(profile: Profile) -> dict[str, Any]:
    officer = profile.officer
    return {
        "name": officer.full_name,
        "badge_number": officer.badge_number,
        "unit": officer.unit.name,
        "roles": "、".join(officer.role_labels()),
        "printed_on": _date(profile.today),
        "training": [
            {
                "title": e.course.title,
                "kind": kind_name(e.course.kind),
                "dates": _date(e.course.starts_on),
                "status": str(e.get_status_display()),
                "score": "" if e.score is None else str(e.score),
                "result": "合格" if e.passed else ("不合格" if e.passed is False else "—"),
            }
            for e in profile.enrolments[:12]
        ],
        "overdue": profile.overdue,
        "honours": [
            {"title": h.title, "date": _date(h.awarded_on), "body": h.awarding_body} for h in profile.honours
        ],
        "handled": [{"label": h.label, "count": h.count if h.visible else "—"} for h in profile.handled],
    }


def render_profile(profile: Profile, actor: Any = None) -> bytes:
    html = render_to_string(TEMPLATE, profile_context(profile))
    return html_to_pdf(html, base_dir=TEMPLATE_DIR, actor=actor)


def profile_pdf(*, actor: Any, officer_id: int, today: date | None = None) -> tuple[Profile, bytes]:
    """The officer's one-page summary for whoever may read the record; the print is audited."""
    profile = officer_profile(actor=actor, officer_id=officer_id, today=today)
    pdf = render_profile(profile, actor)
    audit_record(actor=actor, action="personnel.profile_pdf", obj=profile.officer)
    return profile, pdf
