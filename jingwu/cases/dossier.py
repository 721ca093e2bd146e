"""The electronic dossier (电子卷宗) of a criminal case transferred for prosecution (移送审查起诉).

`dossier_build` packs one zip: `manifest.json` (described by data/dossier.schema.json) with the case's
facts, units, officers, parties (personal data masked), measures, legal events, reviews,
deliberations, evidence, documents and attachments, plus `documents/*.pdf` and `attachments/*`, each
listed in the manifest with its SHA-256. The procuratorate's case management center (检察院案管中心)
records its receipt (`dossier_receive`) and its outcome (`dossier_outcome`: accepted, or returned
for supplementary investigation 退回补充侦查).

A return is recorded on the dossier only: procurators do not handle cases, so the officers record the
case's `record_return` transition themselves, and after the supplementary investigation the
`resubmit` transition; the dossier built after that carries sequence 2 (the case's transfer count).
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import tomllib
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.access.roles import Role
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.choices import CaseKind
from jingwu.cases.documents import bureau_of, catalogue, party_data
from jingwu.cases.models import Case, CaseActivity, Dossier, DossierOutcome
from jingwu.cases.services import visible_case
from jingwu.cases.storage import read, sha256_bytes, store
from jingwu.cases.workflow import workflow
from jingwu.core.errors import Conflict, ServiceError
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import vocabulary

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "dossier.schema.json"
MANIFEST_VERSION = "1.0"
GENERATOR = "jingwu"
# The legal events that send the case to the procuratorate: their count is the dossier's sequence.
TRANSFER_EVENTS = ("transferred_for_prosecution", "resubmitted_for_prosecution")


def dossier_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def generator_version() -> str:
    try:
        return importlib.metadata.version(GENERATOR)
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
        if pyproject.is_file():
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        return "0"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _person(user: Any) -> dict[str, str] | None:
    return {"name": user.full_name, "badge_number": user.badge_number} if user else None


def _unit(unit: Any) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit else None


def _zip_name(name: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]", "_", name)[:120] or "file"


def _checked(path: str, sha256: str, label: str) -> bytes:
    """The stored file's bytes, refused when they no longer match the hash recorded for them."""
    try:
        content = read(path)
    except FileNotFoundError:
        content = b""
    if sha256_bytes(content) != sha256:
        raise Conflict(f"{label} 的文件校验失败（已被改动或缺失），不能生成电子卷宗")
    return content


def transfer_count(case: Case) -> int:
    """How many times the case has been sent to the procuratorate (first transfer + resubmissions)."""
    return LegalEvent.objects.filter(
        subject_type="case", subject_id=case.pk, code__in=TRANSFER_EVENTS
    ).count()


def build_manifest(
    case: Case, *, sequence: int, created_at: datetime, sent_by: Any
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files of the package (zip path → bytes), hashes checked."""
    files: dict[str, bytes] = {}
    names = vocabulary()
    parties = list(case.parties.select_related("person"))
    keys = {p.key: p.person.name for p in parties}

    documents = []
    for doc in case.documents.select_related("created_by").order_by("created_at", "id"):
        path = f"documents/{doc.pk:06d}-{doc.kind}.pdf"
        files[path] = _checked(doc.pdf_path, doc.sha256, f"文书 {doc.number}")
        documents.append(
            {
                "number": doc.number,
                "kind": doc.kind,
                "title": doc.title,
                "created_at": _iso(doc.created_at),
                "created_by": _person(doc.created_by),
                "file": path,
                "sha256": doc.sha256,
                "size": doc.size,
            }
        )
    attachments = []
    by_evidence: dict[int, list[str]] = {}
    for item in case.attachments.select_related("uploaded_by", "evidence").order_by("uploaded_at", "id"):
        path = f"attachments/{item.pk:06d}-{_zip_name(item.file_name)}"
        files[path] = _checked(item.path, item.sha256, f"附件 {item.file_name}")
        attachments.append(
            {
                "file": path,
                "name": item.file_name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "evidence_number": item.evidence.number if item.evidence else None,
                "uploaded_at": _iso(item.uploaded_at),
                "uploaded_by": _person(item.uploaded_by),
            }
        )
        if item.evidence_id:
            by_evidence.setdefault(item.evidence_id, []).append(path)

    earlier = case.dossiers.filter(sequence__lt=sequence).order_by("sequence")
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "generator": {"name": GENERATOR, "version": generator_version()},
        "dossier": {
            "sequence": sequence,
            "created_at": _iso(created_at),
            "issuer": bureau_of(case.reviewing_unit).name,
            "recipient": catalogue().procuratorate,
            "sent_by": _person(sent_by),
            "history": [
                {
                    "sequence": d.sequence,
                    "sent_at": _iso(d.sent_at),
                    "sha256": d.sha256,
                    "outcome": d.outcome,
                    "outcome_at": _iso(d.outcome_at),
                    "outcome_note": d.outcome_note,
                }
                for d in earlier
            ],
        },
        "case": {
            "number": case.number,
            "title": case.title,
            "kind": case.kind,
            "kind_label": str(case.get_kind_display()),
            "status": case.status,
            "offence_code": case.offence_code,
            "offence": case.offence,
            "is_major": case.is_major,
            "source": case.source,
            "source_label": str(case.get_source_display()),
            "transfer_agency": case.transfer_agency,
            "incident_number": case.incident.number if case.incident else None,
            "facts": case.facts,
            "accepted_at": _iso(case.accepted_at),
            "filed_at": _iso(case.filed_at),
            "decision_reason": case.decision_reason,
        },
        "units": {
            "station": _unit(case.station),
            "reviewing_unit": _unit(case.reviewing_unit),
            "handling_unit": _unit(case.handling_unit),
        },
        "officers": {
            "lead": _person(case.lead_officer),
            "co_officers": [_person(u) for u in case.officers.order_by("id")],
        },
        "parties": [party_data(p, case.kind) for p in parties],
        "measures": [
            {
                "kind": m.kind,
                "label": _measure_label(m.kind),
                "party": m.party.key,
                "party_name": keys.get(m.party.key, ""),
                "started_at": _iso(m.started_at),
                "ended_at": _iso(m.ended_at),
                "note": m.note,
            }
            for m in case.measures.select_related("party")
        ],
        "legal_events": [
            {
                "code": e.code,
                "name": names[e.code].name_zh if e.code in names else e.code,
                "at": _iso(e.at),
                "party": e.person,
                "party_name": keys.get(e.person, ""),
                "recorded_by": e.recorded_by.full_name if e.recorded_by else "",
            }
            for e in LegalEvent.objects.filter(subject_type="case", subject_id=case.pk).select_related(
                "recorded_by"
            )
        ],
        "reviews": [
            {
                "subject": a.subject,
                "label": a.label,
                "status": a.status,
                "submitted_at": _iso(a.submitted_at),
                "submitted_by": _person(a.submitted_by),
                "steps": [
                    {
                        "role": s.get("role", ""),
                        "name": s.get("name", ""),
                        "decision": s.get("decision", ""),
                        "opinion": s.get("opinion", ""),
                        "at": s.get("at", ""),
                    }
                    for s in a.history
                ],
            }
            for a in case.approvals.select_related("submitted_by").order_by("submitted_at", "id")
        ],
        "deliberations": [
            {
                "topic": d.topic,
                "held_at": _iso(d.held_at),
                "chair": _person(d.chair),
                "participants": [u.full_name for u in d.participants.order_by("id")],
                "opinions": [
                    {"name": o.get("name", ""), "opinion": o.get("opinion", "")} for o in d.opinions
                ],
                "decision": d.decision,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "votes_abstain": d.votes_abstain,
                "passed": d.passed,
            }
            for d in case.deliberations.select_related("chair").order_by("held_at", "id")
        ],
        "evidence": [
            {
                "number": e.number,
                "name": e.name,
                "description": e.description,
                "collected_at": _iso(e.collected_at),
                "collected_by": _person(e.collected_by),
                "attachments": by_evidence.get(e.pk, []),
            }
            for e in case.evidence.select_related("collected_by").order_by("number")
        ],
        "documents": documents,
        "attachments": attachments,
    }
    return manifest, files


def _measure_label(kind: str) -> str:
    measure = workflow().measures.get(kind)
    return measure.label if measure else kind


def package(manifest: dict[str, Any], files: dict[str, bytes], created_at: datetime) -> bytes:
    """The zip: manifest.json first, then the files; entries dated at the dossier's creation."""
    stamp = timezone.localtime(created_at).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {
            "manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
            **files,
        }
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# services


def dossier_build(*, actor: Any, case_id: int) -> Dossier:
    """生成并移送电子卷宗: for a criminal case in status `transferred` (the transfer itself is the
    workflow's `transfer_for_prosecution`/`resubmit`); one dossier per transfer of the case."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    if case.kind != CaseKind.CRIMINAL or case.status != "transferred":
        raise Conflict("只有已移送审查起诉的刑事案件才能生成电子卷宗")
    sequence = max(1, transfer_count(case))
    if case.dossiers.filter(sequence=sequence).exists():
        raise Conflict(f"本案第{sequence}次移送的电子卷宗已经生成")
    created_at = timezone.now()
    manifest, files = build_manifest(case, sequence=sequence, created_at=created_at, sent_by=actor)
    content = package(manifest, files, created_at)
    path, digest = store(content, area="dossiers", suffix=".zip")
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                case=case,
                sequence=sequence,
                manifest=manifest,
                package_path=path,
                sha256=digest,
                size=len(content),
                sent_at=created_at,
                sent_by=actor,
            )
            _log(case, actor, f"生成并移送电子卷宗（第{sequence}次移送，{len(files)}个文件）")
            audit_record(
                actor=actor,
                action="case.dossier_build",
                obj=case,
                changes={"sequence": [None, sequence], "sha256": [None, digest]},
            )
    except IntegrityError as exc:  # a concurrent build of the same transfer won
        raise Conflict(f"本案第{sequence}次移送的电子卷宗已经生成") from exc
    return dossier


def _procurator(actor: Any, action: str, dossier_id: int) -> Dossier:
    """The dossier, for a procurator who may see its case; anyone else is refused (and audited)."""
    # access.roles has no capability for the procuratorate's receipt yet: the role itself decides.
    if not getattr(actor, "is_authenticated", False) or Role.PROCURATOR not in actor.role_codes:
        audit_record(
            actor=actor,
            action=action,
            object_type="cases.dossier",
            object_id=dossier_id,
            outcome=Outcome.DENIED,
        )
        raise PermissionDenied(action)
    dossier = Dossier.objects.filter(pk=dossier_id).first()
    if dossier is None:
        raise Http404  # like one outside the scope: guessing ids tells nothing
    visible_case(actor, dossier.case_id)
    return dossier


def dossier_receive(*, actor: Any, dossier_id: int, note: str = "") -> Dossier:
    """检察院签收: the procuratorate's case management center records the dossier's receipt."""
    dossier = _procurator(actor, "case.dossier_receive", dossier_id)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related("case").get(pk=dossier.pk)
        if dossier.received_at is not None:
            raise Conflict("该电子卷宗已签收")
        dossier.received_at, dossier.received_by = timezone.now(), actor
        dossier.receipt_note = note.strip()
        dossier.save(update_fields=["received_at", "received_by", "receipt_note"])
        _log(dossier.case, actor, f"检察院签收电子卷宗（第{dossier.sequence}次移送）")
        audit_record(
            actor=actor,
            action="case.dossier_receive",
            obj=dossier,
            changes={"received_at": [None, _iso(dossier.received_at)]},
        )
    return dossier


def dossier_outcome(*, actor: Any, dossier_id: int, outcome: str, note: str = "") -> Dossier:
    """检察院审查结果: accepted (受理), or returned for supplementary investigation (退回补充侦查, with
    the reasons). Only the dossier changes: the officers record the case's return themselves."""
    dossier = _procurator(actor, "case.dossier_outcome", dossier_id)
    if outcome not in (DossierOutcome.ACCEPTED, DossierOutcome.RETURNED):
        raise ServiceError("请选择受理或退回补充侦查", {"outcome": "审查结果无效"})
    if outcome == DossierOutcome.RETURNED and not note.strip():
        raise ServiceError("退回补充侦查须写明理由", {"note": "请写明退回补充侦查的理由和提纲"})
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related("case").get(pk=dossier.pk)
        if dossier.received_at is None:
            raise Conflict("请先签收电子卷宗")
        if dossier.outcome != DossierOutcome.PENDING:
            raise Conflict(f"该电子卷宗已有审查结果：{dossier.get_outcome_display()}")
        dossier.outcome, dossier.outcome_note = outcome, note.strip()
        dossier.outcome_at, dossier.outcome_by = timezone.now(), actor
        dossier.save(update_fields=["outcome", "outcome_note", "outcome_at", "outcome_by"])
        label = dossier.get_outcome_display()
        text = f"检察院审查电子卷宗（第{dossier.sequence}次移送）：{label}"
        if outcome == DossierOutcome.RETURNED:
            text += f"。{dossier.outcome_note}（请办案民警登记退回补充侦查）"
        _log(dossier.case, actor, text)
        audit_record(
            actor=actor,
            action="case.dossier_outcome",
            obj=dossier,
            changes={"outcome": [DossierOutcome.PENDING, outcome]},
        )
    return dossier


def dossier_package(*, actor: Any, dossier_id: int) -> bytes:
    """The dossier's zip for download (officers of the case and procurators), checked and audited."""
    dossier = Dossier.objects.filter(pk=dossier_id).first()
    if dossier is None:
        raise Http404  # like one outside the scope: guessing ids tells nothing
    visible_case(actor, dossier.case_id)
    content = _checked(dossier.package_path, dossier.sha256, f"电子卷宗（第{dossier.sequence}次移送）")
    audit_record(actor=actor, action="case.dossier_view", obj=dossier)
    return content


def _log(case: Case, actor: Any, text: str) -> None:
    CaseActivity.objects.create(case=case, actor=actor, text=text[:300], at=timezone.now())
