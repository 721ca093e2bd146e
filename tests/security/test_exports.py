"""Exports: the watermark (导出人/时间) on PDFs and Excel; a leader approves bulk personal-data exports."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import ServiceError
from jingwu.core.exports import BULK_PERSONAL_ROWS, BulkExportRefused, bulk_export_approve, export_check
from jingwu.core.watermark import pdf_watermark_css, pdf_watermark_stylesheets, watermark_text
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 1, 2, 5, tzinfo=UTC)  # 10:05 in Wuping


def test_the_watermark_names_the_user_and_the_local_time(user_of) -> None:
    text = watermark_text(user_of("legal_affairs"), MOMENT)
    assert text.startswith("导出人：") and "（legal_affairs）" in text
    assert text.endswith("导出时间：2026-03-01 10:05")


def test_a_name_cannot_break_out_of_the_css_string() -> None:
    class Evil:
        full_name = '张三"; } @page { content: "x'
        username = "evil\\\n"

    css = pdf_watermark_css(Evil(), MOMENT)
    # Every quote and backslash of the data is a CSS escape: the only quotes are the delimiters.
    for line in css.splitlines():
        assert line.count('"') == 2


def test_a_pdf_carries_the_watermark_on_every_page(user_of) -> None:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    html = "<html><body>" + "".join(f"<p>第{i}段 武平县</p>" for i in range(200)) + "</body></html>"
    pdf = HTML(string=html).write_pdf(
        stylesheets=pdf_watermark_stylesheets(user_of("leader"), fonts, None), font_config=fonts
    )
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type/Page")
    text = pdf_text(pdf)
    assert text.count("导出人：") >= max(2, pages)
    assert "(leader)" in text.replace("（", "(").replace("）", ")")
    assert pdf_watermark_stylesheets(None, fonts, None) == []  # stored originals stay as they are


def test_the_excel_export_has_the_watermark_row_and_header_footer(user_of) -> None:
    client = Client()
    client.force_login(
        __import__("jingwu.org.models", fromlist=["User"]).User.objects.get(username="legal_affairs")
    )
    response = client.get("/quality/export.xlsx", {"period": "2025-Q2"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    first = sheet.cell(row=1, column=1).value
    assert first.startswith("导出人：") and "legal_affairs" in first
    assert sheet.oddHeader.center.text == first and sheet.oddFooter.center.text == first
    assert AuditEntry.objects.filter(action="quality.export", actor_username="legal_affairs").exists()


def test_a_small_or_impersonal_export_needs_no_approval(user_of) -> None:
    officer = user_of("officer")
    export_check(actor=officer, what="persons.xlsx", rows=BULK_PERSONAL_ROWS, personal=True)
    export_check(actor=officer, what="ranking.xlsx", rows=10_000, personal=False)


def test_a_bulk_personal_export_needs_a_leaders_approval_used_once(user_of) -> None:
    officer, leader = user_of("officer"), user_of("leader")
    rows = BULK_PERSONAL_ROWS + 1
    with pytest.raises(BulkExportRefused):
        export_check(actor=officer, what="persons.xlsx", rows=rows, personal=True)
    assert AuditEntry.objects.filter(
        action="export.bulk", actor_username="officer", outcome="denied"
    ).exists()
    # Only a leader approves, with a reason.
    with pytest.raises(Exception) as refused:
        bulk_export_approve(
            actor=user_of("chief"), requester_id=officer.pk, what="persons.xlsx", max_rows=100, reason="x"
        )
    assert refused.type.__name__ == "PermissionDenied"
    with pytest.raises(ServiceError):
        bulk_export_approve(
            actor=leader, requester_id=officer.pk, what="persons.xlsx", max_rows=100, reason=" "
        )
    approval = bulk_export_approve(
        actor=leader,
        requester_id=officer.pk,
        what="persons.xlsx",
        max_rows=100,
        reason="专项行动需要核对人员名单",
    )
    # Not for another kind of export, not for more rows, not for someone else.
    with pytest.raises(BulkExportRefused):
        export_check(actor=officer, what="cases.xlsx", rows=rows, personal=True)
    with pytest.raises(BulkExportRefused):
        export_check(actor=officer, what="persons.xlsx", rows=101, personal=True)
    with pytest.raises(BulkExportRefused):
        export_check(actor=user_of("wubei_officer"), what="persons.xlsx", rows=rows, personal=True)
    export_check(actor=officer, what="persons.xlsx", rows=rows, personal=True)
    used = AuditEntry.objects.filter(action="export.bulk", actor_username="officer", outcome="allowed").get()
    assert used.changes["approval"] == approval.seq and used.changes["approved_by"] == "leader"
    with pytest.raises(BulkExportRefused):  # once
        export_check(actor=officer, what="persons.xlsx", rows=rows, personal=True)
