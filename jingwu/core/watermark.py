"""Export watermarks (导出水印): who exported, and when, visible on every page or sheet of an export.

One helper for all exports: PDFs get a stylesheet (a line in the page's top margin box plus a faint
diagonal mark repeated on every page, `position: fixed` repeats in WeasyPrint); Excel sheets get a
header/footer line and, as their first row, the same "导出人/时间" line. The export itself is audited by
the service that produces it (the watermark identifies a leaked copy; the audit log says who took it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone


def watermark_text(actor: Any, at: datetime | None = None) -> str:
    """ "导出人：张三（zhangsan） 导出时间：2026-11-29 16:20" in Asia/Shanghai time."""
    moment = timezone.localtime(at or timezone.now())
    name = getattr(actor, "full_name", "") or getattr(actor, "username", "")
    username = getattr(actor, "username", "")
    who = f"{name}（{username}）" if username and username != name else name
    return f"导出人：{who} 导出时间：{moment:%Y-%m-%d %H:%M}"


def _css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and line breaks escaped (names are user data)."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\\n\r\f' or ord(c) < 0x20 else c for c in text)
    return f'"{escaped}"'


def pdf_watermark_css(actor: Any, at: datetime | None = None) -> str:
    """CSS for WeasyPrint: the watermark line at the top of every page and a faint diagonal copy."""
    text = _css_string(watermark_text(actor, at))
    return (
        f"@page {{ @top-center {{ content: {text}; font-size: 8pt; color: #777; }} }}\n"
        f"html::after {{ content: {text}; position: fixed; top: 45%; left: -10%; width: 120%;"
        " text-align: center; font-size: 22pt; color: rgba(0, 0, 0, 0.09); transform: rotate(-30deg); }\n"
    )


def pdf_watermark_stylesheets(actor: Any, font_config: Any, url_fetcher: Any) -> list[Any]:
    """[CSS] to add to `write_pdf(stylesheets=...)`; none when there is no actor (a stored original)."""
    if actor is None:
        return []
    from weasyprint import CSS

    return [CSS(string=pdf_watermark_css(actor), font_config=font_config, url_fetcher=url_fetcher)]


def excel_watermark(sheet: Any, actor: Any, at: datetime | None = None) -> str:
    """Mark an openpyxl sheet (also a write-only one: call it before the first `append`)."""
    text = watermark_text(actor, at)
    sheet.oddHeader.center.text = text
    sheet.oddFooter.center.text = text
    sheet.evenHeader.center.text = text
    sheet.evenFooter.center.text = text
    sheet.append([text])
    return text
