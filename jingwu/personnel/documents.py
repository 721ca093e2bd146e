"""The one-page summary of an officer's record (民警个人年度档案摘要) for the annual review, as a PDF
rendered by WeasyPrint with the WenQuanYi font, as the case documents are (jingwu.cases.documents)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib import request

from django.template.loader import render_to_string
from django.utils import timezone

from jingwu.audit.services import audit_record
from jingwu.cases.documents import FONT_FILE, font_css
from jingwu.core.watermark import pdf_watermark_stylesheets
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


def _fetcher() -> Any:
    """WeasyPrint reads only the font file and files beside the template: nothing from the network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        def __init__(self) -> None:
            request.OpenerDirector.__init__(self)
            self._timeout, self._http_headers, self._allowed_protocols = 10, {}, ("file",)
            self._fail_on_errors, self._request = False, None

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(request.url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not url.startswith("file:") or (
                path != FONT_FILE.resolve() and not path.is_relative_to(TEMPLATE_DIR)
            ):
                raise ValueError(f"not a document resource: {url}")
            return URLFetcherResponse(url, path.open("rb"), {"Content-Type": "application/octet-stream"})

    return LocalFetcher()


def render_profile(profile: Profile, actor: Any = None) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(TEMPLATE, profile_context(profile))
    fonts, fetcher = FontConfiguration(), _fetcher()
    stylesheet = CSS(string=font_css(), font_config=fonts, url_fetcher=fetcher)
    marks = pdf_watermark_stylesheets(actor, fonts, fetcher)
    return HTML(string=html, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet, *marks], font_config=fonts
    )


def profile_pdf(*, actor: Any, officer_id: int, today: date | None = None) -> tuple[Profile, bytes]:
    """The officer's one-page summary for whoever may read the record; the print is audited."""
    profile = officer_profile(actor=actor, officer_id=officer_id, today=today)
    pdf = render_profile(profile, actor)
    audit_record(actor=actor, action="personnel.profile_pdf", obj=profile.officer)
    return profile, pdf
