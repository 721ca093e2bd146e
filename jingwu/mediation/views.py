"""The dispute pages (矛盾纠纷): the board, the list, registration, the dispute page with its forms, and
the agreement PDF. Thin: every write is a service call (access, workflow, audit are there); a refusal
is shown on the dispute page with its Chinese message and 400/403/409."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.core.forms import refusal_status, renamed_fields, submit_form
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.selectors import incident_get
from jingwu.mediation import documents, forms, selectors, services
from jingwu.mediation.choices import FollowUpStatus, Route
from jingwu.mediation.models import Dispute
from jingwu.mediation.rules import dispute_types, rules
from jingwu.mediation.workflow import STATES, targets
from jingwu.org.models import User

# The services' argument names → the forms' field names, so that a refusal lands on its input.
FIELD_NAMES = {
    "village_id": "village",
    "incident_id": "incident",
    "mediator_id": "mediator",
    "case_id": "case",
    "follow_on_case_id": "follow_on_case",
}


# --------------------------------------------------------------------------------------------------
# board and list


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """纠纷化解工作台: the figures for the police side; mediators and assistants see their own list."""
    require(request.user, "dispute.view")
    user = request.user
    today = timezone.localdate()
    if not has_capability(user, "dispute.board"):
        disputes = selectors.dispute_list(actor=user)[:50]
        return render(request, "mediation/board.html", {"own": disputes, "states": STATES})
    form = forms.BoardForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start: date = data.get("start") or date(today.year, 1, 1)
    end: date = data.get("end") or today
    by = data.get("by") or "station"
    context = {
        "form": form,
        "start": start,
        "end": end,
        "by": by,
        "rates": selectors.resolution_rate(actor=user, start=start, end=end, by=by),
        "total": selectors.resolution_rate(actor=user, start=start, end=end, by="bureau")[0],
        "matrix": selectors.open_matrix(actor=user, today=today),
        "ages": [label for label, _ in selectors.AGE_BUCKETS],
        "high_risk": selectors.high_risk_open(actor=user)[:20],
        "overdue": selectors.follow_ups_overdue(actor=user, today=today)[:20],
        "due": selectors.follow_ups_due(actor=user, today=today)[:20],
        "follow_up_days": rules().follow_up_days,
        "states": STATES,
        "can_create": has_capability(user, "dispute.create"),
    }
    return render(request, "mediation/board.html", context)


@login_required
@require_GET
def dispute_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "dispute.view")
    form = forms.FilterForm(request.GET or None, states=STATES)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.DisputeFilters(
        status=data.get("status") or "",
        risk=data.get("risk") or "",
        kind=data.get("kind") or "",
        text=data.get("text") or "",
    )
    page = Paginator(selectors.dispute_list(actor=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "states": STATES,
        "types": {t.code: t.name for t in dispute_types().values()},
        "extra_query": query.urlencode() + "&" if query else "",
        "can_create": has_capability(request.user, "dispute.create"),
    }
    return render(request, "mediation/list.html", context)


# --------------------------------------------------------------------------------------------------
# registration


def _villages(actor: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """The villages of the actor's area, grouped by township (the select's optgroups)."""
    scope = unit_scope(actor)
    villages = (
        Division.objects.filter(level=DivisionLevel.VILLAGE)
        .filter(scope.q("station") | scope.q("parent__station"))
        .select_related("parent")
        .order_by("code")
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for village in villages:
        groups.setdefault(village.parent.name, []).append((village.pk, village.name))
    return list(groups.items())


@login_required
@require_http_methods(["GET", "POST"])
def dispute_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "dispute.create")
    user = request.user
    initial: dict[str, Any] = {"source": "screening" if user.role_codes <= {"assistant"} else "walk_in"}
    incident = None
    incident_id = request.GET.get("incident") or request.POST.get("incident") or ""
    if incident_id:
        if not incident_id.isdigit():
            raise Http404
        incident = incident_get(actor=user, incident_id=int(incident_id))
        if incident.linked_dispute_id and request.method == "GET":
            messages.info(request, f"警情 {incident.number} 已登记为矛盾纠纷")
            return redirect("mediation:detail", incident.linked_dispute_id)
        initial.update(
            {
                "source": "incident",
                "incident": incident.pk,
                "village": incident.village_id,
                "address": incident.address,
                "description": incident.narrative
                + (f"\n处警情况：{incident.disposition_note}" if incident.disposition_note else ""),
            }
        )
        if incident.caller:
            initial.update({"party_0_name": incident.caller.name, "party_0_phone": incident.caller.phone})
    form = forms.DisputeForm(request.POST or None, initial=initial, villages=_villages(user))
    dispute = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda _: services.dispute_create(actor=user, **form.service_arguments())
        ),
    )
    if dispute:
        messages.success(request, f"已登记矛盾纠纷 {dispute.number}")
        return redirect("mediation:detail", dispute.pk)
    return render(
        request,
        "mediation/create.html",
        {"form": form, "incident": incident, "parties": form.party_rows()},
        status=refusal_status(form),
    )


# --------------------------------------------------------------------------------------------------
# the dispute page


def _mediators() -> list[tuple[int, str]]:
    users = User.objects.filter(roles__code="mediator", is_active=True).select_related("unit").distinct()
    return [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in users]


def _detail_context(request: HttpRequest, dispute: Dispute, **bound: Any) -> dict[str, Any]:
    user = request.user
    station = services.is_station_mediator(user, dispute)
    mediating = services.may_mediate(user, dispute)
    route = dispute.current_route
    in_mediation = dispute.status == "in_mediation" and route is not None and route.route != Route.OTHER
    agreements = []
    for agreement in dispute.agreements.select_related("route__mediator").prefetch_related("terms"):
        entry: dict[str, Any] = {"a": agreement, "terms": list(agreement.terms.all())}
        if agreement.route.route == Route.PEOPLE:
            entry["confirmation"] = getattr(agreement, "confirmation", None)
            entry["due"] = selectors.confirmation_info(agreement)
            entry["may_confirm"] = services.may_mediate(user, dispute, agreement.route)
        agreements.append(entry)
    follow_ups = []
    for row in dispute.follow_ups.select_related("term__agreement__route").order_by("due_on", "id"):
        follow_ups.append(
            {
                "row": row,
                "may_record": row.status == FollowUpStatus.PENDING
                and services.may_mediate(user, dispute, row.term.agreement.route),
            }
        )
    context: dict[str, Any] = {
        "dispute": dispute,
        "state_label": STATES.get(dispute.status, dispute.status),
        "type_label": dispute_types().get(dispute.kind).name
        if dispute.kind in dispute_types()
        else dispute.kind,
        "parties": selectors.party_rows(dispute),
        "route": route,
        "routes": list(dispute.routes.select_related("mediator", "started_by")),
        "bodies": rules().bodies,
        "sessions": list(dispute.sessions.select_related("recorded_by")),
        "agreements": agreements,
        "follow_ups": follow_ups,
        "history": list(dispute.history.select_related("actor")),
        "suggestion": services.risk_suggestion(dispute) if station else None,
        "station": station,
        "mediating": mediating,
        "in_mediation": in_mediation,
        "can_close": station and "closed" in targets(dispute.status),
        "route_open": station and dispute.status not in {"agreed", "closed"},
        "failed": bound.get("failed", ""),
    }
    if station:
        context["risk_form"] = bound.get("risk_form") or forms.RiskForm(initial={"level": dispute.risk_level})
        context["close_form"] = bound.get("close_form") or forms.CloseForm()
    if context["route_open"]:
        context["route_form"] = bound.get("route_form") or forms.RouteForm(
            mediators=_mediators(), initial={"case": dispute.case_id}
        )
    if mediating and in_mediation:
        now = timezone.localtime()
        context["session_form"] = bound.get("session_form") or forms.SessionForm(
            initial={"held_at": now.strftime("%Y-%m-%dT%H:%M"), "place": f"{dispute.station.name}调解室"}
        )
        agreement_form = bound.get("agreement_form") or forms.AgreementForm(
            initial={"concluded_on": now.date()}
        )
        context["agreement_form"] = agreement_form
        context["terms"] = agreement_form.term_rows()
        context["fail_form"] = bound.get("fail_form") or forms.FailForm()
    elif mediating and dispute.status == "reopened":
        context["fail_form"] = bound.get("fail_form") or forms.FailForm()
    context["follow_up_form"] = bound.get("follow_up_form") or forms.FollowUpForm(
        initial={"visited_on": timezone.localdate()}
    )
    context["apply_form"] = bound.get("apply_form") or forms.ConfirmationApplyForm(
        initial={"applied_on": timezone.localdate(), "court": rules().confirmation.court}
    )
    context["decide_form"] = bound.get("decide_form") or forms.ConfirmationDecideForm(
        initial={"decided_on": timezone.localdate()}
    )
    return context


@login_required
@require_GET
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.dispute_get(actor=request.user, dispute_id=dispute_id)
    return render(request, "mediation/detail.html", _detail_context(request, dispute))


def _act(
    request: HttpRequest,
    dispute_id: int,
    form: django_forms.Form,
    name: str,
    action: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Run a dispute page's form through its service; show the page again with the refusal."""
    dispute = services.visible_dispute(request.user, dispute_id)
    if submit_form(request, form, renamed_fields(FIELD_NAMES)(action)) is not None:
        messages.success(request, done)
        return redirect("mediation:detail", dispute.pk)
    dispute = services.visible_dispute(request.user, dispute_id)
    context = _detail_context(request, dispute, **{name: form, "failed": name})
    return render(request, "mediation/detail.html", context, status=refusal_status(form))


@login_required
@require_POST
def dispute_risk(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.RiskForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "risk_form",
        lambda d: services.dispute_set_risk(actor=request.user, dispute_id=dispute_id, **d),
        "已更新风险等级",
    )


@login_required
@require_POST
def dispute_route(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.RouteForm(request.POST, mediators=_mediators())
    return _act(
        request,
        dispute_id,
        form,
        "route_form",
        lambda _: services.dispute_route(
            actor=request.user, dispute_id=dispute_id, **form.service_arguments()
        ),
        "已确定化解途径",
    )


@login_required
@require_POST
def session_create(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.SessionForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "session_form",
        lambda _: services.session_record(
            actor=request.user, dispute_id=dispute_id, **form.service_arguments()
        ),
        "已记录调解情况",
    )


@login_required
@require_POST
def agreement_create(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.AgreementForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "agreement_form",
        lambda _: services.agreement_record(
            actor=request.user, dispute_id=dispute_id, **form.service_arguments()
        ),
        "已记录调解协议",
    )


@login_required
@require_POST
def dispute_fail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.FailForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "fail_form",
        lambda _: services.mediation_fail(
            actor=request.user, dispute_id=dispute_id, **form.service_arguments()
        ),
        "已记录调解不成",
    )


@login_required
@require_POST
def dispute_close(request: HttpRequest, dispute_id: int) -> HttpResponse:
    form = forms.CloseForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "close_form",
        lambda d: services.dispute_close(actor=request.user, dispute_id=dispute_id, **d),
        "纠纷已结案",
    )


@login_required
@require_POST
def follow_up_record(request: HttpRequest, dispute_id: int, follow_up_id: int) -> HttpResponse:
    form = forms.FollowUpForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "follow_up_form",
        lambda d: services.follow_up_record(actor=request.user, follow_up_id=follow_up_id, **d),
        "已记录回访",
    )


@login_required
@require_POST
def confirmation_apply(request: HttpRequest, dispute_id: int, agreement_id: int) -> HttpResponse:
    form = forms.ConfirmationApplyForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "apply_form",
        lambda d: services.confirmation_apply(actor=request.user, agreement_id=agreement_id, **d),
        "已登记司法确认申请",
    )


@login_required
@require_POST
def confirmation_decide(request: HttpRequest, dispute_id: int, agreement_id: int) -> HttpResponse:
    form = forms.ConfirmationDecideForm(request.POST)
    return _act(
        request,
        dispute_id,
        form,
        "decide_form",
        lambda d: services.confirmation_decide(actor=request.user, agreement_id=agreement_id, **d),
        "已登记司法确认结果",
    )


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement, pdf = documents.agreement_pdf(actor=request.user, agreement_id=agreement_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"调解协议书-{agreement.number}.pdf")
    return response
