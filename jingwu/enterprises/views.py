"""The enterprise-liaison pages (警企联系): the enterprise list and page (visits, requests, linked incidents,
bulletins received), registration and edit, parks, and the warning bulletins with their delivery lists.
Thin: every write is a service call (access, audit are there); a refusal is shown on the page with its
Chinese message and 400/403/409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.core.errors import ServiceError
from jingwu.core.forms import form_status, refusal_status, renamed_fields, submit_form
from jingwu.enterprises import forms, selectors, services
from jingwu.enterprises.choices import DeliveryState, RequestStatus
from jingwu.enterprises.config import config
from jingwu.enterprises.models import Enterprise, Park
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.org.models import User

# The services' argument names → the forms' field names, so that a refusal lands on its input.
FIELD_NAMES = {
    "village_id": "village",
    "park_id": "park",
    "liaison_id": "liaison",
    "officer_id": "officer",
    "township_id": "township",
    "park_ids": "parks",
    "township_ids": "townships",
}


# --------------------------------------------------------------------------------------------------
# choices of the forms


def _wide(user: Any) -> bool:
    return unit_scope(user).everything or services.is_county_officer(user)


def _villages(user: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """The villages of the user's area, grouped by township (the select's optgroups)."""
    villages = Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent").order_by("code")
    if not _wide(user):
        scope = unit_scope(user)
        villages = villages.filter(scope.q("station") | scope.q("parent__station"))
    groups: dict[str, list[tuple[int, str]]] = {}
    for village in villages:
        groups.setdefault(village.parent.name, []).append((village.pk, village.name))
    return list(groups.items())


def _townships() -> list[tuple[int, str]]:
    return list(
        Division.objects.filter(level=DivisionLevel.TOWNSHIP).order_by("code").values_list("pk", "name")
    )


def _parks() -> list[tuple[int, str]]:
    return list(Park.objects.filter(is_active=True).order_by("name").values_list("pk", "name"))


def _officers(user: Any) -> list[tuple[int, str]]:
    """Officers and chiefs of the user's area (and the county units), for liaison and visits."""
    users = User.objects.filter(is_active=True, roles__code__in=["officer", "unit_chief"]).select_related(
        "unit"
    )
    if not _wide(user):
        county = config().county_units
        users = users.filter(unit_scope(user).q("unit") | _county_q(county))
    return [
        (u.pk, f"{u.full_name}（{u.unit.name}）")
        for u in users.distinct().order_by("unit__path", "full_name")
    ]


def _county_q(codes: tuple[str, ...]) -> Any:
    from django.db.models import Q

    query = Q(pk__in=[])
    for code in codes:
        query |= Q(unit__path__contains=f"/{code}/")
    return query


# --------------------------------------------------------------------------------------------------
# list, registration, edit


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "enterprise.view")
    form = forms.FilterForm(request.GET or None, parks=_parks(), townships=_townships())
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.EnterpriseFilters(
        text=data.get("text") or "",
        industry=data.get("industry") or "",
        park_id=data.get("park"),
        township_id=data.get("township"),
        status=data.get("status") or "",
        mine=bool(data.get("mine")),
    )
    page = Paginator(selectors.enterprise_list(actor=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "industries": config().industries,
        "extra_query": query.urlencode() + "&" if query else "",
        "can_create": has_capability(request.user, "enterprise.manage"),
        "can_issue": services.may_issue(request.user),
        "open_requests": selectors.open_requests(actor=request.user)[:8],
    }
    return render(request, "enterprises/list.html", context)


def _enterprise_form(user: Any, data: Any = None, **kwargs: Any) -> forms.EnterpriseForm:
    return forms.EnterpriseForm(
        data, villages=_villages(user), parks=_parks(), officers=_officers(user), **kwargs
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "enterprise.manage")
    form = _enterprise_form(request.user, request.POST or None, initial={"liaison": request.user.pk})
    enterprise = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda _: services.enterprise_create(actor=request.user, data=form.service_input())
        ),
    )
    if enterprise:
        messages.success(request, f"已登记企业：{enterprise.name}")
        return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form}, status=refusal_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = services.visible_enterprise(request.user, enterprise_id, "enterprise.manage")
    initial = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "industry": enterprise.industry,
        "village": enterprise.village_id,
        "address": enterprise.address,
        "park": enterprise.park_id,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "contact_email": enterprise.contact_email,
        "liaison": enterprise.liaison_id,
        "status": enterprise.status,
        "notes": enterprise.notes,
        "version": enterprise.version,
    }
    form = _enterprise_form(request.user, request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.enterprise_update(
                actor=request.user,
                enterprise_id=enterprise.pk,
                data=form.service_input(),
                version=d.get("version"),
            )
        ),
    )
    if saved:
        messages.success(request, "已保存企业信息")
        return redirect("enterprises:detail", enterprise.pk)
    return render(
        request,
        "enterprises/form.html",
        {"form": form, "enterprise": enterprise},
        status=refusal_status(form),
    )


# --------------------------------------------------------------------------------------------------
# the enterprise page


def _detail_context(request: HttpRequest, enterprise: Enterprise, **bound: Any) -> dict[str, Any]:
    user = request.user
    manage = services.may_manage(user, enterprise)
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "industry": selectors.industry_label(enterprise.industry),
        "contact": selectors.contact(enterprise, bound.get("revealed")),
        "may_reveal": has_capability(user, "person.reveal"),
        "visits": list(enterprise.visits.select_related("officer")),
        "checks": config().security_checks,
        "requests": list(enterprise.requests.select_related("handled_by")),
        "request_kinds": config().request_kinds,
        "links": selectors.incident_links(actor=user, enterprise=enterprise),
        "received": selectors.enterprise_deliveries(actor=user, enterprise=enterprise)[:20],
        "states": dict(DeliveryState.choices),
        "bulletin_kinds": config().bulletin_kinds,
        "manage": manage,
        "failed": bound.get("failed", ""),
        "open_status": RequestStatus.OPEN,
    }
    if manage:
        today = timezone.localdate()
        context["visit_form"] = bound.get("visit_form") or forms.VisitForm(
            initial={"visited_on": today}, officers=_officers(user)
        )
        context["request_form"] = bound.get("request_form") or forms.RequestForm(initial={"raised_on": today})
        context["handle_form"] = bound.get("handle_form") or forms.HandleForm(initial={"handled_on": today})
        context["handle_id"] = bound.get("handle_id")
        context["link_form"] = bound.get("link_form") or forms.LinkForm()
        context["suggestions"] = selectors.incident_suggestions(actor=user, enterprise=enterprise)
    return context


@login_required
@require_GET
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(actor=request.user, enterprise_id=enterprise_id)
    return render(request, "enterprises/detail.html", _detail_context(request, enterprise))


@login_required
@require_POST
def enterprise_reveal(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    revealed = services.enterprise_contact_reveal(actor=request.user, enterprise_id=enterprise_id)
    enterprise = services.visible_enterprise(request.user, enterprise_id)
    return render(request, "enterprises/detail.html", _detail_context(request, enterprise, revealed=revealed))


def _act(
    request: HttpRequest,
    enterprise_id: int,
    form: django_forms.Form,
    name: str,
    action: Callable[[dict[str, Any]], Any],
    done: str,
    **extra: Any,
) -> HttpResponse:
    """Run an enterprise page's form through its service; show the page again with the refusal."""
    enterprise = services.visible_enterprise(request.user, enterprise_id)
    if submit_form(request, form, renamed_fields(FIELD_NAMES)(action)) is not None:
        messages.success(request, done)
        return redirect("enterprises:detail", enterprise.pk)
    context = _detail_context(request, enterprise, **{name: form, "failed": name, **extra})
    return render(request, "enterprises/detail.html", context, status=refusal_status(form))


@login_required
@require_POST
def visit_create(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    form = forms.VisitForm(request.POST, officers=_officers(request.user))
    return _act(
        request,
        enterprise_id,
        form,
        "visit_form",
        lambda _: services.visit_record(
            actor=request.user, enterprise_id=enterprise_id, **form.service_arguments()
        ),
        "已记录走访",
    )


@login_required
@require_POST
def request_create(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    form = forms.RequestForm(request.POST)
    return _act(
        request,
        enterprise_id,
        form,
        "request_form",
        lambda d: services.request_record(actor=request.user, enterprise_id=enterprise_id, **d),
        "已登记企业诉求",
    )


@login_required
@require_POST
def request_handle(request: HttpRequest, enterprise_id: int, request_id: int) -> HttpResponse:
    form = forms.HandleForm(request.POST)
    return _act(
        request,
        enterprise_id,
        form,
        "handle_form",
        lambda d: services.request_handle(actor=request.user, request_id=request_id, **d),
        "诉求已办结",
        handle_id=request_id,
    )


@login_required
@require_POST
def incident_link(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    form = forms.LinkForm(request.POST)
    incident_id = request.POST.get("incident_id", "")
    return _act(
        request,
        enterprise_id,
        form,
        "link_form",
        lambda d: services.incident_link(
            actor=request.user,
            enterprise_id=enterprise_id,
            number=d["number"],
            incident_id=int(incident_id) if incident_id.isdigit() else None,
            note=d["note"],
        ),
        "已关联警情",
    )


@login_required
@require_POST
def incident_unlink(request: HttpRequest, enterprise_id: int, link_id: int) -> HttpResponse:
    services.incident_unlink(actor=request.user, enterprise_id=enterprise_id, link_id=link_id)
    messages.success(request, "已取消关联")
    return redirect("enterprises:detail", enterprise_id)


# --------------------------------------------------------------------------------------------------
# parks


@login_required
@require_http_methods(["GET", "POST"])
def park_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "enterprise.view")
    may_create = services.may_issue(request.user)
    form = forms.ParkForm(request.POST or None, townships=_townships())
    if request.method == "POST":
        park = submit_form(
            request,
            form,
            renamed_fields(FIELD_NAMES)(
                lambda d: services.park_create(
                    actor=request.user,
                    name=d["name"],
                    township_id=d["township"],
                    description=d["description"],
                )
            ),
        )
        if park:
            messages.success(request, f"已登记园区：{park.name}")
            return redirect("enterprises:parks")
    context = {"parks": selectors.park_list(actor=request.user), "form": form if may_create else None}
    return render(request, "enterprises/parks.html", context, status=refusal_status(form))


# --------------------------------------------------------------------------------------------------
# bulletins


@login_required
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "enterprise.view")
    kind = request.GET.get("kind", "")
    page = Paginator(selectors.bulletin_list(actor=request.user, kind=kind), 25).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "kinds": config().bulletin_kinds,
        "kind": kind,
        "extra_query": f"kind={kind}&" if kind else "",
        "can_issue": services.may_issue(request.user),
    }
    return render(request, "enterprises/bulletins.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_create(request: HttpRequest) -> HttpResponse:
    """Write a bulletin, choose the enterprises by park, industry and township, preview the list, issue."""
    user = request.user
    services.require_issue(user)
    form = forms.BulletinForm(request.POST or None, parks=_parks(), townships=_townships())
    targets = None
    if request.method == "POST" and "preview" in request.POST:
        if form.is_valid():
            try:
                targets = list(services.bulletin_targets(actor=user, targeting=form.targeting()))
            except ServiceError as exc:
                form.add_error(None, exc.message)
        return render(
            request,
            "enterprises/bulletin_form.html",
            {"form": form, "targets": targets},
            status=form_status(form),
        )
    bulletin = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.bulletin_issue(
                actor=user,
                title=d["title"],
                body=d["body"],
                kind=d["kind"],
                channel=d["channel"] or "sms",
                targeting=form.targeting(),
            )
        ),
    )
    if bulletin:
        messages.success(request, f"已发布预警信息，推送 {bulletin.deliveries.count()} 家企业")
        return redirect("enterprises:bulletin", bulletin.pk)
    return render(
        request,
        "enterprises/bulletin_form.html",
        {"form": form, "targets": None},
        status=refusal_status(form),
    )


def _bulletin_context(request: HttpRequest, bulletin_id: int, **bound: Any) -> dict[str, Any]:
    user = request.user
    bulletin = selectors.bulletin_get(actor=user, bulletin_id=bulletin_id)
    state = request.GET.get("state", "")
    all_rows = selectors.deliveries(actor=user, bulletin=bulletin)
    rows = all_rows.filter(state=state) if state in DeliveryState.values else all_rows
    manageable = (
        set(
            services.visible_enterprises(user, "enterprise.manage")
            .filter(pk__in=all_rows.values("enterprise_id"))
            .values_list("pk", flat=True)
        )
        if has_capability(user, "enterprise.manage")
        else set()
    )
    parks = dict(Park.objects.filter(pk__in=bulletin.targeting.get("parks", [])).values_list("pk", "name"))
    townships = dict(
        Division.objects.filter(pk__in=bulletin.targeting.get("townships", [])).values_list("pk", "name")
    )
    return {
        "bulletin": bulletin,
        "kind_label": config().bulletin_kinds.get(bulletin.kind, bulletin.kind),
        "rows": list(rows),
        "counts": selectors.delivery_counts(all_rows),
        "states": dict(DeliveryState.choices),
        "state": state,
        "manageable": manageable,
        "targeting": "；".join(
            f"{label}：{'、'.join(names)}"
            for label, names in (
                ("园区", list(parks.values())),
                ("行业", [config().industries.get(i, i) for i in bulletin.targeting.get("industries", [])]),
                ("乡镇", list(townships.values())),
            )
            if names
        )
        or "辖区全部企业",
        "ack_form": bound.get("ack_form") or forms.AckForm(auto_id=False),
        "ack_id": bound.get("ack_id"),
    }


@login_required
@require_GET
def bulletin_detail(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    return render(request, "enterprises/bulletin_detail.html", _bulletin_context(request, bulletin_id))


@login_required
@require_POST
def delivery_acknowledge(request: HttpRequest, bulletin_id: int, delivery_id: int) -> HttpResponse:
    selectors.bulletin_get(actor=request.user, bulletin_id=bulletin_id)
    form = forms.AckForm(request.POST, auto_id=False)
    done = submit_form(
        request,
        form,
        lambda _: services.delivery_acknowledge(
            actor=request.user, delivery_id=delivery_id, **form.service_arguments()
        ),
    )
    if done:
        messages.success(request, f"已登记 {done.enterprise.name} 签收")
        return redirect("enterprises:bulletin", bulletin_id)
    context = _bulletin_context(request, bulletin_id, ack_form=form, ack_id=delivery_id)
    return render(request, "enterprises/bulletin_detail.html", context, status=refusal_status(form))


@login_required
@require_POST
def delivery_resend(request: HttpRequest, bulletin_id: int, delivery_id: int) -> HttpResponse:
    selectors.bulletin_get(actor=request.user, bulletin_id=bulletin_id)
    try:
        delivery = services.delivery_resend(actor=request.user, delivery_id=delivery_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
        context = _bulletin_context(request, bulletin_id)
        return render(request, "enterprises/bulletin_detail.html", context, status=exc.status_code)
    messages.success(request, f"已重新推送给 {delivery.enterprise.name}")
    return redirect("enterprises:bulletin", bulletin_id)
