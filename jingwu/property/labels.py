"""The printable label of an item (涉案财物标签): its code in large type, a QR code and a few facts.

The QR code carries ONLY the label code (e.g. WP-2026-000123): a scanned label tells nothing without a
login, and the scan page (/property/label/<code>/) shows the item within the access policy. The PDF is
rendered by WeasyPrint with the documents' CJK font (jingwu.cases.documents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib import request

import segno
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from jingwu.cases.documents import FONT_FILE, font_css
from jingwu.property.models import PropertyItem


def qr_payload(item: PropertyItem) -> str:
    """What the QR code encodes: the label code and nothing else."""
    return item.label_code


def qr_svg(code: str, scale: int = 4) -> SafeString:
    """An inline SVG of the QR code of exactly `code` (segno builds it from that string only)."""
    qr = segno.make_qr(code, error="m")
    # segno's own markup, built from the code alone: safe to inline.
    return mark_safe(qr.svg_inline(scale=scale, dark="#000", light="#fff"))


def label_context(item: PropertyItem) -> dict[str, Any]:
    return {"item": item, "qr": qr_svg(qr_payload(item)), "case": item.case}


def _fetcher() -> Any:
    """WeasyPrint may read the font file only: a label loads nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FontOnly(URLFetcher):
        def __init__(self) -> None:
            request.OpenerDirector.__init__(self)
            self._timeout, self._http_headers, self._allowed_protocols = 10, {}, ("file",)
            self._fail_on_errors, self._request = False, None

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(request.url2pathname(url.removeprefix("file:"))).resolve()
            if not url.startswith("file:") or path != FONT_FILE.resolve():
                raise ValueError(f"labels load the font only: {url}")
            return URLFetcherResponse(url, path.open("rb"), {"Content-Type": "font/ttf"})

    return FontOnly()


def label_pdf(item: PropertyItem) -> bytes:
    """The label as a PDF (70 × 50 mm)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string("property/label_pdf.html", label_context(item))
    fonts, fetcher = FontConfiguration(), _fetcher()
    stylesheet = CSS(string=font_css(), font_config=fonts, url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet], font_config=fonts)
