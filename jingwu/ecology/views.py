"""The ecology pages (生态警务): forest zones and their chiefs, patrols and findings, 行刑衔接 transfers; and
the campaign pages (专项行动) with the report and its Excel export. Thin: every write is a service call
(access, audit are there); a refusal is shown on the page with its Chinese message and 400/403/409."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require, scope_of_unit
from jingwu.cases.choices import CaseKind
from jingwu.core.errors import ServiceError
from jingwu.core.forms import refusal_status, renamed_fields, submit_form
from jingwu.ecology import export, forms, selectors, services
from jingwu.ecology.models import Finding, ForestZone
from jingwu.ecology.thresholds import thresholds
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User

FIELD_NAMES = {
    "township_id": "township",
    "village_ids": "villages",
    "user_id": "user",
    "officer_ids": "officers",
    "agency_id": "agency",
    "lead_officer_id": "lead_officer",
    "village_id": "village",
    "township_ids": "townships",
}


def _people(zone: ForestZone) -> list[tuple[int, str]]:
    """Officers who may patrol or head a zone: its station's (and commanding joint station's) and the
    forest police brigade's."""
    reach = scope_of_unit(zone.station).q("unit") | scope_of_unit(zone.unit).q("unit")
    users = (
        User.objects.filter(reach, is_active=True, roles__code__in=["officer", "unit_chief"])
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "username")
    )
    return [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in users]


# --------------------------------------------------------------------------------------------------
# zones


@login_required
@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    """林区一览: each zone's chiefs, its last patrol and whether a patrol is overdue."""
    require(request.user, "ecology.view")
    mine = request.GET.get("mine") == "1"
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.zone_rows(actor=request.user, mine=mine, overdue_only=overdue)
    context = {
        "rows": rows,
        "mine": mine,
        "overdue": overdue,
        "overdue_count": sum(r.due.overdue for r in rows) if not overdue else len(rows),
        "can_assign": has_capability(request.user, "ecology.assign"),
        "tab": "zones",
    }
    return render(request, "ecology/zones.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def zone_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "ecology.assign")
    form = forms.ZoneForm(request.POST or None)
    zone = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.zone_create(
                actor=request.user,
                code=d["code"],
                name=d["name"],
                township_id=d["township"],
                village_ids=d["villages"],
                patrol_every_days=d["patrol_every_days"],
                area_mu=d["area_mu"],
                description=d["description"],
            )
        ),
    )
    if zone is not None:
        messages.success(request, f"已建立林区 {zone.name}")
        return redirect("ecology:zone", zone.pk)
    return render(
        request, "ecology/zone_form.html", {"form": form, "tab": "zones"}, status=refusal_status(form)
    )


def _zone_page(
    request: HttpRequest, zone: ForestZone, status: int = 200, **forms_given: django_forms.Form
) -> HttpResponse:
    user = request.user
    people = _people(zone)
    villages = list(zone.township.children.order_by("code").values_list("pk", "name"))
    context: dict[str, Any] = {
        "zone": zone,
        "due": selectors.zone_status(zone),
        "villages": zone.villages.order_by("code"),
        "chiefs": zone.chiefs.select_related("user__unit", "assigned_by"),
        "patrols": selectors.zone_patrols(zone)[:30],
        "kinds": selectors.kind_names(),
        "tab": "zones",
    }
    if has_capability(user, "ecology.manage"):
        context["patrol_form"] = forms_given.get("patrol_form") or forms.PatrolForm(
            officers=people,
            villages=villages,
            initial={"officers": [user.pk] if any(pk == user.pk for pk, _ in people) else []},
        )
    if has_capability(user, "ecology.assign"):
        context["chief_form"] = forms_given.get("chief_form") or forms.ChiefForm(candidates=people)
        context["frequency_form"] = forms_given.get("frequency_form") or forms.FrequencyForm(
            initial={"patrol_every_days": zone.patrol_every_days}
        )
    return render(request, "ecology/zone.html", context, status=status)


@login_required
@require_GET
def zone_detail(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone = selectors.zone_get(actor=request.user, zone_id=zone_id)
    return _zone_page(request, zone)


@login_required
@require_POST
def patrol_create(request: HttpRequest, zone_id: int) -> HttpResponse:
    require(request.user, "ecology.manage")
    zone = selectors.zone_get(actor=request.user, zone_id=zone_id)
    villages = list(zone.township.children.order_by("code").values_list("pk", "name"))
    form = forms.PatrolForm(request.POST, officers=_people(zone), villages=villages)
    patrol = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.patrol_record(actor=request.user, zone_id=zone.pk, **form.service_args())
        ),
    )
    if patrol is not None:
        messages.success(request, "巡护记录已登记")
        return redirect("ecology:patrol", patrol.pk)
    return _zone_page(request, zone, refusal_status(form), patrol_form=form)


@login_required
@require_POST
def chief_assign(request: HttpRequest, zone_id: int) -> HttpResponse:
    require(request.user, "ecology.assign")
    zone = selectors.zone_get(actor=request.user, zone_id=zone_id)
    form = forms.ChiefForm(request.POST, candidates=_people(zone))
    chief = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.chief_assign(
                actor=request.user,
                zone_id=zone.pk,
                level=d["level"],
                user_id=d["user"],
                started_on=d["started_on"],
                note=d["note"],
            )
        ),
    )
    if chief is not None:
        messages.success(request, f"已任命{chief.get_level_display()}：{chief.user.full_name}")
        return redirect("ecology:zone", zone.pk)
    return _zone_page(request, zone, refusal_status(form), chief_form=form)


@login_required
@require_POST
def zone_frequency(request: HttpRequest, zone_id: int) -> HttpResponse:
    require(request.user, "ecology.assign")
    zone = selectors.zone_get(actor=request.user, zone_id=zone_id)
    form = forms.FrequencyForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda d: services.zone_set_frequency(
            actor=request.user, zone_id=zone.pk, patrol_every_days=d["patrol_every_days"]
        ),
    )
    if done is not None:
        messages.success(request, f"巡护周期已改为每{done.patrol_every_days}天")
        return redirect("ecology:zone", zone.pk)
    return _zone_page(request, zone, refusal_status(form), frequency_form=form)


# --------------------------------------------------------------------------------------------------
# patrols and findings


def _patrol_page(request: HttpRequest, patrol_id: int, status: int = 200, error: str = "") -> HttpResponse:
    patrol = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    villages = list(patrol.zone.township.children.order_by("code").values_list("pk", "name"))
    context = {
        "patrol": patrol,
        "zone": patrol.zone,
        "kinds": selectors.kind_names(),
        "findings": patrol.findings.all(),
        "incident_form": forms.FindingIncidentForm(villages=villages),
        "can_incident": has_capability(request.user, "incident.create")
        and has_capability(request.user, "ecology.manage"),
        "can_case": has_capability(request.user, "case.accept")
        and has_capability(request.user, "ecology.manage"),
        "error": error,
        "tab": "zones",
    }
    return render(request, "ecology/patrol.html", context, status=status)


@login_required
@require_GET
def patrol_detail(request: HttpRequest, patrol_id: int) -> HttpResponse:
    return _patrol_page(request, patrol_id)


@login_required
@require_POST
def finding_incident(request: HttpRequest, finding_id: int) -> HttpResponse:
    require(request.user, "incident.create")
    finding = Finding.objects.filter(pk=finding_id).values("patrol_id").first()
    village = request.POST.get("village") or None
    try:
        done = services.finding_to_incident(
            actor=request.user, finding_id=finding_id, village_id=int(village) if village else None
        )
    except ServiceError as exc:
        if finding is None:
            raise
        return _patrol_page(request, finding["patrol_id"], exc.status_code, exc.message)
    messages.success(request, f"已转为警情 {done.incident.number}，由{done.incident.unit.name}处警")
    return redirect("ecology:patrol", done.patrol_id)


@login_required
@require_POST
def finding_case(request: HttpRequest, finding_id: int) -> HttpResponse:
    require(request.user, "case.accept")
    finding = Finding.objects.filter(pk=finding_id).values("patrol_id").first()
    kind = request.POST.get("kind") or CaseKind.CRIMINAL
    try:
        done = services.finding_to_case(actor=request.user, finding_id=finding_id, kind=kind)
    except ServiceError as exc:
        if finding is None:
            raise
        return _patrol_page(request, finding["patrol_id"], exc.status_code, exc.message)
    messages.success(request, f"已受案 {done.case.number}")
    return redirect("ecology:patrol", done.patrol_id)


# --------------------------------------------------------------------------------------------------
# transfers (行刑衔接)


def _agencies() -> list[tuple[int, str]]:
    return list(Unit.objects.filter(kind=UnitKind.EXTERNAL, is_active=True).values_list("pk", "name"))


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "ecology.view")
    transfers = list(selectors.transfers_visible(request.user)[:200])
    rows = []
    for transfer in transfers:
        state = selectors.transfer_state(transfer)
        rows.append({"t": transfer, "state": state, "label": selectors.TransferState(state).label})
    context = {
        "rows": rows,
        "can_receive": has_capability(request.user, "ecology.manage")
        and has_capability(request.user, "case.accept"),
        "tab": "transfers",
    }
    return render(request, "ecology/transfers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "ecology.manage")
    require(request.user, "case.accept")
    agencies = _agencies()
    forestry = next((pk for pk, name in agencies if "林业" in name), None)
    form = forms.TransferForm(request.POST or None, agencies=agencies, initial={"agency": forestry})
    transfer = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.transfer_receive(actor=request.user, **form.service_args())
        ),
    )
    if transfer is not None:
        messages.success(request, f"已接受移送并受案 {transfer.case.number}，须在3日内作出立案或不予立案决定")
        return redirect("ecology:transfer", transfer.pk)
    context = {"form": form, "tab": "transfers", "thresholds": thresholds()}
    return render(request, "ecology/transfer_form.html", context, status=refusal_status(form))


def _lead_candidates(transfer: Any) -> list[tuple[int, str]]:
    case = transfer.case
    reach = scope_of_unit(case.station).q("unit") | scope_of_unit(case.reviewing_unit).q("unit")
    users = (
        User.objects.filter(reach, is_active=True, roles__code__in=["officer", "unit_chief"])
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "username")
    )
    return [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in users]


def _transfer_page(
    request: HttpRequest, transfer_id: int, status: int = 200, **given: django_forms.Form
) -> HttpResponse:
    user = request.user
    transfer = selectors.transfer_get(actor=user, transfer_id=transfer_id)
    state = selectors.transfer_state(transfer)
    case = transfer.case
    context: dict[str, Any] = {
        "transfer": transfer,
        "case": case,
        "state": state,
        "state_label": selectors.TransferState(state).label,
        "assessment": selectors.transfer_assessment(transfer),
        "deadlines": selectors.transfer_deadlines(transfer),
        "pending": services.pending_decision(case),
        "can_see_case": has_capability(user, "case.view"),
        "tab": "transfers",
    }
    manage = has_capability(user, "ecology.manage")
    if (
        manage
        and has_capability(user, "case.review")
        and case.status == "accepted"
        and not context["pending"]
    ):
        context["decide_form"] = given.get("decide_form") or forms.DecideForm(
            officers=_lead_candidates(transfer)
        )
    if manage and case.status != "accepted" and not transfer.notice_number:
        context["notice_form"] = given.get("notice_form") or forms.NoticeForm(
            initial={"issued_on": timezone.localdate()}
        )
    context["can_supplement"] = (
        manage and not transfer.materials_complete and not transfer.supplement_requested_at
    )
    return render(request, "ecology/transfer.html", context, status=status)


@login_required
@require_GET
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    return _transfer_page(request, transfer_id)


@login_required
@require_POST
def transfer_decide(request: HttpRequest, transfer_id: int) -> HttpResponse:
    require(request.user, "ecology.manage")
    transfer = services.visible_transfer(request.user, transfer_id)
    form = forms.DecideForm(request.POST, officers=_lead_candidates(transfer))
    done = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.transfer_decide(
                actor=request.user,
                transfer_id=transfer.pk,
                decision=d["decision"],
                reason=d["reason"],
                lead_officer_id=d["lead_officer"],
            )
        ),
    )
    if done is not None:
        messages.success(request, f"已提请{done.get_decision_display()}，待办案单位负责人审批")
        return redirect("ecology:transfer", transfer.pk)
    return _transfer_page(request, transfer.pk, refusal_status(form), decide_form=form)


@login_required
@require_POST
def transfer_notify(request: HttpRequest, transfer_id: int) -> HttpResponse:
    require(request.user, "ecology.manage")
    transfer = services.visible_transfer(request.user, transfer_id)
    form = forms.NoticeForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda d: services.transfer_notify(
            actor=request.user,
            transfer_id=transfer.pk,
            notice_number=d["notice_number"],
            issued_on=d["issued_on"],
            served_at=forms.aware(d["served_at"]),
            received_by=d["received_by"],
        ),
    )
    if done is not None:
        messages.success(request, "已登记书面通知移送机关")
        return redirect("ecology:transfer", transfer.pk)
    return _transfer_page(request, transfer.pk, refusal_status(form), notice_form=form)


@login_required
@require_POST
def transfer_supplement(request: HttpRequest, transfer_id: int) -> HttpResponse:
    require(request.user, "ecology.manage")
    try:
        services.transfer_request_supplement(actor=request.user, transfer_id=transfer_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("ecology:transfer", transfer_id)
    messages.success(request, "已通知移送机关在3日内补正材料")
    return redirect("ecology:transfer", transfer_id)


# --------------------------------------------------------------------------------------------------
# campaigns (专项行动)


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaign_list(actor=request.user)
    today = timezone.localdate()
    context = {
        "campaigns": campaigns,
        "today": today,
        "can_create": has_capability(request.user, "campaign.manage"),
    }
    return render(request, "ecology/campaigns.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "campaign.manage")
    form = forms.CampaignForm(request.POST or None)
    campaign = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.campaign_create(
                actor=request.user,
                name=d["name"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                offence_codes=d["offence_codes"],
                incident_kinds=d["incident_kinds"],
                township_ids=d["townships"],
                description=d["description"],
            )
        ),
    )
    if campaign is not None:
        messages.success(request, f"已发起专项行动：{campaign.name}")
        return redirect("campaigns:report", campaign.pk)
    return render(request, "ecology/campaign_form.html", {"form": form}, status=refusal_status(form))


@login_required
@require_GET
def campaign_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """专项行动战果: the matching cases and incidents as far as the reader may see them."""
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    tally = selectors.campaign_tally(actor=request.user, campaign=campaign)
    context = {
        "campaign": campaign,
        "tally": tally,
        "cases": tally.cases[:50],
        "incidents": tally.incidents[:50],
        "offence_names": selectors.offence_names(campaign.offence_codes),
        "kind_names": selectors.incident_kind_names(campaign.incident_kinds),
    }
    return render(request, "ecology/campaign.html", context)


@login_required
@require_GET
def campaign_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    content, filename = export.campaign_workbook(actor=request.user, campaign=campaign)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
