"""The printable label of an item (涉案财物标签): its code in large type, a QR code and a few facts.

The QR code carries ONLY the label code (e.g. WP-2026-000123): a scanned label tells nothing without a
login, and the scan page (/property/label/<code>/) shows the item within the access policy. The PDF is
rendered by WeasyPrint with the documents' CJK font (jingwu.cases.documents).
"""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from jingwu.core.pdf import html_to_pdf
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


def label_pdf(item: PropertyItem) -> bytes:
    """The label as a PDF (70 × 50 mm)."""
    # A label loads the font only; it is a physical label, not an export: no watermark.
    return html_to_pdf(render_to_string("property/label_pdf.html", label_context(item)))
