"""Legal documents (法律文书) as PDF, evidence and content-addressed attachments (附件).

Cases are built through jingwu.cases.services with the demo accounts: `officer` (桃溪 station, whose
cases the 武北 joint station's case team reviews), `legal_officer` (that team), `chief` (桃溪 station),
`leader`. The helpers here are shared with test_dossier.py.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from stdnum.cn import ric

from jingwu.audit.models import AuditEntry
from jingwu.cases import services
from jingwu.cases.documents import (
    attachment_add,
    attachment_verify,
    catalogue,
    document_generate,
    document_pdf,
    evidence_add,
)
from jingwu.cases.models import Case, CaseDocument
from jingwu.cases.offences import find_offence
from jingwu.cases.storage import path_of
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.pdf import font_available, font_css
from jingwu.people.models import Person
from jingwu.people.services import person_create

PDFTOTEXT = shutil.which("pdftotext")
SUSPECT_ID_ORDER = 133


# --------------------------------------------------------------------------------------------------
# helpers (also used by test_dossier.py)


def id_number(order: int) -> str:
    """A valid Wuping ID number (GB 11643 check digit) born 1990-01-01; odd orders are men."""
    body = f"35082419900101{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function reads the first 17 of 18


def person(actor, name: str, order: int) -> Person:
    """The registered person with that ID number, registered now if new."""
    existing = Person.objects.by_id_number(id_number(order)).first()
    return existing or person_create(
        actor=actor, name=name, id_number=id_number(order), address="武平县桃溪镇桃溪村12号"
    )


def accepted_case(officer, kind: str = "criminal") -> Case:
    reporter = person(officer, "钟秀兰", 202)
    return services.case_accept(
        actor=officer,
        kind=kind,
        title="桃溪村钟某家中财物被盗案",
        facts="2026年11月，报案人钟秀兰家中一台电动车及现金三千元被盗，门锁有撬压痕迹。",
        source="walk_in",
        reporter_id=reporter.pk,
    )


def filed_case(officer, legal_officer, chief, kind: str = "criminal") -> Case:
    """Accepted, reviewed and assigned (lead: officer), filed by the reviewer with the unit chief's
    approval, with one suspect."""
    case = accepted_case(officer, kind)
    offence = "盗窃罪" if kind == "criminal" else "盗窃"
    case = services.case_assign(
        actor=legal_officer,
        case_id=case.pk,
        version=case.version,
        kind=kind,
        offence_code=find_offence(offence, kind).code,
        is_major=False,
        lead_officer_id=officer.pk,
    )
    approval = services.case_request(actor=legal_officer, case_id=case.pk, transition="file")
    services.approval_decide(actor=chief, approval_id=approval.pk, decision="approve")
    suspect = person(officer, "李某强", SUSPECT_ID_ORDER)
    services.party_add(actor=officer, case_id=case.pk, person_id=suspect.pk, role="suspect")
    case.refresh_from_db()
    assert case.status == "filed"
    return case


def transferred_case(officer, legal_officer, chief, leader) -> Case:
    """A filed criminal case transferred for prosecution (法制员审核 + 局领导审批)."""
    case = filed_case(officer, legal_officer, chief)
    approval = services.case_request(actor=officer, case_id=case.pk, transition="transfer_for_prosecution")
    services.approval_decide(actor=legal_officer, approval_id=approval.pk, decision="approve")
    services.approval_decide(actor=leader, approval_id=approval.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == "transferred"
    return case


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext extracts it, whitespace removed (a long line may wrap anywhere)."""
    source = tmp_path / "extract.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def alter(relative: str, content: bytes = b"tampered") -> None:
    """Change a stored file behind the application's back."""
    target = path_of(relative)
    target.chmod(0o644)
    target.write_bytes(content)


# --------------------------------------------------------------------------------------------------
# documents


def test_document_kinds_load_from_data():
    kinds = catalogue().kinds
    titles = {k.title for k in kinds.values()}
    assert {"受案登记表", "立案决定书", "不予立案通知书", "传唤证", "拘留证", "提请批准逮捕书"} <= titles
    assert {"起诉意见书", "行政处罚决定书", "撤销案件决定书"} <= titles


def test_font_is_the_wqy_file_when_installed():
    if not font_available():
        pytest.skip("WenQuanYi Micro Hei is not installed (Debian package fonts-wqy-microhei)")
    assert "wqy-microhei.ttc" in font_css()


def test_filing_decision_is_a_pdf_with_the_case_number(db, officer, legal_officer, chief, tmp_path):
    case = filed_case(officer, legal_officer, chief)
    document = document_generate(actor=officer, case_id=case.pk, kind="filing_decision")

    pdf = document_pdf(actor=officer, document_id=document.pk)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    assert path_of(document.pdf_path).read_bytes() == pdf
    assert document.pdf_path.startswith(f"documents/{document.sha256[:2]}/")
    assert document.number.startswith("武公（刑）立字〔") and document.number.endswith("号")
    assert document.context["case"]["number"] == case.number
    assert "立案侦查" in document.context["decision"]
    if PDFTOTEXT is None:
        assert len(pdf) > 5000
        pytest.skip("pdftotext (Debian poppler-utils) is not installed: the PDF's text was not checked")
    text = pdf_text(pdf, tmp_path)
    assert case.number in text
    assert "武平县公安局" in text and "立案决定书" in text
    assert document.number in text


@pytest.mark.parametrize(
    ("kind", "case_kind", "detail"),
    [
        ("acceptance_form", "criminal", ""),
        ("summons", "criminal", ""),
        ("detention_warrant", "criminal", ""),
        ("arrest_request", "criminal", ""),
        ("prosecution_opinion", "criminal", ""),
        ("withdrawal_decision", "criminal", "犯罪嫌疑人死亡"),
        ("acceptance_form", "administrative", ""),
        ("summons", "administrative", ""),
        ("admin_penalty_decision", "administrative", "行政拘留五日"),
    ],
)
def test_each_kind_renders(db, officer, legal_officer, chief, tmp_path, kind, case_kind, detail):
    case = filed_case(officer, legal_officer, chief, case_kind)
    evidence_add(actor=officer, case_id=case.pk, name="现场勘验笔录", description="门锁撬压痕迹")
    document = document_generate(actor=officer, case_id=case.pk, kind=kind, detail=detail)
    pdf = path_of(document.pdf_path).read_bytes()
    assert pdf.startswith(b"%PDF")
    if detail:
        assert detail in document.context["decision"]
    if PDFTOTEXT is not None:
        text = pdf_text(pdf, tmp_path)
        assert case.number in text
        assert catalogue().kinds[kind].title in text


def test_parties_id_numbers_are_masked(db, officer, legal_officer, chief, tmp_path):
    case = filed_case(officer, legal_officer, chief)
    document = document_generate(actor=officer, case_id=case.pk, kind="summons")
    full = id_number(SUSPECT_ID_ORDER)
    masked = full[:6] + "********" + full[-4:]
    assert document.context["party"]["name"] == "李某强"
    assert document.context["party"]["id_number_masked"] == masked
    assert full not in str(document.context)
    if PDFTOTEXT is not None:
        text = pdf_text(path_of(document.pdf_path).read_bytes(), tmp_path)
        assert masked in text and full not in text


def test_not_filing_notice_for_a_declined_case(db, officer, legal_officer, chief):
    case = accepted_case(officer)
    approval = services.case_request(
        actor=legal_officer, case_id=case.pk, transition="decline", reason="没有犯罪事实"
    )
    services.approval_decide(actor=chief, approval_id=approval.pk, decision="approve")
    document = document_generate(actor=officer, case_id=case.pk, kind="not_filing_notice")
    assert "没有犯罪事实" in document.context["decision"]
    assert document.context["party"]["name"] == "钟秀兰"  # addressed to the reporter


def test_document_numbers_count_per_kind_and_year(db, officer, legal_officer, chief):
    case = filed_case(officer, legal_officer, chief)
    first = document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
    second = document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
    summons = document_generate(actor=officer, case_id=case.pk, kind="summons")
    serial = int(first.number.split("〕")[1].rstrip("号"))
    assert second.number == first.number.replace(f"〕{serial}号", f"〕{serial + 1}号")
    assert "传字" in summons.number
    assert len({first.number, second.number, summons.number}) == 3


def test_documents_refused_when_not_applicable(db, officer, legal_officer, chief):
    accepted = accepted_case(officer)
    with pytest.raises(Conflict, match="不能制作立案决定书"):
        document_generate(actor=officer, case_id=accepted.pk, kind="filing_decision")
    with pytest.raises(ServiceError, match="须先添加犯罪嫌疑人"):
        document_generate(actor=officer, case_id=accepted.pk, kind="summons")
    with pytest.raises(ServiceError, match="不适用"):
        document_generate(actor=officer, case_id=accepted.pk, kind="admin_penalty_decision")
    with pytest.raises(ServiceError, match="不适用"):
        document_generate(actor=officer, case_id=accepted.pk, kind="no_such_document")
    filed = filed_case(officer, legal_officer, chief)
    with pytest.raises(ServiceError, match="撤销案件的理由"):
        document_generate(actor=officer, case_id=filed.pk, kind="withdrawal_decision")
    assert not CaseDocument.objects.filter(case__in=[accepted, filed]).exists()


def test_only_case_handlers_in_scope_generate(db, officer, legal_officer, chief, procurator, outsider):
    case = filed_case(officer, legal_officer, chief)
    with pytest.raises(PermissionDenied):
        document_generate(actor=procurator, case_id=case.pk, kind="filing_decision")
    with pytest.raises(PermissionDenied):
        document_generate(actor=legal_officer, case_id=case.pk, kind="filing_decision")
    with pytest.raises(Http404):
        document_generate(actor=outsider, case_id=case.pk, kind="filing_decision")
    assert AuditEntry.objects.filter(
        action="case.handle", outcome="denied", actor_username="procurator"
    ).exists()


def test_document_read_is_audited_and_scoped(db, officer, legal_officer, chief, procurator, outsider):
    case = filed_case(officer, legal_officer, chief)
    document = document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
    before = AuditEntry.objects.filter(action="case.document_view").count()
    # Procurators read criminal cases bureau-wide, and so their documents.
    assert document_pdf(actor=procurator, document_id=document.pk).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="case.document_view").count() == before + 1
    with pytest.raises(Http404):
        document_pdf(actor=outsider, document_id=document.pk)


def test_altered_document_is_not_served(db, officer, legal_officer, chief):
    case = filed_case(officer, legal_officer, chief)
    document = document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
    alter(document.pdf_path, b"%PDF-1.7 forged")
    assert not document.verify()
    with pytest.raises(Conflict, match="校验失败"):
        document_pdf(actor=officer, document_id=document.pk)
    entry = AuditEntry.objects.filter(action="case.document_view").latest("seq")
    assert entry.changes["integrity"] == [None, "altered"]


# --------------------------------------------------------------------------------------------------
# evidence and attachments


def test_evidence_is_numbered_in_the_case(db, officer, legal_officer, chief):
    case = filed_case(officer, legal_officer, chief)
    first = evidence_add(actor=officer, case_id=case.pk, name="监控录像")
    second = evidence_add(actor=officer, case_id=case.pk, name="被盗电动车照片", description="车架号照片")
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ServiceError):
        evidence_add(actor=officer, case_id=case.pk, name="  ")


def test_attachments_are_content_addressed(db, officer, legal_officer, chief, file_store):
    case = filed_case(officer, legal_officer, chief)
    evidence = evidence_add(actor=officer, case_id=case.pk, name="监控录像")
    content = b"\x89PNG\r\n\x1a\n fake image of the scene"
    digest = hashlib.sha256(content).hexdigest()
    first = attachment_add(
        actor=officer,
        case_id=case.pk,
        evidence_id=evidence.pk,
        name="C:\\相机\\现场照片.png",
        content=content,
        content_type="image/png",
    )
    assert first.file_name == "现场照片.png"
    assert (first.sha256, first.size, first.evidence_id) == (digest, len(content), evidence.pk)
    assert first.path == f"attachments/{digest[:2]}/{digest}.png"
    assert (Path(file_store) / first.path).read_bytes() == content
    again = attachment_add(
        actor=officer, case_id=case.pk, name="副本.png", content=content, content_type="image/png"
    )
    assert again.path == first.path  # same content, one stored file
    assert attachment_verify(actor=officer, attachment_id=first.pk) == "ok"
    assert AuditEntry.objects.filter(action="case.attachment_add").count() >= 2


def test_attachment_verify_detects_an_altered_file(db, officer, legal_officer, chief, procurator):
    case = filed_case(officer, legal_officer, chief)
    attachment = attachment_add(
        actor=officer,
        case_id=case.pk,
        name="询问笔录.pdf",
        content=b"%PDF-1.7 record",
        content_type="application/pdf",
    )
    assert attachment_verify(actor=procurator, attachment_id=attachment.pk) == "ok"
    alter(attachment.path)
    assert attachment_verify(actor=officer, attachment_id=attachment.pk) == "altered"
    path_of(attachment.path).unlink()
    assert attachment_verify(actor=officer, attachment_id=attachment.pk) == "altered"
    results = AuditEntry.objects.filter(action="case.attachment_verify").order_by("seq")
    assert [e.changes["result"][1] for e in results][-3:] == ["ok", "altered", "altered"]


def test_attachment_input_is_checked(db, officer, legal_officer, chief, outsider):
    case = filed_case(officer, legal_officer, chief)
    other = filed_case(officer, legal_officer, chief)
    foreign = evidence_add(actor=officer, case_id=other.pk, name="他案证据")
    with pytest.raises(ServiceError, match="文件为空"):
        attachment_add(actor=officer, case_id=case.pk, name="a.txt", content=b"", content_type="text/plain")
    with pytest.raises(ServiceError, match="文件名"):
        attachment_add(actor=officer, case_id=case.pk, name=" / ", content=b"x", content_type="text/plain")
    with pytest.raises(ServiceError, match="证据不属于该案件"):
        attachment_add(
            actor=officer,
            case_id=case.pk,
            evidence_id=foreign.pk,
            name="a.txt",
            content=b"x",
            content_type="",
        )
    with pytest.raises(Http404):
        attachment_add(actor=outsider, case_id=case.pk, name="a.txt", content=b"x", content_type="text/plain")


def test_documents_load_no_remote_or_foreign_files():
    from jingwu.cases.documents import TEMPLATE_DIR
    from jingwu.core.pdf import local_fetcher

    fetcher = local_fetcher(TEMPLATE_DIR)
    with pytest.raises(ValueError, match="local files only"):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(ValueError, match="not a document resource"):
        fetcher.fetch("file:///etc/passwd")
