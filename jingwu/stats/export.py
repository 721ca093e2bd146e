"""Tables as Excel workbooks (导出Excel), openpyxl write-only; every export is audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from jingwu.audit.services import audit_record


def workbook(
    *, actor: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], note: str = ""
) -> bytes:
    """One sheet: a title line, an optional note line, the header, then the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([title])
    if note:
        sheet.append([note])
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
        count += 1
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor,
        action="stats.export",
        object_type="stats.table",
        object_label=title,
        changes={"rows": count},
    )
    return buffer.getvalue()


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"
