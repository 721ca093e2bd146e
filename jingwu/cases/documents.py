"""Evidence, attachments and legal documents (证据、附件、法律文书) of a case.

Document kinds are data (data/documents.yaml); each is an HTML template under
templates/cases/documents/ rendered to an A4 PDF by WeasyPrint with the WenQuanYi Micro Hei font.
A document keeps the values it was rendered from (`context`) and the PDF's SHA-256; attachments are
stored content-addressed (jingwu.cases.storage). An altered file is detected by hashing it again.

Personal data in documents is masked (jingwu.core.masking) in this version, also where the law would
allow the full ID number: revealing it is a separate, audited act that documents do not perform yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.audit.services import audit_record
from jingwu.cases.choices import CaseKind, PartyRole
from jingwu.cases.models import (
    Attachment,
    Case,
    CaseActivity,
    CaseDocument,
    CaseParty,
    DocumentNumberCounter,
    Evidence,
)
from jingwu.cases.offences import ADMIN_OFFENCES
from jingwu.cases.services import visible_case
from jingwu.cases.storage import read, sha256_bytes, store
from jingwu.cases.workflow import CASE_KINDS, workflow
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.filetypes import UploadRefused, check_upload
from jingwu.core.masking import mask_address, mask_id_number, mask_phone
from jingwu.core.pdf import html_to_pdf
from jingwu.org.models import Unit

DOCUMENTS_YAML = Path(__file__).resolve().parent / "data" / "documents.yaml"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "cases" / "documents"
# WenQuanYi Micro Hei (Debian package fonts-wqy-microhei): ~1 s less per PDF than Noto CJK, whose
# subsetting is slow. Without it the documents fall back to whatever CJK font fontconfig finds.
PARTY_CHOICES = ("suspect", "reporter", "none")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # the bureau's limit per file, as the pages say


class DocumentConfigError(ValueError):
    """documents.yaml is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class DocumentKind:
    code: str
    title: str
    kinds: tuple[str, ...]
    statuses: tuple[str, ...]
    template: str
    word: str
    party: str
    legal_basis: dict[str, str]
    decision: dict[str, str]
    detail: str

    def applies_to(self, case: Case) -> bool:
        return case.kind in self.kinds and (not self.statuses or case.status in self.statuses)


@dataclass(frozen=True)
class DocumentCatalogue:
    kinds: dict[str, DocumentKind]
    abbreviations: dict[str, str]
    case_kind_words: dict[str, str]
    procuratorate: str
    review_body: str


@cache
def catalogue(path: Path = DOCUMENTS_YAML) -> DocumentCatalogue:
    """The document kinds of documents.yaml, checked against the workflow's states and the templates."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    states = set(workflow().states)
    kinds: dict[str, DocumentKind] = {}
    for code, raw in data["documents"].items():
        where = f"{path.name}: document {code}"
        entry = DocumentKind(
            code=code,
            title=raw["title"],
            kinds=tuple(raw["kinds"]),
            statuses=tuple(raw.get("statuses") or ()),
            template=raw["template"],
            word=raw["word"],
            party=raw.get("party", "none"),
            legal_basis=dict(raw["legal_basis"]),
            decision=dict(raw["decision"]),
            detail=raw.get("detail", ""),
        )
        if not set(entry.kinds) <= set(CASE_KINDS):
            raise DocumentConfigError(f"{where}: unknown case kind in {entry.kinds}")
        if not set(entry.statuses) <= states:
            raise DocumentConfigError(f"{where}: unknown status in {entry.statuses}")
        if entry.party not in PARTY_CHOICES:
            raise DocumentConfigError(f"{where}: party must be one of {PARTY_CHOICES}")
        missing = [k for k in entry.kinds if k not in entry.legal_basis or k not in entry.decision]
        if missing:
            raise DocumentConfigError(f"{where}: no legal_basis/decision for {missing}")
        if not (TEMPLATE_DIR / entry.template).is_file():
            raise DocumentConfigError(f"{where}: template {entry.template} not found")
        kinds[code] = entry
    return DocumentCatalogue(
        kinds=kinds,
        abbreviations=dict(data.get("issuer_abbreviations") or {}),
        case_kind_words=dict(data["case_kind_words"]),
        procuratorate=data["procuratorate"],
        review_body=data["review_body"],
    )


def document_kinds_for(case: Case) -> list[DocumentKind]:
    """The documents that may be produced for the case in its present status (the page's buttons)."""
    return [k for k in catalogue().kinds.values() if k.applies_to(case)]


# --------------------------------------------------------------------------------------------------
# rendering


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a template of cases/documents/ to PDF bytes (a stored original: no watermark)."""
    return html_to_pdf(render_to_string(f"cases/documents/{template}", context), base_dir=TEMPLATE_DIR)


# --------------------------------------------------------------------------------------------------
# helpers


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def _datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日{local.hour:02d}时{local.minute:02d}分"


def bureau_of(unit: Unit) -> Unit:
    """The bureau (the root of the unit tree) in whose name documents are issued."""
    return Unit.objects.get(code=unit.path.strip("/").split("/")[0])


@cache
def _admin_articles() -> dict[str, str]:
    data = yaml.safe_load(ADMIN_OFFENCES.read_text(encoding="utf-8"))
    return {item["code"]: item.get("article", "") for item in data["offences"]}


def party_data(party: CaseParty, case_kind: str) -> dict[str, str]:
    """A party as documents and the dossier show it: identity masked (个人信息脱敏). A role labelled
    for both kinds (犯罪嫌疑人/违法嫌疑人) is named as the case's kind calls it."""
    person = party.person
    labels = str(party.get_role_display()).split("/")
    role_label = labels[min(CASE_KINDS.index(case_kind), len(labels) - 1)]
    return {
        "key": party.key,
        "role": party.role,
        "role_label": role_label,
        "name": person.name,
        "sex": str(person.get_sex_display()),
        "id_number_masked": mask_id_number(person.id_number),
        "phone_masked": mask_phone(person.phone),
        "address_masked": mask_address(person.address),
    }


def _officer(user: Any) -> dict[str, str]:
    return {"name": user.full_name, "badge_number": user.badge_number} if user else {}


def _case_party(case: Case, kind: DocumentKind, party_id: int | None) -> CaseParty | None:
    parties = case.parties.select_related("person")
    if kind.party == "none":
        return None
    if kind.party == "reporter":
        return (
            parties.filter(role=PartyRole.REPORTER).first() or parties.filter(role=PartyRole.VICTIM).first()
        )
    suspects = parties.filter(role=PartyRole.SUSPECT)
    party = suspects.filter(pk=party_id).first() if party_id is not None else suspects.first()
    if party is None:
        who = "犯罪嫌疑人" if case.kind == CaseKind.CRIMINAL else "违法嫌疑人"
        raise ServiceError(f"制作{kind.title}须先添加{who}", {"party_id": f"请选择本案{who}"})
    return party


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def document_context(
    case: Case, kind: DocumentKind, party: CaseParty | None, detail: str, issuer: Unit
) -> dict[str, Any]:
    """The values a document is rendered from (JSON-serialisable; kept on the document)."""
    cat = catalogue()
    article = _admin_articles().get(case.offence_code, "") if case.kind == CaseKind.ADMINISTRATIVE else ""
    party_values = party_data(party, case.kind) if party else None
    values = {
        "name": party_values["name"] if party_values else "",
        "case_title": case.title,
        "case_number": case.number,
        "offence": case.offence or "（案由待定）",
        "issuer": issuer.name,
        "reviewing_unit": case.reviewing_unit.name,
        "accepted_date": _date(case.accepted_at),
        "article": article,
        "detail": detail,
    }
    evidence = [
        {"number": str(e.number), "name": e.name, "description": e.description}
        for e in case.evidence.order_by("number")
    ]
    return {
        "kind": kind.code,
        "title": kind.title,
        "issuer": issuer.name,
        "procuratorate": cat.procuratorate,
        "review_body": cat.review_body,
        "case": {
            "number": case.number,
            "title": case.title,
            "kind": case.kind,
            "kind_label": str(case.get_kind_display()),
            "offence": case.offence,
            "facts": case.facts,
            "source_label": str(case.get_source_display()),
            "transfer_agency": case.transfer_agency,
            "accepted_at": _datetime(case.accepted_at),
            "filed_at": _datetime(case.filed_at),
            "station": case.station.name,
            "reviewing_unit": case.reviewing_unit.name,
            "handling_unit": case.handling_unit.name if case.handling_unit else "",
            "lead_officer": _officer(case.lead_officer),
            "officers": [_officer(u) for u in case.officers.order_by("id")],
            "is_major": case.is_major,
        },
        "party": party_values,
        "parties": [party_data(p, case.kind) for p in case.parties.select_related("person")],
        "evidence": evidence,
        "decision": _fill(kind.decision[case.kind], values),
        "legal_basis": _fill(kind.legal_basis[case.kind], values),
        "detail": detail,
        "detail_label": kind.detail,
        "date": _date(timezone.now()),
    }


def _reserve_number(issuer: Unit, kind: DocumentKind, case_kind: str, year: int) -> str:
    """The next document number of the bureau for the kind and year. The counter row is updated in its
    own short transaction (its row lock serialises concurrent numbering); a render that fails after
    it leaves a gap in the numbers, never a duplicate (the column is unique)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                DocumentNumberCounter.objects.get_or_create(unit=issuer, year=year, kind=kind.code)
        except IntegrityError:
            pass  # created by a concurrent transaction
        counter = DocumentNumberCounter.objects.filter(unit=issuer, year=year, kind=kind.code)
        counter.update(last=F("last") + 1)
        serial = counter.get().last
    cat = catalogue()
    abbreviation = cat.abbreviations.get(issuer.code) or f"{issuer.name[:1]}公"
    return f"{abbreviation}（{cat.case_kind_words[case_kind]}）{kind.word}字〔{year}〕{serial}号"


def _log(case: Case, actor: Any, text: str) -> None:
    CaseActivity.objects.create(case=case, actor=actor, text=text[:300], at=timezone.now())


def _writable(case: Case, what: str) -> None:
    if case.status in workflow().terminal:
        raise Conflict(f"案件已办结（{workflow().states[case.status]}），不能再{what}")


# --------------------------------------------------------------------------------------------------
# legal documents


def document_generate(
    *, actor: Any, case_id: int, kind: str, party_id: int | None = None, detail: str = ""
) -> CaseDocument:
    """制作法律文书: render the kind's template for the case (and the party it concerns) to a PDF,
    number it, store it with its hash. `detail` fills the decision's {detail} (a reason, a penalty);
    by default the case's decision reason."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    entry = catalogue().kinds.get(kind)
    if entry is None or case.kind not in entry.kinds:
        raise ServiceError("该案件类别不适用此文书", {"kind": "文书种类无效"})
    if not entry.applies_to(case):
        raise Conflict(f"案件当前状态为“{workflow().states[case.status]}”，不能制作{entry.title}")
    party = _case_party(case, entry, party_id)
    detail = (detail or case.decision_reason).strip()
    if "{detail}" in entry.decision[case.kind] and not detail:
        raise ServiceError(f"制作{entry.title}须写明{entry.detail}", {"detail": f"请填写{entry.detail}"})
    issuer = bureau_of(case.reviewing_unit)
    context = document_context(case, entry, party, detail, issuer)
    context["number"] = _reserve_number(issuer, entry, case.kind, timezone.localtime().year)
    pdf = render_pdf(entry.template, context)
    path, digest = store(pdf, area="documents", suffix=".pdf")
    with transaction.atomic():
        document = CaseDocument.objects.create(
            case=case,
            kind=entry.code,
            title=entry.title,
            number=context["number"],
            context=context,
            pdf_path=path,
            sha256=digest,
            size=len(pdf),
            created_by=actor,
        )
        _log(case, actor, f"制作{entry.title}：{document.number}")
        audit_record(
            actor=actor,
            action="case.document_generate",
            obj=case,
            changes={"document": [None, document.number], "sha256": [None, digest]},
        )
    return document


def document_pdf(*, actor: Any, document_id: int) -> bytes:
    """The PDF of a document, checked against its hash; every read is audited."""
    document = CaseDocument.objects.filter(pk=document_id).first()
    if document is None:
        raise Http404  # like one outside the scope: guessing ids tells nothing
    case = visible_case(actor, document.case_id)
    try:
        content: bytes | None = read(document.pdf_path)
    except FileNotFoundError:
        content = None
    if content is None or sha256_bytes(content) != document.sha256:
        audit_record(
            actor=actor,
            action="case.document_view",
            obj=case,
            changes={"document": [None, document.number], "integrity": [None, "altered"]},
        )
        raise Conflict(f"文书 {document.number} 的文件校验失败（已被改动或缺失），请联系系统管理员")
    audit_record(
        actor=actor, action="case.document_view", obj=case, changes={"document": [None, document.number]}
    )
    return content


# --------------------------------------------------------------------------------------------------
# evidence and attachments


def evidence_add(
    *, actor: Any, case_id: int, name: str, description: str = "", collected_at: datetime | None = None
) -> Evidence:
    """登记证据: an item of evidence, numbered in the case."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    _writable(case, "登记证据")
    name = name.strip()
    if not name:
        raise ServiceError("请填写证据名称", {"name": "请填写证据名称"})
    now = timezone.now()
    if collected_at is not None and (timezone.is_naive(collected_at) or collected_at > now):
        raise ServiceError("收集时间无效", {"collected_at": "收集时间须带时区且不晚于当前时间"})
    with transaction.atomic():
        # The case row's lock serialises numbering within the case.
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        last = Evidence.objects.filter(case=case).aggregate(last=Max("number"))["last"] or 0
        evidence = Evidence.objects.create(
            case=case,
            number=last + 1,
            name=name[:100],
            description=description.strip(),
            collected_at=collected_at or now,
            collected_by=actor,
        )
        _log(case, actor, f"登记证据{evidence.number}：{evidence.name}")
        audit_record(
            actor=actor, action="case.evidence_add", obj=case, changes={"evidence": [None, evidence.name]}
        )
    return evidence


def _file_name(name: str) -> str:
    base = re.split(r"[\\/]", name.strip())[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:200]


def attachment_add(
    *,
    actor: Any,
    case_id: int,
    evidence_id: int | None = None,
    name: str,
    content: bytes,
    content_type: str,
) -> Attachment:
    """上传附件: store the file under its SHA-256 and record it on the case (and an evidence item)."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    _writable(case, "上传附件")
    file_name = _file_name(name)
    if not file_name:
        raise ServiceError("请填写文件名", {"name": "文件名无效"})
    if not content:
        raise ServiceError("文件为空", {"content": "文件为空"})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ServiceError("文件过大", {"content": f"单个文件不能超过{MAX_ATTACHMENT_BYTES // 2**20} MB"})
    try:
        # Allowed types only, and the bytes must be what the name says (a script named .pdf is refused);
        # the recorded type is the one the content proved, not the client's claim.
        content_type = check_upload(file_name, content, content_type)
    except UploadRefused as exc:
        raise ServiceError(exc.message, {"content": exc.message}) from exc
    evidence = None
    if evidence_id is not None:
        evidence = Evidence.objects.filter(pk=evidence_id, case=case).first()
        if evidence is None:
            raise ServiceError("证据不属于该案件", {"evidence_id": "请选择本案证据"})
    suffix = Path(file_name).suffix.lower()
    path, digest = store(
        content, area="attachments", suffix=suffix if re.fullmatch(r"\.\w{1,10}", suffix) else ""
    )
    with transaction.atomic():
        attachment = Attachment.objects.create(
            case=case,
            evidence=evidence,
            file_name=file_name,
            content_type=(content_type.strip() or "application/octet-stream")[:100],
            size=len(content),
            sha256=digest,
            path=path,
            uploaded_by=actor,
        )
        _log(case, actor, f"上传附件：{file_name}")
        audit_record(
            actor=actor,
            action="case.attachment_add",
            obj=case,
            changes={"attachment": [None, file_name], "sha256": [None, digest]},
        )
    return attachment


def attachment_verify(*, actor: Any, attachment_id: int) -> str:
    """校验附件: "ok" when the stored file still has its recorded hash, "altered" otherwise (also when
    the file is missing). The check is audited with its result."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404  # like one outside the scope: guessing ids tells nothing
    case = visible_case(actor, attachment.case_id)
    result = "ok" if attachment.verify() else "altered"
    audit_record(
        actor=actor,
        action="case.attachment_verify",
        obj=case,
        changes={"attachment": [None, attachment.file_name], "result": [None, result]},
    )
    return result
