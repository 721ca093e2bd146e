from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import can, has_capability, require
from jingwu.core.forms import form_status, submit_form
from jingwu.core.masking import mask_phone
from jingwu.incidents import forms, selectors, services
from jingwu.incidents.choices import Status, StepKind
from jingwu.incidents.taxonomy import taxonomy
from jingwu.incidents.workflow import TRANSITIONS
from jingwu.org.selectors import unit_list


def _unit_choices(actor: Any) -> list[tuple[int, str]]:
    return [
        (u.pk, u.name)
        for u in unit_list(actor=actor).filter(
            kind__in=["station", "joint_station", "command_room", "command_center"]
        )
    ]


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "incident.view")
    form = forms.IncidentFilterForm(request.GET or None, units=_unit_choices(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    # Without a filter the page is the live queue: open incidents only.
    filtered = any(request.GET.get(name) for name in form.fields)
    filters = selectors.IncidentFilters(
        unit_id=data.get("unit"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        category=data.get("category") or "",
        priority=data.get("priority"),
        status=data.get("status") or "",
        text=data.get("text") or "",
        open_only=not filtered,
    )
    incidents = selectors.incident_list(actor=request.user, filters=filters).order_by(
        "-overdue", "priority", "-received_at"
    )
    page = Paginator(incidents, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "taxonomy": taxonomy(),
        "filtered": filtered,
        "can_create": has_capability(request.user, "incident.create"),
        "extra_query": query.urlencode() + "&" if query else "",
        "overdue": selectors.overdue_count(actor=request.user),
    }
    template = "incidents/_rows.html" if request.htmx and request.GET.get("live") else "incidents/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "incident.create")
    form = forms.IntakeForm(request.POST or None)
    result = submit_form(
        request, form, lambda _: services.incident_create(actor=request.user, **form.service_arguments())
    )
    if result:
        incident = result.incident
        if result.created:
            messages.success(request, f"已接警 {incident.number}，已分流至 {incident.unit.name}")
        else:
            messages.success(request, f"已并入警情 {incident.number}")
        return redirect("incidents:detail", incident.pk)
    context = {"form": form, "villages": forms.village_labels()}
    return render(request, "incidents/intake.html", context, status=form_status(form))


@login_required
@require_GET
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """The intake form asks, as the dispatcher types, whether this call repeats an open incident."""
    require(request.user, "incident.create")
    village_code = forms.village_labels().get(request.GET.get("village", "").strip(), "")
    category = request.GET.get("kind", "").partition(":")[0]
    phone = "".join(ch for ch in request.GET.get("caller_phone", "") if ch.isdigit())
    matches = (
        selectors.possible_duplicates(
            actor=request.user, phone=phone, village_code=village_code, category=category
        )
        if (phone or (village_code and category))
        else []
    )
    return render(request, "incidents/_duplicates.html", {"matches": matches, "taxonomy": taxonomy()})


@login_required
@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, incident_id=incident_id)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


def _detail_context(request: HttpRequest, incident: Any, **forms_in_error: Any) -> dict[str, Any]:
    user = request.user
    possible = {kind for kind, (allowed, _) in TRANSITIONS.items() if incident.status in allowed}
    dispatch_form = forms.DispatchForm()
    dispatch_form.fields["officers"].choices = [
        (u.pk, f"{u.full_name}（{u.unit.name}）") for u in services.responders_for(incident)
    ]
    reroute_form = forms.RerouteForm()
    reroute_form.fields["to_unit"].choices = [
        (pk, name) for pk, name in _unit_choices(user) if pk != incident.unit_id
    ]
    allowed = {
        kind: kind in possible and can(user, action, incident, unit_field=("unit", "station"))
        for kind, action in (
            (StepKind.DISPATCHED, "incident.dispatch"),
            (StepKind.ACKNOWLEDGED, "incident.respond"),
            (StepKind.ARRIVED, "incident.respond"),
            (StepKind.HANDLED, "incident.respond"),
            (StepKind.CLOSED, "incident.dispatch"),
            (StepKind.REROUTED, "incident.dispatch"),
            (StepKind.NOTE, "incident.respond"),
        )
    }
    return {
        "incident": incident,
        "kind_label": taxonomy().label(incident.category, incident.subcategory),
        "caller_phone": mask_phone(incident.caller.phone) if incident.caller else "",
        "steps": incident.steps.select_related("actor", "from_unit", "to_unit"),
        "officers": incident.officers.select_related("unit"),
        "times": selectors.response_minutes(incident),
        "allowed": allowed,
        "dispatch_form": forms_in_error.get("dispatch_form", dispatch_form),
        "disposition_form": forms_in_error.get("disposition_form", forms.DispositionForm()),
        "reroute_form": forms_in_error.get("reroute_form", reroute_form),
        "step_form": forms_in_error.get("step_form", forms.StepForm()),
        "closed": incident.status == Status.CLOSED,
        "now": timezone.localtime(),
    }


@login_required
@require_POST
def incident_step(request: HttpRequest, incident_id: int, kind: str) -> HttpResponse:
    form_class = {
        StepKind.DISPATCHED: forms.DispatchForm,
        StepKind.HANDLED: forms.DispositionForm,
        StepKind.REROUTED: forms.RerouteForm,
    }.get(kind, forms.StepForm)
    incident = selectors.incident_get(actor=request.user, incident_id=incident_id)
    form = form_class(request.POST)
    if "officers" in form.fields:
        form.fields["officers"].choices = [
            (str(u.pk), u.full_name) for u in services.responders_for(incident)
        ]
    if "to_unit" in form.fields:
        form.fields["to_unit"].choices = [(pk, name) for pk, name in _unit_choices(request.user)]
    done = submit_form(
        request,
        form,
        lambda data: services.incident_step(
            actor=request.user,
            incident_id=incident.pk,
            kind=kind,
            at=data.get("at"),
            note=data.get("note", ""),
            officer_ids=[int(i) for i in data.get("officers", [])],
            disposition=data.get("disposition", ""),
            to_unit_id=data.get("to_unit"),
        ),
    )
    if done:
        messages.success(request, f"已记录：{StepKind(kind).label}")
        return redirect(reverse("incidents:detail", args=[incident.pk]))
    # The form that failed may not be shown any more (the incident moved on): say why at the top.
    refusal = getattr(form, "service_error", None)
    messages.error(request, refusal.message if refusal else "未能记录该节点，请检查后重试")
    key = {
        forms.DispatchForm: "dispatch_form",
        forms.DispositionForm: "disposition_form",
        forms.RerouteForm: "reroute_form",
    }.get(form_class, "step_form")
    return render(
        request, "incidents/detail.html", _detail_context(request, incident, **{key: form}), status=400
    )
