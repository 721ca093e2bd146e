"""The case page's sections 法律文书, 证据与附件 and 电子卷宗, and the procurators' page of dossiers,
through Django's test client. Cases are built through the services (test_documents.py's helpers):
`officer` handles 桃溪 station's cases, `pingchuan_officer` is another station's officer."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from jingwu.audit.models import AuditEntry
from jingwu.cases import services
from jingwu.cases.documents import attachment_verify, document_generate, document_pdf
from jingwu.cases.dossier import dossier_build, dossier_package, dossier_receive
from jingwu.cases.forms import ATTACHMENT_MAX_BYTES
from jingwu.cases.models import Attachment, Case, CaseDocument, Dossier
from jingwu.cases.tests.test_documents import alter, filed_case, transferred_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(user_of) -> Case:
    return filed_case(user_of("officer"), user_of("legal_officer"), user_of("chief"))


@pytest.fixture
def transferred(user_of) -> Case:
    return transferred_case(user_of("officer"), user_of("legal_officer"), user_of("chief"), user_of("leader"))


def client_for(user_of, username: str) -> Client:
    client = Client()
    client.force_login(user_of(username))
    return client


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)"', select[1])


# --- legal documents -----------------------------------------------------------------------------


def test_generate_a_document_from_the_page_and_download_the_pdf(user_of, filed) -> None:
    client = client_for(user_of, "officer")
    page = client.get(detail(filed)).content.decode()
    form = section(page, "documents")
    assert 'data-testid="document-form"' in form
    # Only the kinds documents.yaml allows for a filed criminal case are offered.
    assert options(form, "kind") == [
        "acceptance_form",
        "filing_decision",
        "summons",
        "detention_warrant",
        "arrest_request",
        "prosecution_opinion",
        "withdrawal_decision",
    ]
    suspect = filed.parties.get(role="suspect")
    assert options(form, "party") == ["", str(suspect.pk)]

    response = client.post(reverse("cases:document_create", args=[filed.pk]), {"kind": "filing_decision"})
    assert response.status_code == 302 and response["Location"] == detail(filed)
    document = CaseDocument.objects.get(case=filed)
    assert document.kind == "filing_decision" and "立字" in document.number
    listing = section(client.get(detail(filed)).content.decode(), "documents")
    assert document.number in listing and document.sha256[:12] in listing
    assert reverse("cases:document_pdf", args=[document.pk]) in listing

    pdf = client.get(reverse("cases:document_pdf", args=[document.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert ".pdf" in pdf["Content-Disposition"]
    assert AuditEntry.objects.filter(
        actor_username="officer", action="case.document_view", object_id=str(filed.pk)
    ).exists()


def test_a_document_needing_a_detail_or_not_applicable_now_is_refused_with_the_reason(user_of, filed) -> None:
    client = client_for(user_of, "officer")
    url = reverse("cases:document_create", args=[filed.pk])
    response = client.post(url, {"kind": "withdrawal_decision", "detail": ""})
    assert response.status_code == 400
    assert "须写明撤销案件的理由" in response.content.decode()
    response = client.post(url, {"kind": "not_filing_notice"})
    assert response.status_code == 409
    assert "不能制作不予立案通知书" in response.content.decode()
    response = client.post(url, {"kind": "admin_penalty_decision"})  # not a criminal document
    assert response.status_code == 400
    response = client.post(url, {"kind": "withdrawal_decision", "detail": "经查不构成犯罪"})
    assert response.status_code == 302
    assert list(CaseDocument.objects.filter(case=filed).values_list("kind", flat=True)) == [
        "withdrawal_decision"
    ]


def test_another_stations_officer_gets_404(user_of, filed) -> None:
    officer = user_of("officer")
    document = document_generate(actor=officer, case_id=filed.pk, kind="filing_decision")
    client = client_for(user_of, "officer")
    client.post(reverse("cases:evidence_create", args=[filed.pk]), {"name": "现场照片"})
    client.post(
        reverse("cases:attachment_create", args=[filed.pk]),
        {"file": SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff photo", "image/jpeg")},
    )
    attachment = Attachment.objects.get(case=filed)
    outsider = client_for(user_of, "pingchuan_officer")
    assert outsider.get(reverse("cases:document_pdf", args=[document.pk])).status_code == 404
    assert outsider.post(reverse("cases:attachment_verify", args=[attachment.pk])).status_code == 404
    for name, data in (
        ("cases:document_create", {"kind": "summons"}),
        ("cases:evidence_create", {"name": "x"}),
        ("cases:dossier_create", {}),
    ):
        assert outsider.post(reverse(name, args=[filed.pk]), data).status_code == 404
    assert CaseDocument.objects.filter(case=filed).count() == 1
    # Missing ids look the same.
    assert outsider.get(reverse("cases:document_pdf", args=[10**8])).status_code == 404
    assert AuditEntry.objects.filter(
        actor_username="pingchuan_officer", action="case.view", outcome="denied"
    ).exists()


def test_an_altered_pdf_is_not_served(user_of, filed) -> None:
    document = document_generate(actor=user_of("officer"), case_id=filed.pk, kind="filing_decision")
    alter(document.pdf_path)
    response = client_for(user_of, "officer").get(reverse("cases:document_pdf", args=[document.pk]))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "文件校验失败" in response.content.decode()


def test_procurator_reads_documents_but_makes_none(user_of, transferred) -> None:
    document = document_generate(actor=user_of("officer"), case_id=transferred.pk, kind="filing_decision")
    client = client_for(user_of, "procurator")
    page = client.get(detail(transferred)).content.decode()
    assert document.number in section(page, "documents")
    for form in ("document-form", "evidence-form", "attachment-form", "dossier-form"):
        assert f'data-testid="{form}"' not in page
    assert client.get(reverse("cases:document_pdf", args=[document.pk])).content.startswith(b"%PDF")
    response = client.post(
        reverse("cases:document_create", args=[transferred.pk]), {"kind": "filing_decision"}
    )
    assert response.status_code == 403


# --- evidence and attachments --------------------------------------------------------------------


def test_add_evidence_upload_an_attachment_and_verify_it(user_of, filed) -> None:
    client = client_for(user_of, "officer")
    page = client.get(detail(filed)).content.decode()
    assert 'enctype="multipart/form-data"' in section(page, "evidence")
    response = client.post(
        reverse("cases:evidence_create", args=[filed.pk]),
        {"name": "监控录像", "description": "村口监控", "collected_at": ""},
    )
    assert response.status_code == 302
    evidence = filed.evidence.get()
    assert (evidence.number, evidence.name) == (1, "监控录像")

    content = b"\x89PNG\r\n\x1a\n a still of the CCTV"
    response = client.post(
        reverse("cases:attachment_create", args=[filed.pk]),
        {"file": SimpleUploadedFile("监控截图.png", content, "image/png"), "evidence": evidence.pk},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=filed)
    assert (attachment.file_name, attachment.evidence, attachment.size) == (
        "监控截图.png",
        evidence,
        len(content),
    )
    html = client.get(detail(filed)).content.decode()
    assert "监控截图.png" in section(html, "evidence") and attachment.sha256[:12] in html

    verify = reverse("cases:attachment_verify", args=[attachment.pk])
    fragment = client.post(verify, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'data-verify="ok"' in fragment.content.decode()
    alter(attachment.path)
    fragment = client.post(verify, headers={"HX-Request": "true"})
    assert 'data-verify="altered"' in fragment.content.decode()
    # Without htmx: back to the case page with the result as a message.
    response = client.post(verify, follow=True)
    assert response.redirect_chain == [(detail(filed), 302)]
    assert "校验失败：文件已被改动或缺失" in response.content.decode()
    results = AuditEntry.objects.filter(action="case.attachment_verify", object_id=str(filed.pk))
    assert [e.changes["result"][1] for e in results.order_by("seq")] == ["ok", "altered", "altered"]


def test_bad_uploads_are_refused(user_of, filed) -> None:
    client = client_for(user_of, "officer")
    url = reverse("cases:attachment_create", args=[filed.pk])
    too_big = SimpleUploadedFile("大文件.bin", b"\0" * (ATTACHMENT_MAX_BYTES + 1))
    response = client.post(url, {"file": too_big})
    assert response.status_code == 400
    assert "单个文件不能超过20 MB" in response.content.decode()
    assert client.post(url, {}).status_code == 400  # no file
    response = client.post(url, {"file": SimpleUploadedFile("空.txt", b"")})
    assert response.status_code == 400
    other = filed_case(user_of("officer"), user_of("legal_officer"), user_of("chief"))
    foreign = services.visible_case(user_of("officer"), other.pk)
    from jingwu.cases.documents import evidence_add

    evidence = evidence_add(actor=user_of("officer"), case_id=foreign.pk, name="他案证据")
    response = client.post(url, {"file": SimpleUploadedFile("a.txt", b"a"), "evidence": evidence.pk})
    assert response.status_code == 400  # not an evidence item of this case
    assert not Attachment.objects.filter(case=filed).exists()


def test_a_closed_case_takes_no_evidence(user_of) -> None:
    from jingwu.cases.tests.test_documents import accepted_case

    case = accepted_case(user_of("officer"))
    approval = services.case_request(
        actor=user_of("legal_officer"), case_id=case.pk, transition="decline", reason="不构成犯罪"
    )
    services.approval_decide(actor=user_of("chief"), approval_id=approval.pk, decision="approve")
    client = client_for(user_of, "officer")
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="evidence-form"' not in page
    # A closed case still gets the documents its status calls for (不予立案通知书).
    assert options(section(page, "documents"), "kind") == ["acceptance_form", "not_filing_notice"]
    response = client.post(reverse("cases:evidence_create", args=[case.pk]), {"name": "迟到的证据"})
    assert response.status_code == 409
    assert "案件已办结" in response.content.decode()


# --- the electronic dossier ----------------------------------------------------------------------


def test_build_a_dossier_on_a_transferred_case_and_download_it(user_of, transferred) -> None:
    officer = user_of("officer")
    document_generate(actor=officer, case_id=transferred.pk, kind="prosecution_opinion")
    client = client_for(user_of, "officer")
    page = client.get(detail(transferred)).content.decode()
    block = section(page, "dossiers")
    assert 'data-testid="dossier-form"' in block and "第1次移送" in block

    response = client.post(reverse("cases:dossier_create", args=[transferred.pk]))
    assert response.status_code == 302
    built = Dossier.objects.get(case=transferred)
    assert built.sequence == 1
    block = section(client.get(detail(transferred)).content.decode(), "dossiers")
    assert 'data-dossier="1"' in block and "待签收" in block
    assert 'data-testid="dossier-form"' not in block
    again = client.post(reverse("cases:dossier_create", args=[transferred.pk]))
    assert again.status_code == 409
    assert "本案第1次移送的电子卷宗已经生成" in again.content.decode()

    package = client.get(reverse("cases:dossier_package", args=[built.pk]))
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert ".zip" in package["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        names = archive.namelist()
    assert names[0] == "manifest.json" and any(n.startswith("documents/") for n in names)
    assert (
        client_for(user_of, "pingchuan_officer")
        .get(reverse("cases:dossier_package", args=[built.pk]))
        .status_code
        == 404
    )


def test_no_dossier_section_before_the_transfer_nor_for_administrative_cases(user_of, filed) -> None:
    client = client_for(user_of, "officer")
    assert 'data-testid="dossiers"' not in client.get(detail(filed)).content.decode()
    response = client.post(reverse("cases:dossier_create", args=[filed.pk]))
    assert response.status_code == 409
    assert "只有已移送审查起诉的刑事案件才能生成电子卷宗" in response.content.decode()
    administrative = filed_case(
        user_of("officer"), user_of("legal_officer"), user_of("chief"), "administrative"
    )
    assert 'data-testid="dossiers"' not in client.get(detail(administrative)).content.decode()


def test_procurator_receives_and_records_the_outcome_in_the_page(user_of, transferred) -> None:
    built = dossier_build(actor=user_of("officer"), case_id=transferred.pk)
    client = client_for(user_of, "procurator")
    listing = client.get(reverse("cases:list")).content.decode()
    assert f'href="{reverse("cases:dossiers")}" data-tab="dossiers"' in listing
    page = client.get(reverse("cases:dossiers")).content.decode()  # 待签收 first
    assert f'data-dossier="{built.pk}"' in page and transferred.number in page
    assert 'data-testid="receive-form"' in page
    assert 'data-testid="outcome-form"' not in page

    response = client.post(
        reverse("cases:dossier_receive", args=[built.pk]), {"note": "材料齐全", "tab": "unreceived"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:dossiers") + "?tab=unreceived"
    built.refresh_from_db()
    assert built.received_by == user_of("procurator") and built.receipt_note == "材料齐全"
    assert f'data-dossier="{built.pk}"' not in client.get(response["Location"]).content.decode()
    pending = client.get(reverse("cases:dossiers"), {"tab": "pending"}).content.decode()
    assert f'data-dossier="{built.pk}"' in pending and 'data-testid="outcome-form"' in pending

    outcome = reverse("cases:dossier_outcome", args=[built.pk])
    response = client.post(outcome, {"outcome": "returned", "note": ""})
    assert response.status_code == 400
    assert "退回补充侦查须写明理由" in response.content.decode()
    response = client.post(outcome, {"outcome": "returned", "note": "补充查明赃物去向"})
    assert response.status_code == 302
    built.refresh_from_db()
    assert (built.outcome, built.outcome_note) == ("returned", "补充查明赃物去向")
    again = client.post(outcome, {"outcome": "accepted"})
    assert again.status_code == 409 and "已有审查结果" in again.content.decode()

    decided = client.get(reverse("cases:dossiers"), {"tab": "decided"}).content.decode()
    assert 'data-outcome="returned"' in decided and "补充查明赃物去向" in decided
    # The officers see the outcome on the case page, with what to do next.
    block = section(client_for(user_of, "officer").get(detail(transferred)).content.decode(), "dossiers")
    assert 'data-outcome="returned"' in block and "补充查明赃物去向" in block and "材料齐全" in block
    assert "请在“下一步”登记退回" in block
    # The procurator downloads the package from his page.
    package = client.get(reverse("cases:dossier_package", args=[built.pk]), {"origin": "dossiers"})
    assert package.status_code == 200 and package.content[:2] == b"PK"


def test_an_officer_cannot_receive_or_decide_nor_open_the_dossiers_page(user_of, transferred) -> None:
    built = dossier_build(actor=user_of("officer"), case_id=transferred.pk)
    for username in ("officer", "legal_affairs"):
        client = client_for(user_of, username)
        assert client.get(reverse("cases:dossiers")).status_code == 403
        assert 'data-tab="dossiers"' not in client.get(reverse("cases:list")).content.decode()
        assert (
            client.post(reverse("cases:dossier_receive", args=[built.pk]), {"note": "x"}).status_code == 403
        )
        response = client.post(reverse("cases:dossier_outcome", args=[built.pk]), {"outcome": "accepted"})
        assert response.status_code == 403
    built.refresh_from_db()
    assert built.received_at is None and built.outcome == "pending"
    assert AuditEntry.objects.filter(
        actor_username="officer", action="case.dossier_receive", outcome="denied"
    ).exists()
    assert AuditEntry.objects.filter(
        actor_username="officer", action="case.dossier_list", outcome="denied"
    ).exists()
    assert (
        client_for(user_of, "procurator").post(reverse("cases:dossier_receive", args=[10**8])).status_code
        == 404
    )


def test_a_returned_and_resubmitted_case_gets_its_second_dossier(user_of, transferred) -> None:
    officer, procurator = user_of("officer"), user_of("procurator")
    first = dossier_build(actor=officer, case_id=transferred.pk)
    dossier_receive(actor=procurator, dossier_id=first.pk)
    client_for(user_of, "procurator").post(
        reverse("cases:dossier_outcome", args=[first.pk]), {"outcome": "returned", "note": "补充侦查"}
    )
    services.case_request(
        actor=officer, case_id=transferred.pk, transition="record_return", reason="检察院退回补充侦查"
    )
    transferred.refresh_from_db()
    assert transferred.status == "returned"
    client = client_for(user_of, "officer")
    block = section(client.get(detail(transferred)).content.decode(), "dossiers")
    assert 'data-dossier="1"' in block and 'data-testid="dossier-form"' not in block
    approval = services.case_request(actor=officer, case_id=transferred.pk, transition="resubmit")
    if not isinstance(approval, Case):
        for approver in approval.roles:
            username = {"legal_officer": "legal_officer", "leader": "leader", "unit_chief": "chief"}[approver]
            services.approval_decide(actor=user_of(username), approval_id=approval.pk, decision="approve")
    transferred.refresh_from_db()
    assert transferred.status == "transferred"
    assert "第2次移送" in section(client.get(detail(transferred)).content.decode(), "dossiers")
    assert client.post(reverse("cases:dossier_create", args=[transferred.pk])).status_code == 302
    assert list(transferred.dossiers.values_list("sequence", flat=True)) == [1, 2]


# --- a finding in the services -------------------------------------------------------------------


def test_the_services_report_a_missing_id_as_not_found(user_of) -> None:
    officer = user_of("officer")
    for call in (
        lambda: document_pdf(actor=officer, document_id=10**8),
        lambda: attachment_verify(actor=officer, attachment_id=10**8),
        lambda: dossier_package(actor=officer, dossier_id=10**8),
    ):
        with pytest.raises(Http404):
            call()
