"""Legal documents, evidence, attachments and the electronic dossier over the API (/api/cases) with
bearer tokens: PDF and zip downloads, the multipart upload and its integrity check, the procurator's
list, receipt and outcome, and the refusals (400, 403, 404, 409, 422). Cases are built through the
services with test_documents.py's helpers."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingwu.cases.documents import document_generate
from jingwu.cases.dossier import dossier_build
from jingwu.cases.forms import ATTACHMENT_MAX_BYTES
from jingwu.cases.models import Attachment, Case, Dossier
from jingwu.cases.tests.test_documents import alter, filed_case, transferred_case
from jingwu.org.models import User
from tests.api.helpers import Api, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path):
    settings.JINGWU_FILES_ROOT = tmp_path / "files"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


@pytest.fixture
def filed() -> Case:
    return filed_case(user("officer"), user("legal_officer"), user("chief"))


@pytest.fixture
def transferred() -> Case:
    return transferred_case(user("officer"), user("legal_officer"), user("chief"), user("leader"))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    out = response.json()
    assert isinstance(out["detail"], str) and out["detail"] and isinstance(out["errors"], dict)
    return out


def upload(api: Api, case_id: int, name: str, content: bytes, kind: str = "", **fields: Any) -> Any:
    """A multipart POST with the client's bearer token."""
    return api.client.post(
        f"/api/cases/{case_id}/attachments",
        {"file": SimpleUploadedFile(name, content, kind or "application/octet-stream"), **fields},
        headers={"Authorization": f"Bearer {api.token}"},
    )


# --- legal documents -----------------------------------------------------------------------------


def test_generate_list_and_download_a_document(api_as, audit: AuditLog, filed) -> None:
    api = api_as("officer")
    suspect = filed.parties.get(role="suspect")
    made = ok(api.post(f"/api/cases/{filed.pk}/documents", {"kind": "summons", "party_id": suspect.pk}), 201)
    assert made["title"] == "传唤证" and made["case_id"] == filed.pk and "传字" in made["number"]
    assert len(made["sha256"]) == 64 and made["pdf_url"] == f"/api/cases/documents/{made['id']}/pdf"
    listed = ok(api.get(f"/api/cases/{filed.pk}/documents"))
    assert [d["number"] for d in listed] == [made["number"]]

    pdf = api.get(made["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == made["sha256"]
    assert pdf["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert audit.entries("case.document_generate", actor_username="officer")
    assert audit.entries("case.document_view", actor_username="officer")


def test_document_refusals(api_as, filed) -> None:
    api = api_as("officer")
    url = f"/api/cases/{filed.pk}/documents"
    assert error(api.post(url, {"kind": "no_such_document"}), 400)["errors"] == {"kind": "文书种类无效"}
    assert "不能制作不予立案通知书" in error(api.post(url, {"kind": "not_filing_notice"}), 409)["detail"]
    assert error(api.post(url, {"kind": "withdrawal_decision"}), 400)["errors"] == {
        "detail": "请填写撤销案件的理由"
    }
    assert "party_id" in error(api.post(url, {"kind": "summons", "party_id": 10**8}), 400)["errors"]
    error(api.post(url, {}), 422)
    error(api_as("procurator").post(url, {"kind": "filing_decision"}), 403)
    outsider = api_as("pingchuan_officer")
    error(outsider.post(url, {"kind": "filing_decision"}), 404)
    error(outsider.get(url), 404)
    document = document_generate(actor=user("officer"), case_id=filed.pk, kind="filing_decision")
    error(outsider.get(f"/api/cases/documents/{document.pk}/pdf"), 404)
    error(api.get(f"/api/cases/documents/{10**8}/pdf"), 404)
    alter(document.pdf_path)
    assert "文件校验失败" in error(api.get(f"/api/cases/documents/{document.pk}/pdf"), 409)["detail"]
    assert Api().get(f"/api/cases/{filed.pk}/documents").status_code == 401


# --- evidence and attachments --------------------------------------------------------------------


def test_evidence_upload_and_verify(api_as, audit: AuditLog, filed) -> None:
    api = api_as("officer")
    evidence = ok(
        api.post(f"/api/cases/{filed.pk}/evidence", {"name": "监控录像", "description": "村口监控"}), 201
    )
    assert (evidence["number"], evidence["name"], evidence["collected_by"]["username"]) == (
        1,
        "监控录像",
        "officer",
    )
    assert "name" in error(api.post(f"/api/cases/{filed.pk}/evidence", {"name": " "}), 400)["errors"]
    assert (
        "collected_at"
        in error(
            api.post(f"/api/cases/{filed.pk}/evidence", {"name": "x", "collected_at": "2020-01-01T08:00:00"}),
            400,
        )["errors"]
    )

    content = b"\x89PNG\r\n\x1a\n a still of the CCTV"
    made = ok(upload(api, filed.pk, "监控截图.png", content, "image/png", evidence_id=evidence["id"]), 201)
    assert made["file_name"] == "监控截图.png" and made["content_type"] == "image/png"
    assert made["evidence_id"] == evidence["id"] and made["size"] == len(content)
    assert made["sha256"] == hashlib.sha256(content).hexdigest()
    plain = ok(upload(api, filed.pk, "笔录.txt", "询问笔录".encode()), 201)
    assert plain["evidence_id"] is None

    verify = f"/api/cases/attachments/{made['id']}/verify"
    assert ok(api.post(verify))["result"] == "ok"
    alter(Attachment.objects.get(pk=made["id"]).path)
    assert ok(api.post(verify)) == {
        "id": made["id"],
        "file_name": "监控截图.png",
        "sha256": made["sha256"],
        "result": "altered",
    }
    assert [e.changes["result"][1] for e in audit.entries("case.attachment_verify")] == ["ok", "altered"]
    # The procurator may check a criminal case's file too; another station's officer finds nothing.
    assert ok(api_as("procurator").post(verify))["result"] == "altered"
    error(api_as("pingchuan_officer").post(verify), 404)
    error(api.post(f"/api/cases/attachments/{10**8}/verify"), 404)


def test_bad_uploads(api_as, filed) -> None:
    api = api_as("officer")
    too_big = upload(api, filed.pk, "大文件.bin", b"\0" * (ATTACHMENT_MAX_BYTES + 1))
    assert error(too_big, 400)["errors"] == {"file": "单个文件不能超过20 MB"}
    assert error(upload(api, filed.pk, "空.txt", b""), 400)["errors"] == {"content": "文件为空"}
    missing_file = api.client.post(
        f"/api/cases/{filed.pk}/attachments", {}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert error(missing_file, 400)["errors"] == {"file": "请选择文件"}
    assert "evidence_id" in error(upload(api, filed.pk, "a.txt", b"a", evidence_id=10**8), 400)["errors"]
    error(upload(api_as("pingchuan_officer"), filed.pk, "a.txt", b"a"), 404)
    error(upload(api_as("procurator"), filed.pk, "a.txt", b"a"), 403)
    assert not Attachment.objects.filter(case=filed).exists()


# --- the electronic dossier ----------------------------------------------------------------------


def test_dossier_build_list_receive_outcome(api_as, audit: AuditLog, transferred) -> None:
    officer, procurator = api_as("officer"), api_as("procurator")
    document_generate(actor=user("officer"), case_id=transferred.pk, kind="prosecution_opinion")
    built = ok(officer.post(f"/api/cases/{transferred.pk}/dossiers"), 201)
    assert built["sequence"] == 1 and built["outcome"] == "pending" and built["received_at"] is None
    assert built["case"] == {
        "id": transferred.pk,
        "number": transferred.number,
        "title": transferred.title,
        "status": "transferred",
    }
    assert "第1次移送" in error(officer.post(f"/api/cases/{transferred.pk}/dossiers"), 409)["detail"]

    package = officer.get(built["package_url"])
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert hashlib.sha256(package.content).hexdigest() == built["sha256"]
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"]["number"] == transferred.number
    assert [d["title"] for d in manifest["documents"]] == ["起诉意见书"]

    waiting = ok(procurator.get("/api/cases/dossiers", state="unreceived"))
    assert built["id"] in [d["id"] for d in waiting["items"]]
    assert procurator.get(built["package_url"]).content == package.content
    received = ok(procurator.post(f"/api/cases/dossiers/{built['id']}/receipt", {"note": "材料齐全"}))
    assert received["received_by"]["username"] == "procurator" and received["receipt_note"] == "材料齐全"
    assert "已签收" in error(procurator.post(f"/api/cases/dossiers/{built['id']}/receipt"), 409)["detail"]
    assert built["id"] not in [
        d["id"] for d in ok(procurator.get("/api/cases/dossiers", state="unreceived"))["items"]
    ]
    assert built["id"] in [
        d["id"] for d in ok(procurator.get("/api/cases/dossiers", state="pending"))["items"]
    ]

    outcome = f"/api/cases/dossiers/{built['id']}/outcome"
    assert error(procurator.post(outcome, {"outcome": "returned"}), 400)["errors"] == {
        "note": "请写明退回补充侦查的理由和提纲"
    }
    assert "outcome" in error(procurator.post(outcome, {"outcome": "maybe"}), 400)["errors"]
    decided = ok(procurator.post(outcome, {"outcome": "accepted", "note": "依法受理"}))
    assert (decided["outcome"], decided["outcome_label"], decided["outcome_by"]["username"]) == (
        "accepted",
        "已受理",
        "procurator",
    )
    assert (
        "已有审查结果" in error(procurator.post(outcome, {"outcome": "returned", "note": "x"}), 409)["detail"]
    )
    listed = ok(procurator.get("/api/cases/dossiers", state="decided"))
    assert built["id"] in [d["id"] for d in listed["items"]] and listed["count"] >= 1
    assert audit.entries("case.dossier_receive") and audit.entries("case.dossier_outcome")
    assert audit.entries("case.dossier_view", actor_username="procurator")


def test_dossier_refusals(api_as, audit: AuditLog, filed, transferred) -> None:
    officer, procurator = api_as("officer"), api_as("procurator")
    assert "已移送审查起诉" in error(officer.post(f"/api/cases/{filed.pk}/dossiers"), 409)["detail"]
    error(procurator.post(f"/api/cases/{transferred.pk}/dossiers"), 403)
    error(api_as("pingchuan_officer").post(f"/api/cases/{transferred.pk}/dossiers"), 404)
    dossier = dossier_build(actor=user("officer"), case_id=transferred.pk)
    error(officer.get("/api/cases/dossiers"), 403)
    error(officer.post(f"/api/cases/dossiers/{dossier.pk}/receipt", {"note": "x"}), 403)
    error(officer.post(f"/api/cases/dossiers/{dossier.pk}/outcome", {"outcome": "accepted"}), 403)
    assert audit.entries("case.dossier_receive", actor_username="officer", outcome="denied")
    assert audit.entries("case.dossier_list", actor_username="officer", outcome="denied")
    error(api_as("pingchuan_officer").get(f"/api/cases/dossiers/{dossier.pk}/package"), 404)
    for path in ("receipt", "outcome"):
        error(procurator.post(f"/api/cases/dossiers/{10**8}/{path}", {"outcome": "accepted"}), 404)
    error(procurator.get(f"/api/cases/dossiers/{10**8}/package"), 404)
    assert "state" in error(procurator.get("/api/cases/dossiers", state="lost"), 400)["errors"]
    Dossier.objects.filter(pk=dossier.pk).update(sha256="0" * 64)
    assert "校验失败" in error(officer.get(f"/api/cases/dossiers/{dossier.pk}/package"), 409)["detail"]
    dossier.refresh_from_db()
    assert dossier.received_at is None and dossier.outcome == "pending"
