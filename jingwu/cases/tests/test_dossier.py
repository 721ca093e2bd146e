"""The electronic dossier (电子卷宗): the package, its manifest and schema, receipt and outcome by the
procuratorate, and the second dossier after a return for supplementary investigation."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jingwu.audit.models import AuditEntry
from jingwu.cases import services
from jingwu.cases.documents import attachment_add, document_generate, evidence_add
from jingwu.cases.dossier import (
    dossier_build,
    dossier_outcome,
    dossier_package,
    dossier_receive,
    dossier_schema,
)
from jingwu.cases.models import CaseActivity, Dossier
from jingwu.cases.storage import path_of
from jingwu.cases.tests.test_documents import SUSPECT_ID_ORDER, alter, filed_case, id_number
from jingwu.core.errors import Conflict, ServiceError


@pytest.fixture
def case(officer, legal_officer, chief, leader):
    """A transferred criminal case with evidence, an attachment and two documents."""
    case = filed_case(officer, legal_officer, chief)
    evidence = evidence_add(actor=officer, case_id=case.pk, name="监控录像", description="村口监控")
    attachment_add(
        actor=officer,
        case_id=case.pk,
        evidence_id=evidence.pk,
        name="监控截图.png",
        content=b"\x89PNG\r\n\x1a\n a still of the CCTV",
        content_type="image/png",
    )
    attachment_add(
        actor=officer,
        case_id=case.pk,
        name="询问笔录.pdf",
        content=b"%PDF-1.7 record",
        content_type="application/pdf",
    )
    document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
    document_generate(actor=officer, case_id=case.pk, kind="prosecution_opinion")
    approval = services.case_request(actor=officer, case_id=case.pk, transition="transfer_for_prosecution")
    services.approval_decide(actor=legal_officer, approval_id=approval.pk, decision="approve")
    services.approval_decide(actor=leader, approval_id=approval.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == "transferred"
    return case


def validate(manifest: dict) -> None:
    """Validate against the schema when jsonschema is installed (test_manifest_validates… says when not)."""
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.Draft202012Validator(dossier_schema()).validate(manifest)


def unpack(dossier: Dossier) -> tuple[dict, dict[str, bytes]]:
    content = path_of(dossier.package_path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_package_holds_the_manifest_and_every_file_with_its_hash(db, case, officer):
    dossier = dossier_build(actor=officer, case_id=case.pk)
    assert dossier.sequence == 1 and dossier.outcome == "pending"
    package = path_of(dossier.package_path).read_bytes()
    assert hashlib.sha256(package).hexdigest() == dossier.sha256
    assert dossier_package(actor=officer, dossier_id=dossier.pk) == package

    manifest, files = unpack(dossier)
    assert manifest == dossier.manifest
    listed = {item["file"]: item["sha256"] for item in manifest["documents"] + manifest["attachments"]}
    assert set(listed) == set(files)
    assert len(manifest["documents"]) == 2 and len(manifest["attachments"]) == 2
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert all(files[item["file"]].startswith(b"%PDF") for item in manifest["documents"])
    assert {d["title"] for d in manifest["documents"]} == {"立案决定书", "起诉意见书"}
    assert manifest["case"]["number"] == case.number and manifest["case"]["status"] == "transferred"
    assert manifest["evidence"][0]["attachments"] == [
        a["file"] for a in manifest["attachments"] if a["evidence_number"] == 1
    ]
    assert "transferred_for_prosecution" in {e["code"] for e in manifest["legal_events"]}
    assert manifest["dossier"]["issuer"] == "武平县公安局"
    assert manifest["officers"]["lead"]["name"] == officer.full_name
    assert AuditEntry.objects.filter(action="case.dossier_build", object_id=str(case.pk)).exists()


def test_manifest_validates_against_its_schema(db, case, officer):
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is not installed in .venv: the lead must add it (dev dependency)"
    )
    schema = dossier_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    manifest, _ = unpack(dossier_build(actor=officer, case_id=case.pk))
    jsonschema.Draft202012Validator(schema).validate(manifest)
    broken = {
        **manifest,
        "parties": [{**manifest["parties"][0], "id_number_masked": id_number(SUSPECT_ID_ORDER)}],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_parties_personal_data_is_masked(db, case, officer):
    manifest, _ = unpack(dossier_build(actor=officer, case_id=case.pk))
    text = json.dumps(manifest, ensure_ascii=False)
    full = id_number(SUSPECT_ID_ORDER)
    assert full not in text
    suspect = next(p for p in manifest["parties"] if p["role"] == "suspect")
    assert suspect["name"] == "李某强" and suspect["role_label"] == "犯罪嫌疑人"
    assert suspect["id_number_masked"] == full[:6] + "********" + full[-4:]
    assert "12号" not in suspect["address_masked"]


def test_only_transferred_criminal_cases_get_a_dossier(db, officer, legal_officer, chief):
    filed = filed_case(officer, legal_officer, chief)
    with pytest.raises(Conflict, match="已移送审查起诉"):
        dossier_build(actor=officer, case_id=filed.pk)
    administrative = filed_case(officer, legal_officer, chief, "administrative")
    with pytest.raises(Conflict, match="已移送审查起诉"):
        dossier_build(actor=officer, case_id=administrative.pk)
    assert not Dossier.objects.exists()


def test_one_dossier_per_transfer(db, case, officer, procurator, outsider):
    dossier_build(actor=officer, case_id=case.pk)
    with pytest.raises(Conflict, match="第1次移送"):
        dossier_build(actor=officer, case_id=case.pk)
    with pytest.raises(PermissionDenied):
        dossier_build(actor=procurator, case_id=case.pk)
    with pytest.raises(Http404):
        dossier_build(actor=outsider, case_id=case.pk)


def test_an_altered_file_stops_the_build(db, case, officer):
    alter(case.attachments.first().path)
    with pytest.raises(Conflict, match="校验失败"):
        dossier_build(actor=officer, case_id=case.pk)
    assert not case.dossiers.exists()


def test_procurator_records_receipt_and_outcome(db, case, officer, procurator):
    dossier = dossier_build(actor=officer, case_id=case.pk)
    with pytest.raises(Conflict, match="请先签收"):
        dossier_outcome(actor=procurator, dossier_id=dossier.pk, outcome="accepted")
    dossier = dossier_receive(actor=procurator, dossier_id=dossier.pk, note="材料齐全")
    assert dossier.received_at is not None and dossier.received_by == procurator
    assert dossier.receipt_note == "材料齐全"
    with pytest.raises(Conflict, match="已签收"):
        dossier_receive(actor=procurator, dossier_id=dossier.pk)
    with pytest.raises(ServiceError):
        dossier_outcome(actor=procurator, dossier_id=dossier.pk, outcome="approved")
    dossier = dossier_outcome(
        actor=procurator, dossier_id=dossier.pk, outcome="accepted", note="受理审查起诉"
    )
    assert (dossier.outcome, dossier.outcome_by) == ("accepted", procurator)
    with pytest.raises(Conflict, match="已有审查结果"):
        dossier_outcome(actor=procurator, dossier_id=dossier.pk, outcome="returned", note="x")
    assert dossier_package(actor=procurator, dossier_id=dossier.pk)[:2] == b"PK"
    actions = set(AuditEntry.objects.filter(actor_username="procurator").values_list("action", flat=True))
    assert {"case.dossier_receive", "case.dossier_outcome", "case.dossier_view"} <= actions
    case.refresh_from_db()
    assert case.status == "transferred"  # the outcome changes the dossier, not the case


@pytest.mark.parametrize("username", ["officer", "legal_officer", "leader", "legal_affairs", "auditor"])
def test_other_roles_cannot_record_receipt_or_outcome(db, case, officer, user_of, username):
    dossier = dossier_build(actor=officer, case_id=case.pk)
    someone = user_of(username)
    with pytest.raises(PermissionDenied):
        dossier_receive(actor=someone, dossier_id=dossier.pk)
    with pytest.raises(PermissionDenied):
        dossier_outcome(actor=someone, dossier_id=dossier.pk, outcome="accepted")
    dossier.refresh_from_db()
    assert dossier.received_at is None and dossier.outcome == "pending"
    denied = AuditEntry.objects.filter(actor_username=username, outcome="denied", object_id=str(dossier.pk))
    assert set(denied.values_list("action", flat=True)) == {"case.dossier_receive", "case.dossier_outcome"}


def test_returned_and_resubmitted_case_gets_a_second_dossier(db, case, officer, legal_officer, procurator):
    first = dossier_build(actor=officer, case_id=case.pk)
    dossier_receive(actor=procurator, dossier_id=first.pk)
    with pytest.raises(ServiceError, match="须写明理由"):
        dossier_outcome(actor=procurator, dossier_id=first.pk, outcome="returned")
    dossier_outcome(
        actor=procurator, dossier_id=first.pk, outcome="returned", note="补充调取被盗现金去向的银行流水"
    )
    assert CaseActivity.objects.filter(case=case, text__contains="退回补充侦查").exists()
    # The officers record the return and, after the supplementary investigation, the resubmission.
    services.case_request(
        actor=officer, case_id=case.pk, transition="record_return", reason="检察院退回补充侦查：调取银行流水"
    )
    document_generate(actor=officer, case_id=case.pk, kind="prosecution_opinion")
    approval = services.case_request(actor=officer, case_id=case.pk, transition="resubmit")
    services.approval_decide(actor=legal_officer, approval_id=approval.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == "transferred"

    second = dossier_build(actor=officer, case_id=case.pk)
    assert second.sequence == 2
    manifest, _ = unpack(second)
    assert manifest["dossier"]["sequence"] == 2
    history = manifest["dossier"]["history"]
    assert [(h["sequence"], h["outcome"], h["sha256"]) for h in history] == [(1, "returned", first.sha256)]
    assert history[0]["outcome_note"] == "补充调取被盗现金去向的银行流水"
    assert len(manifest["documents"]) == 3
    codes = [e["code"] for e in manifest["legal_events"]]
    assert "returned_for_supplementary_investigation" in codes and "resubmitted_for_prosecution" in codes
    assert second.sha256 != first.sha256
    validate(manifest)
