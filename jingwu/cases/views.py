"""The case pages (案件办理): thin views over jingwu.cases.services and selectors, and over
jingwu.cases.documents and .dossier for the legal documents, evidence, attachments and the
electronic dossier (with the procurators' page of dossiers).

Every write goes through a service (which checks access, runs the workflow's gates and audits);
a refusal is shown on the page that was posted from, with its Chinese message and 400/409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.access.roles import APPROVER_ROLES, Role
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases import documents, dossier, forms, selectors, services
from jingwu.cases.choices import ApprovalStatus, CaseKind, CaseSource
from jingwu.cases.models import Approval, Attachment, Case, CaseDocument, Dossier, DossierOutcome
from jingwu.cases.workflow import workflow
from jingwu.core.errors import ServiceError
from jingwu.core.forms import form_status, refusal_status, renamed_fields, submit_form
from jingwu.core.masking import mask_id_number
from jingwu.incidents.selectors import incident_get
from jingwu.incidents.taxonomy import taxonomy
from jingwu.org.choices import UnitKind
from jingwu.org.selectors import unit_list
from jingwu.people.selectors import person_list

# The services' argument names → the forms' field names, so that a refusal lands on its input.
FIELD_NAMES = {
    "station_id": "station",
    "lead_officer_id": "lead_officer",
    "officer_ids": "officers",
    "participant_ids": "participants",
    "party_id": "party",
    "incident_id": "incident",
    "evidence_id": "evidence",
    "content": "file",
}
STEP_LABELS = {"legal_officer": "法制员审核", "unit_chief": "办案单位负责人审批", "leader": "局领导审批"}
TABS = (("queue", "审查队列"), ("mine", "我的案件"), ("all", "全部案件"))
# The procurators' page of dossiers: which dossiers each tab shows.
DOSSIER_TABS = (("unreceived", "待签收"), ("pending", "待审查"), ("decided", "已审查"), ("all", "全部"))
MAX_CANDIDATES = 20


# --------------------------------------------------------------------------------------------------
# list and acceptance


def _tabs(user: Any) -> list[tuple[str, str]]:
    return [
        (key, label)
        for key, label in TABS
        if key == "all"
        or (key == "queue" and has_capability(user, "case.review"))
        or (key == "mine" and has_capability(user, "case.handle"))
    ]


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "case.view")
    tabs = _tabs(request.user)
    keys = [key for key, _ in tabs]
    tab = request.GET.get("tab") or keys[0]
    if tab not in keys:
        tab = "all"
    form = forms.CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseFilters(
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        text=data.get("text") or "",
        mine=tab == "mine",
        review_queue=tab == "queue",
    )
    cases = selectors.case_list(actor=request.user, filters=filters)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "tab": tab,
        "tabs": tabs,
        "states": workflow().states,
        "extra_query": query.urlencode() + "&" if query else "",
        "can_accept": has_capability(request.user, "case.accept"),
        "dossiers_tab": _is_procurator(request.user),
    }
    return render(request, "cases/list.html", context)


def _stations(actor: Any) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in unit_list(actor=actor).filter(kind=UnitKind.STATION, is_active=True)]


def _village_name(name: str) -> str:
    """'亭头村委会' → '亭头村', '河东社区居委会' → '河东社区'."""
    for suffix in ("居委会", "委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _from_incident(actor: Any, incident_id: str) -> dict[str, Any]:
    """The accept form's initial values from an incident's disposition (警情转案)."""

    if not incident_id.isdigit():
        raise Http404
    incident = incident_get(actor=actor, incident_id=int(incident_id))
    category = taxonomy().categories.get(incident.category)
    subtype = category.subtypes.get(incident.subcategory, "") if category else ""
    kind = {"criminal_case": CaseKind.CRIMINAL, "administrative_case": CaseKind.ADMINISTRATIVE}.get(
        incident.disposition, CaseKind.CRIMINAL
    )
    facts = incident.narrative
    if incident.disposition_note:
        facts += f"\n处警情况：{incident.disposition_note}"
    return {
        "incident": incident.pk,
        "incident_obj": incident,
        "kind": kind,
        "source": CaseSource.INCIDENT,
        "title": f"{_village_name(incident.village.name)}{subtype}案"[:100],
        "facts": facts,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "case.accept")
    initial: dict[str, Any] = {}
    incident_id = request.GET.get("incident") or request.POST.get("incident") or ""
    if incident_id:
        initial = _from_incident(request.user, incident_id)
    incident = initial.pop("incident_obj", None)
    if incident is not None and incident.linked_case_id and request.method == "GET":
        messages.info(request, f"警情 {incident.number} 已转为案件")
        return redirect("cases:detail", incident.linked_case_id)
    if not request.POST and not initial:
        initial = {"accepted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = forms.AcceptForm(request.POST or None, initial=initial, stations=_stations(request.user))
    case = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda _: services.case_accept(actor=request.user, **form.service_arguments())
        ),
    )
    if case:
        messages.success(request, f"已受案 {case.number}，进入{case.reviewing_unit.name}审查队列")
        return redirect("cases:detail", case.pk)
    status = refusal_status(form) if form.errors else form_status(form)
    return render(request, "cases/accept.html", {"form": form, "incident": incident}, status=status)


@login_required
@require_GET
def offence_options(request: HttpRequest) -> HttpResponse:
    """The offence <option>s of a case kind (htmx: the select follows the kind)."""
    require(request.user, "case.view")
    choices = forms.offence_select(request.GET.get("kind"))
    return render(request, "cases/_offence_options.html", {"choices": choices})


# --------------------------------------------------------------------------------------------------
# the case page


def _approval_rows(user: Any, case: Case) -> list[dict[str, Any]]:
    rows = []
    for approval in case.approvals.select_related("submitted_by"):
        steps = []
        for index, role in enumerate(approval.roles):
            if approval.status == ApprovalStatus.RETURNED and index == approval.step:
                state = "returned"
            elif index < approval.step or approval.status == ApprovalStatus.APPROVED:
                state = "done"
            elif index == approval.step and approval.status == ApprovalStatus.PENDING:
                state = "current"
            else:
                state = "waiting"
            steps.append({"label": STEP_LABELS.get(role, role), "state": state})
        rows.append(
            {
                "approval": approval,
                "steps": steps,
                "history": _history(approval),
                "can_decide": _can_decide(user, approval),
            }
        )
    return rows


def _history(approval: Approval) -> list[dict[str, Any]]:
    """The approval's decisions, with the step's label and the time as a local datetime."""
    return [
        {
            **h,
            "role_label": STEP_LABELS.get(h["role"], h["role"]),
            "at": timezone.localtime(datetime.fromisoformat(h["at"])),
        }
        for h in approval.history
    ]


def _can_decide(user: Any, approval: Approval) -> bool:
    role = approval.waiting_for
    return (
        role is not None
        and has_capability(user, "case.approve")
        and not user.role_codes.isdisjoint(APPROVER_ROLES[role])
    )


def _transition_rows(user: Any, case: Case) -> list[dict[str, Any]]:
    pending = {
        subject.partition(":")[2]
        for subject in case.approvals.filter(status=ApprovalStatus.PENDING).values_list("subject", flat=True)
    }
    return [
        {
            "t": t,
            "needs_reason": "reason" in t.requires,
            "approvals": "、".join(STEP_LABELS[r] for r in t.approvals),
            "pending": t.name in pending,
        }
        for t in selectors.available_transitions(actor=user, case=case)
    ]


#: (action, label, url name, query built from the case): the case's records kept by the other apps.
_RELATED_LINKS = (
    ("property.view", _("涉案财物"), "property:list", lambda case: {"case": case.number}),
    ("property.manage", _("登记涉案财物"), "property:register", lambda case: {"case": case.pk}),
    ("custody.view", _("办案中心出区记录"), "custody:history", lambda case: {"text": case.number}),
    ("notice.view", _("监督通知"), "supervision:notices", lambda case: {"case": case.pk}),
)


def _related_links(user: Any, case: Case) -> list[dict[str, str]]:
    """Links to the case's seized property, custody stays and supervision notices, as far as the user's
    role allows (the pages themselves scope what they show); registering property is for the property
    room and the case's own officers."""
    own = services.is_case_officer(user, case) or has_capability(user, "property.room")
    return [
        {"label": label, "url": f"{reverse(name)}?{urlencode(query(case))}"}
        for action, label, name, query in _RELATED_LINKS
        if has_capability(user, action) and (action != "property.manage" or own)
    ]


def _detail_context(request: HttpRequest, case: Case, **bound: Any) -> dict[str, Any]:
    user = request.user
    terminal = case.status in workflow().terminal
    can_handle = has_capability(user, "case.handle") and not terminal
    can_review = has_capability(user, "case.review") and case.status == "accepted"
    can_deliberate = has_capability(user, "case.deliberate") and case.is_major and not terminal
    parties = list(case.parties.select_related("person"))
    measures = list(case.measures.select_related("party__person", "created_by"))
    labels = {m.name: m.label for m in workflow().measures.values()}
    context: dict[str, Any] = {
        "case": case,
        "state_label": workflow().states.get(case.status, case.status),
        "terminal": terminal,
        "officers": list(case.officers.select_related("unit")),
        "parties": [{"party": p, "id_number": mask_id_number(p.person.id_number)} for p in parties],
        "measures": [{"m": m, "label": labels.get(m.kind, m.kind)} for m in measures],
        "approvals": _approval_rows(user, case),
        "deliberations": list(case.deliberations.select_related("chair")),
        "timeline": selectors.case_timeline(case),
        "transitions": _transition_rows(user, case),
        "related_links": _related_links(user, case),
        "can_handle": can_handle,
        "can_review": can_review,
        "can_deliberate": can_deliberate,
        "now": timezone.localtime(),
        "candidates": [
            {"person": p, "id_number": mask_id_number(p.id_number)} for p in bound.get("candidates") or ()
        ],
    }
    if can_review:
        context["assign_form"] = bound.get("assign_form") or forms.AssignForm(case=case)
    if can_handle:
        context["party_form"] = bound.get("party_form") or forms.PartyForm()
        if parties:
            context["measure_form"] = bound.get("measure_form") or forms.MeasureForm(case=case)
            context["event_form"] = bound.get("event_form") or forms.PartyEventForm(case=case)
        context["end_form"] = bound.get("end_form") or forms.MeasureEndForm()
        context["end_failed"] = bound.get("end_failed")
    if can_deliberate:
        context["deliberation_form"] = bound.get("deliberation_form") or forms.DeliberationForm(
            initial={"topic": f"关于{case.title}的集体议案", "held_at": timezone.localtime()}
        )
    context["transition_form"] = bound.get("transition_form")
    context["failed_transition"] = bound.get("failed_transition", "")
    context["decision_form"] = bound.get("decision_form")
    context["failed_approval"] = bound.get("failed_approval")
    context.update(_files_context(user, case, bound))
    return context


def _files_context(user: Any, case: Case, bound: dict[str, Any]) -> dict[str, Any]:
    """The sections 法律文书, 证据与附件 and 电子卷宗 of the case page."""
    handles = has_capability(user, "case.handle")
    writable = handles and case.status not in workflow().terminal
    context: dict[str, Any] = {
        "documents": list(case.documents.select_related("created_by")),
        "evidence": list(case.evidence.select_related("collected_by")),
        "attachments": list(case.attachments.select_related("evidence", "uploaded_by")),
    }
    if handles:
        # Documents may be produced after closure too (不予立案通知书, 撤销案件决定书): documents.yaml
        # says in which statuses.
        form = bound.get("document_form") or forms.DocumentForm(case=case)
        if form.applicable or form.is_bound:
            context["document_form"] = form
    if writable:
        context["evidence_form"] = bound.get("evidence_form") or forms.EvidenceForm()
        context["attachment_form"] = bound.get("attachment_form") or forms.AttachmentForm(case=case)
    dossiers = list(case.dossiers.select_related("sent_by", "received_by", "outcome_by"))
    if case.kind == CaseKind.CRIMINAL and (case.status == "transferred" or dossiers):
        context["dossier_section"] = True
        context["dossiers"] = dossiers
        if handles and case.status == "transferred":
            sequence = max(1, dossier.transfer_count(case))
            if all(d.sequence != sequence for d in dossiers):
                context["dossier_sequence"] = sequence
        context["procurator"] = _is_procurator(user)
    return context


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, case_id=case_id)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _act(
    request: HttpRequest,
    case_id: int,
    form: django_forms.Form,
    key: str,
    action: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    **extra: Any,
) -> HttpResponse:
    """Run one write posted from the case page: back to the page on success, the page again with the
    form in error (and the refusal on top) otherwise."""
    result = submit_form(request, form, renamed_fields(FIELD_NAMES)(action))
    if result is not None:
        messages.success(request, success(result))
        return redirect("cases:detail", case_id)
    refusal = getattr(form, "service_error", None)
    messages.error(request, refusal.message if refusal else "提交的内容有误，请检查后重试")
    case = selectors.case_get(actor=request.user, case_id=case_id)
    context = _detail_context(request, case, **{key: form}, **extra)
    return render(request, "cases/detail.html", context, status=refusal_status(form))


def _requested(result: Any, label: str) -> str:
    if isinstance(result, Approval):
        return f"已提请“{result.label}”，待{STEP_LABELS[result.roles[0]]}"
    return label


@login_required
@require_POST
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    case = services.visible_case(request.user, case_id)
    form = forms.AssignForm(request.POST, case=case)
    return _act(
        request,
        case_id,
        form,
        "assign_form",
        lambda _: services.case_assign(actor=request.user, case_id=case_id, **form.service_arguments()),
        lambda c: f"已审查指派：{c.offence}，主办民警 {c.lead_officer.full_name}",
    )


@login_required
@require_POST
def case_transition(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    if name not in workflow().transitions:
        raise Http404
    step = workflow().transition(name)
    form = forms.TransitionForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        "transition_form",
        lambda data: services.case_request(
            actor=request.user, case_id=case_id, transition=name, reason=data["reason"]
        ),
        lambda result: _requested(result, f"已{step.label}：{workflow().states[step.target]}"),
        failed_transition=name,
    )


@login_required
@require_POST
def party_add(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a party: a chosen person, or the one person the ID number or name finds; several found are
    offered as a choice."""
    form = forms.PartyForm(request.POST)
    found: list[Any] = []

    def add(data: dict[str, Any]) -> Any:
        person_id = data.get("person")
        if not person_id:
            matches = list(person_list(actor=request.user, query=data["query"])[: MAX_CANDIDATES + 1])
            if len(matches) != 1:
                found.extend(matches[:MAX_CANDIDATES])
                message = "未找到该人员，请先在人员库登记" if not matches else "找到多名人员，请选择其一"
                raise ServiceError(message, {"query": message})
            person_id = matches[0].pk
        return services.party_add(actor=request.user, case_id=case_id, person_id=person_id, role=data["role"])

    return _act(
        request,
        case_id,
        form,
        "party_form",
        add,
        lambda p: f"已添加{p.get_role_display()}：{p.person.name}",
        candidates=found,  # filled by add() when the query finds several
    )


@login_required
@require_GET
def person_candidates(request: HttpRequest, case_id: int) -> HttpResponse:
    """htmx: the persons the typed ID number or name finds, to pick one."""
    services.visible_case(request.user, case_id)
    query = request.GET.get("query", "").strip()
    people = list(person_list(actor=request.user, query=query)[:MAX_CANDIDATES]) if query else []
    rows = [{"person": p, "id_number": mask_id_number(p.id_number)} for p in people]
    return render(request, "cases/_candidates.html", {"candidates": rows, "query": query})


@login_required
@require_POST
def measure_start(request: HttpRequest, case_id: int) -> HttpResponse:
    case = services.visible_case(request.user, case_id)
    form = forms.MeasureForm(request.POST, case=case)
    return _act(
        request,
        case_id,
        form,
        "measure_form",
        lambda data: services.measure_request(
            actor=request.user,
            case_id=case_id,
            party_id=data["party"],
            kind=data["kind"],
            started_at=data["started_at"],
            note=data["note"],
        ),
        lambda result: _requested(result, "已记录强制措施"),
    )


@login_required
@require_POST
def measure_end(request: HttpRequest, case_id: int, measure_id: int) -> HttpResponse:
    services.visible_case(request.user, case_id)
    if not Case.objects.filter(pk=case_id, measures__pk=measure_id).exists():
        raise Http404
    form = forms.MeasureEndForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        "end_form",
        lambda data: services.measure_end(
            actor=request.user, measure_id=measure_id, ended_at=data["ended_at"]
        ),
        lambda m: "已结束措施",
        end_failed=measure_id,
    )


@login_required
@require_POST
def party_event(request: HttpRequest, case_id: int) -> HttpResponse:
    case = services.visible_case(request.user, case_id)
    form = forms.PartyEventForm(request.POST, case=case)
    return _act(
        request,
        case_id,
        form,
        "event_form",
        lambda data: services.party_event_record(
            actor=request.user,
            case_id=case_id,
            party_id=data["party"],
            code=data["code"],
            at=data["at"],
            note=data["note"],
        ),
        # An event the workflow gates (event_approvals) opens an approval request instead.
        lambda result: (
            _requested(result, "")
            if isinstance(result, Approval)
            else f"已登记：{dict(form.fields['code'].choices).get(result.code, result.code)}"
        ),
    )


@login_required
@require_POST
def deliberation_create(request: HttpRequest, case_id: int) -> HttpResponse:
    form = forms.DeliberationForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        "deliberation_form",
        lambda _: services.deliberation_record(
            actor=request.user, case_id=case_id, **form.service_arguments()
        ),
        lambda d: f"已记录集体议案：{d.topic}（{'通过' if d.passed else '未通过'}）",
    )


@login_required
@require_GET
def deliberation_minutes(request: HttpRequest, case_id: int, deliberation_id: int) -> HttpResponse:
    """集体议案记录, printable."""
    case = selectors.case_get(actor=request.user, case_id=case_id)
    meeting = case.deliberations.select_related("chair").filter(pk=deliberation_id).first()
    if meeting is None:
        raise Http404
    participants = meeting.participants.select_related("unit").order_by("unit__path", "full_name")
    return render(
        request,
        "cases/minutes.html",
        {"case": case, "meeting": meeting, "participants": participants},
    )


# --------------------------------------------------------------------------------------------------
# approvals


@login_required
@require_GET
def approval_inbox(request: HttpRequest) -> HttpResponse:
    require(request.user, "case.approve")
    return render(request, "cases/approvals.html", _inbox_context(request))


def _inbox_context(request: HttpRequest, **bound: Any) -> dict[str, Any]:
    waiting = selectors.approvals_waiting_for(actor=request.user).order_by("submitted_at", "id")
    rows = [
        {
            "approval": a,
            "step": STEP_LABELS.get(a.current_role, a.current_role),
            "steps": [STEP_LABELS.get(r, r) for r in a.roles],
            "history": _history(a),
            "state_label": workflow().states.get(a.case.status, a.case.status),
        }
        for a in waiting
    ]
    return {
        "rows": rows,
        "decision_form": bound.get("decision_form"),
        "failed_approval": bound.get("failed_approval"),
    }


@login_required
@require_POST
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    require(request.user, "case.approve")
    form = forms.DecisionForm(request.POST)
    from_case = request.POST.get("origin") == "case"
    approval = Approval.objects.filter(pk=approval_id).only("case_id").first()
    if approval is None:
        raise Http404
    case = services.visible_case(request.user, approval.case_id)
    done = submit_form(
        request,
        form,
        lambda data: services.approval_decide(
            actor=request.user, approval_id=approval_id, decision=data["decision"], opinion=data["opinion"]
        ),
    )
    if done is not None:
        verdict = "已同意" if form.cleaned_data["decision"] == "approve" else "已退回"
        messages.success(request, f"{verdict}：{case.number}“{done.label}”")
        return redirect("cases:detail", case.pk) if from_case else redirect("cases:approvals")
    refusal = getattr(form, "service_error", None)
    messages.error(request, refusal.message if refusal else "请选择同意或退回")
    bound = {"decision_form": form, "failed_approval": approval_id}
    if from_case:
        context = _detail_context(request, selectors.case_get(actor=request.user, case_id=case.pk), **bound)
        return render(request, "cases/detail.html", context, status=refusal_status(form))
    return render(
        request, "cases/approvals.html", _inbox_context(request, **bound), status=refusal_status(form)
    )


# --------------------------------------------------------------------------------------------------
# legal documents, evidence and attachments


def _refused(request: HttpRequest, case_id: int, refusal: ServiceError) -> HttpResponse:
    """The case page again with a refusal that has no form to sit on (a file failed its check)."""
    messages.error(request, refusal.message)
    case = selectors.case_get(actor=request.user, case_id=case_id)
    return render(request, "cases/detail.html", _detail_context(request, case), status=refusal.status_code)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def document_create(request: HttpRequest, case_id: int) -> HttpResponse:
    """制作法律文书 (rendered to PDF, numbered, audited by the service)."""
    case = services.visible_case(request.user, case_id)
    form = forms.DocumentForm(request.POST, case=case)
    return _act(
        request,
        case_id,
        form,
        "document_form",
        lambda _: documents.document_generate(
            actor=request.user, case_id=case_id, **form.service_arguments()
        ),
        lambda d: f"已制作{d.title}：{d.number}",
    )


@login_required
@require_GET
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The document's PDF, checked against its hash; the service audits the read."""
    document = CaseDocument.objects.filter(pk=document_id).only("case_id", "title", "number").first()
    if document is None:
        raise Http404
    try:
        content = documents.document_pdf(actor=request.user, document_id=document_id)
    except ServiceError as refusal:  # the stored file was altered or is missing
        return _refused(request, document.case_id, refusal)
    return _download(content, "application/pdf", f"{document.title}-{document.number}.pdf")


@login_required
@require_POST
def evidence_create(request: HttpRequest, case_id: int) -> HttpResponse:
    services.visible_case(request.user, case_id)
    form = forms.EvidenceForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        "evidence_form",
        lambda data: documents.evidence_add(
            actor=request.user,
            case_id=case_id,
            name=data["name"],
            description=data["description"],
            collected_at=data["collected_at"],
        ),
        lambda e: f"已登记证据{e.number}：{e.name}",
    )


@login_required
@require_POST
def attachment_create(request: HttpRequest, case_id: int) -> HttpResponse:
    """上传附件 (multipart): stored under its SHA-256 by the service."""
    case = services.visible_case(request.user, case_id)
    form = forms.AttachmentForm(request.POST, request.FILES, case=case)

    def add(data: dict[str, Any]) -> Attachment:
        upload = data["file"]
        return documents.attachment_add(
            actor=request.user,
            case_id=case_id,
            evidence_id=data["evidence"],
            name=upload.name,
            content=upload.read(),
            content_type=upload.content_type or "",
        )

    return _act(
        request,
        case_id,
        form,
        "attachment_form",
        add,
        lambda a: f"已上传附件：{a.file_name}（SHA-256 {a.sha256[:12]}…）",
    )


@login_required
@require_POST
def attachment_verify(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """校验附件: htmx gets the result's tag for the row; a plain post goes back to the case page."""
    attachment = Attachment.objects.filter(pk=attachment_id).only("case_id", "file_name").first()
    if attachment is None:
        raise Http404
    result = documents.attachment_verify(actor=request.user, attachment_id=attachment_id)
    if request.htmx:
        return render(request, "cases/_verify_result.html", {"result": result})
    if result == "ok":
        messages.success(request, f"附件“{attachment.file_name}”校验通过：文件与上传时一致")
    else:
        messages.error(request, f"附件“{attachment.file_name}”校验失败：文件已被改动或缺失")
    return redirect("cases:detail", attachment.case_id)


# --------------------------------------------------------------------------------------------------
# the electronic dossier


def _is_procurator(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and Role.PROCURATOR in user.role_codes


@login_required
@require_POST
def dossier_create(request: HttpRequest, case_id: int) -> HttpResponse:
    """生成并移送电子卷宗 (officers, criminal cases in status transferred)."""
    services.visible_case(request.user, case_id)
    form = django_forms.Form(request.POST)
    return _act(
        request,
        case_id,
        form,
        "dossier_form",
        lambda _: dossier.dossier_build(actor=request.user, case_id=case_id),
        lambda d: f"已生成并移送电子卷宗（第{d.sequence}次移送）",
    )


@login_required
@require_GET
def dossier_package(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The dossier's zip (officers of the case and procurators), checked and audited by the service."""
    found = Dossier.objects.filter(pk=dossier_id).select_related("case").first()
    if found is None:
        raise Http404
    try:
        content = dossier.dossier_package(actor=request.user, dossier_id=dossier_id)
    except ServiceError as refusal:
        if request.GET.get("origin") == "dossiers" and _is_procurator(request.user):
            messages.error(request, refusal.message)
            return render(
                request, "cases/dossiers.html", _dossiers_context(request), status=refusal.status_code
            )
        return _refused(request, found.case_id, refusal)
    name = f"{found.case.number}-电子卷宗-第{found.sequence}次移送.zip"
    return _download(content, "application/zip", name)


def _require_procurator(user: Any, action: str) -> None:
    """The dossiers' page is the procuratorate's (access.roles has no capability for it yet)."""
    if not _is_procurator(user):
        audit_record(actor=user, action=action, outcome=Outcome.DENIED)
        raise PermissionDenied(action)


def procurator_dossiers(actor: Any) -> Any:
    """The dossiers of the cases the procurator sees (criminal cases, bureau-wide), newest first."""
    return (
        Dossier.objects.filter(case__in=selectors.case_list(actor=actor).values("pk"))
        .select_related("case", "case__station", "sent_by", "received_by", "outcome_by")
        .order_by("-sent_at", "-id")
    )


def _dossiers_context(request: HttpRequest, **bound: Any) -> dict[str, Any]:
    tab = request.GET.get("tab") or "unreceived"
    if tab not in dict(DOSSIER_TABS):
        tab = "all"
    rows = procurator_dossiers(request.user)
    if tab == "unreceived":
        rows = rows.filter(received_at__isnull=True)
    elif tab == "pending":
        rows = rows.filter(received_at__isnull=False, outcome=DossierOutcome.PENDING)
    elif tab == "decided":
        rows = rows.exclude(outcome=DossierOutcome.PENDING)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return {
        "page": page,
        "tab": tab,
        "tabs": DOSSIER_TABS,
        "case_tabs": _tabs(request.user),
        "extra_query": f"tab={tab}&",
        "states": workflow().states,
        "receive_form": bound.get("receive_form"),
        "outcome_form": bound.get("outcome_form"),
        "failed_dossier": bound.get("failed_dossier"),
    }


@login_required
@require_GET
def dossier_list(request: HttpRequest) -> HttpResponse:
    """电子卷宗 of the procuratorate's case management center: receipt and outcome."""
    _require_procurator(request.user, "case.dossier_list")
    return render(request, "cases/dossiers.html", _dossiers_context(request))


def _dossier_act(
    request: HttpRequest,
    dossier_id: int,
    form: django_forms.Form,
    key: str,
    action: Callable[[dict[str, Any]], Dossier],
    success: Callable[[Dossier], str],
) -> HttpResponse:
    """A procurator's write on a dossier: back to the dossiers' page, or the page with the form."""
    if not Dossier.objects.filter(pk=dossier_id).exists():
        raise Http404
    result = submit_form(request, form, action)
    if result is not None:
        messages.success(request, success(result))
        return redirect(f"{reverse('cases:dossiers')}?tab={request.POST.get('tab') or 'all'}")
    refusal = getattr(form, "service_error", None)
    messages.error(request, refusal.message if refusal else "提交的内容有误，请检查后重试")
    context = _dossiers_context(request, **{key: form}, failed_dossier=dossier_id)
    return render(request, "cases/dossiers.html", context, status=refusal_status(form))


@login_required
@require_POST
def dossier_receive(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """检察院签收 (procurators; the service refuses, and audits, anyone else)."""
    form = forms.DossierReceiveForm(request.POST)
    return _dossier_act(
        request,
        dossier_id,
        form,
        "receive_form",
        lambda data: dossier.dossier_receive(actor=request.user, dossier_id=dossier_id, note=data["note"]),
        lambda d: f"已签收 {d.case.number} 的电子卷宗（第{d.sequence}次移送）",
    )


@login_required
@require_POST
def dossier_outcome(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """检察院审查结果: 受理, or 退回补充侦查 with the reasons."""
    form = forms.DossierOutcomeForm(request.POST)
    return _dossier_act(
        request,
        dossier_id,
        form,
        "outcome_form",
        lambda data: dossier.dossier_outcome(
            actor=request.user, dossier_id=dossier_id, outcome=data["outcome"], note=data["note"]
        ),
        lambda d: f"已记录 {d.case.number} 的审查结果：{d.get_outcome_display()}",
    )
