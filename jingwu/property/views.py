"""The property pages (涉案财物): thin views over jingwu.property.services and selectors.

Every write goes through a service (which checks access and audits); a refusal is shown on the page
that was posted from, with its Chinese message and 400 (409 for a clash with the chain).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.audit.services import audit_record
from jingwu.cases.storage import read
from jingwu.core.errors import ServiceError
from jingwu.core.forms import refusal_status, renamed_fields, submit_form
from jingwu.core.masking import mask_id_number
from jingwu.property import forms, labels, selectors, services
from jingwu.property.choices import DISPOSED_STATES, MOVEMENT_KINDS, CustodyKind, ItemState
from jingwu.property.models import PropertyPhoto

# The services' argument names → the forms' field names, so that a refusal lands on its input.
FIELD_NAMES = {"location_id": "location", "holder_id": "holder", "case_id": "case", "content": "photo"}


# --------------------------------------------------------------------------------------------------
# the property room's list, registration


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "property.view")
    form = forms.ItemFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ItemFilters(
        case=data.get("case") or "",
        state=data.get("state") or "",
        location_id=data.get("location"),
        category=data.get("category") or "",
        text=data.get("text") or "",
    )
    page = Paginator(selectors.item_list(actor=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "property/list.html",
        {
            "form": form,
            "page": page,
            "extra_query": query.urlencode() + "&" if query else "",
            "can_register": has_capability(request.user, "property.manage"),
            "can_room": has_capability(request.user, "property.room"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_register(request: HttpRequest) -> HttpResponse:
    """登记涉案财物: first find the case (?q=), then fill in the item (?case=<id>)."""
    require(request.user, "property.manage")
    case_id = request.POST.get("case") or request.GET.get("case")
    if not case_id or not str(case_id).isdigit():
        q = request.GET.get("q", "").strip()
        candidates = selectors.case_search(actor=request.user, text=q) if q else []
        return render(
            request, "property/register.html", {"q": q, "candidates": candidates, "searched": bool(q)}
        )
    case = services.case_for_property(request.user, int(case_id))
    form = forms.RegisterForm(request.POST or None, case=case)

    def register(data: dict[str, Any]) -> Any:
        return services.item_register(
            actor=request.user,
            case_id=case.pk,
            description=data["description"],
            category=data["category"],
            quantity=data["quantity"],
            measure_unit=data["measure_unit"],
            estimated_value=data.get("estimated_value"),
            seizure_kind=data["seizure_kind"],
            seizure_document=data["seizure_document"],
            seized_at=data.get("seized_at"),
            seized_place=data.get("seized_place") or "",
            holder_id=data.get("holder"),
        )

    item = submit_form(request, form, renamed_fields(FIELD_NAMES)(register))
    if item is not None:
        messages.success(request, f"已登记涉案财物 {item.label_code}")
        return redirect("property:detail", item.pk)
    return render(
        request,
        "property/register.html",
        {"case": case, "form": form},
        status=refusal_status(form) if form.errors else 200,
    )


# --------------------------------------------------------------------------------------------------
# one item


def _detail_context(request: HttpRequest, item: Any) -> dict[str, Any]:
    may_change = services.may_change(request.user, item.case)
    disposed = item.state in DISPOSED_STATES
    return {
        "item": item,
        "chain": selectors.item_chain(item),
        "deadlines": selectors.item_deadlines(item),
        "photos": list(item.photos.all()),
        "holder_id_number": mask_id_number(item.holder.person.id_number) if item.holder else "",
        "may_change": may_change,
        "movements": [] if (disposed or not may_change) else _movements_for(item.state),
        "photo_form": forms.PhotoForm() if may_change else None,
        "can_mark_unrelated": may_change and not disposed and item.found_unrelated_at is None,
        "can_file": may_change
        and item.filed_with_inspectorate_at is None
        and item.state != ItemState.WITH_OFFICER,
    }


def _movements_for(state: str) -> list[tuple[str, str]]:
    """The movement buttons that make sense in a state (the service checks again)."""
    allowed = {
        ItemState.WITH_OFFICER: {CustodyKind.INTO_ROOM},
        ItemState.IN_PLACE: {CustodyKind.REGISTERED},
        ItemState.IN_ROOM: {
            CustodyKind.RELOCATED,
            CustodyKind.OUT_FOR_EXAMINATION,
            CustodyKind.OUT_FOR_APPRAISAL,
            CustodyKind.OUT_TO_COURT,
        },
        ItemState.OUT: {CustodyKind.RETURNED_TO_ROOM},
    }.get(state, set())
    disposals = {
        CustodyKind.RETURN_TO_OWNER,
        CustodyKind.CONFISCATION,
        CustodyKind.DESTRUCTION,
        CustodyKind.TRANSFER,
    }
    return [(k.value, k.label) for k in MOVEMENT_KINDS if k in allowed or k in disposals]


@login_required
@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(actor=request.user, item_id=item_id)
    return render(request, "property/detail.html", _detail_context(request, item))


@login_required
@require_http_methods(["GET", "POST"])
def item_move(request: HttpRequest, item_id: int, kind: str) -> HttpResponse:
    """The form of one movement (入库, 出库, 发还 …)."""
    if kind not in MOVEMENT_KINDS:
        raise Http404
    item = services.item_to_change(request.user, item_id)
    initial = _move_initial(request, item, kind)
    form = forms.MoveForm(request.POST or None, kind=kind, initial=initial)

    def move(data: dict[str, Any]) -> Any:
        return services.item_move(
            actor=request.user,
            item_id=item.pk,
            kind=kind,
            at=data.get("at"),
            location_id=data.get("location"),
            handed_over_by=data["handed_over_by"],
            received_by=data["received_by"],
            destination=data.get("destination") or "",
            reason=data["reason"],
            document_number=data.get("document_number") or "",
        )

    event = submit_form(request, form, renamed_fields(FIELD_NAMES)(move))
    if event is not None:
        where = f"（{event.location.code}）" if event.location else ""
        messages.success(request, f"已登记{event.get_kind_display()}{where}")
        return redirect("property:detail", item.pk)
    return render(
        request,
        "property/move.html",
        {"item": item, "form": form, "kind": kind, "kind_label": CustodyKind(kind).label},
        status=refusal_status(form) if form.errors else 200,
    )


def _move_initial(request: HttpRequest, item: Any, kind: str) -> dict[str, Any]:
    """Sensible defaults: the seizing officer hands in, the keeper receives; the keeper hands out."""
    me = request.user.full_name or request.user.username
    if kind == CustodyKind.INTO_ROOM:
        return {
            "handed_over_by": item.seized_by.full_name,
            "received_by": me,
            "reason": "扣押后移交涉案财物管理人员",
        }
    if kind == CustodyKind.REGISTERED:
        return {
            "handed_over_by": item.seized_by.full_name,
            "received_by": me,
            "reason": "送交法律文书及财物情况登记",
        }
    if kind == CustodyKind.RETURN_TO_OWNER and item.holder:
        return {"handed_over_by": me, "received_by": item.holder.person.name}
    return {"handed_over_by": me}


@login_required
@require_POST
def item_file_with_inspectorate(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        services.item_file_with_inspectorate(actor=request.user, item_id=item_id)
        messages.success(request, "已登记报警务督察部门备案")
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    return redirect("property:detail", item_id)


@login_required
@require_POST
def item_found_unrelated(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        services.item_found_unrelated(
            actor=request.user, item_id=item_id, reason=request.POST.get("reason", "")
        )
        messages.success(request, "已认定与案件无关，须在3日内解除并退还")
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    return redirect("property:detail", item_id)


@login_required
@require_POST
def photo_add(request: HttpRequest, item_id: int) -> HttpResponse:
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            services.photo_add(
                actor=request.user,
                item_id=item_id,
                name=upload.name,
                content=upload.read(),
                content_type=upload.content_type or "",
            )
            messages.success(request, f"已上传照片 {upload.name}")
        except ServiceError as refusal:
            messages.error(request, refusal.message)
    else:
        messages.error(request, "请选择图片文件")
    return redirect("property:detail", item_id)


@login_required
@require_GET
def photo_file(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = PropertyPhoto.objects.filter(pk=photo_id).only("item_id").first()
    if photo is None:
        raise Http404
    item = services.visible_item(request.user, photo.item_id)
    photo = item.photos.get(pk=photo_id)
    audit_record(
        actor=request.user, action="property.photo_view", obj=item, changes={"photo": [None, photo.file_name]}
    )
    response = HttpResponse(read(photo.path), content_type=photo.content_type)
    response["Content-Disposition"] = content_disposition_header(False, photo.file_name)
    return response


# --------------------------------------------------------------------------------------------------
# labels


@login_required
@require_GET
def label(request: HttpRequest, item_id: int) -> HttpResponse:
    """The printable label (HTML; the browser prints it) with its QR code."""
    item = selectors.item_get(actor=request.user, item_id=item_id)
    return render(request, "property/label.html", labels.label_context(item))


@login_required
@require_GET
def label_pdf(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(actor=request.user, item_id=item_id)
    response = HttpResponse(labels.label_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{item.label_code}.pdf")
    return response


@login_required
@require_GET
def label_scan(request: HttpRequest, code: str) -> HttpResponse:
    """扫码: the QR code names only the label code; the item is shown within the access policy."""
    item = selectors.item_by_label(actor=request.user, code=code)
    return redirect("property:detail", item.pk)


# --------------------------------------------------------------------------------------------------
# anomalies, locations and inventory


@login_required
@require_GET
def anomalies(request: HttpRequest) -> HttpResponse:
    require(request.user, "property.view")
    found = selectors.chain_breaks(actor=request.user)
    audit_record(
        actor=request.user,
        action="property.anomalies",
        object_type="property.propertyitem",
        object_label=f"流转异常 {len(found)} 条",
    )
    return render(request, "property/anomalies.html", {"anomalies": found})


@login_required
@require_http_methods(["GET", "POST"])
def locations(request: HttpRequest) -> HttpResponse:
    require(request.user, "property.room")
    form = forms.LocationForm(request.POST or None)
    created = submit_form(request, form, lambda d: services.location_create(actor=request.user, **d))
    if created is not None:
        messages.success(request, f"已新增保管位置 {created.code}")
        return redirect("property:locations")
    return render(
        request,
        "property/locations.html",
        {"form": form, "locations": selectors.location_list(actor=request.user)},
        status=refusal_status(form) if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_detail(request: HttpRequest, location_id: int) -> HttpResponse:
    """库存与盘点: what should be at the location, the check form and past checks."""
    form = forms.InventoryForm(request.POST or None)
    check = submit_form(
        request,
        form,
        lambda d: services.inventory_check_record(
            actor=request.user, location_id=location_id, found_codes=form.codes(), note=d.get("note") or ""
        ),
    )
    if check is not None:
        if check.has_discrepancy:
            messages.error(
                request, f"盘点发现账实不符：缺失 {len(check.missing)} 件，账外 {len(check.unexpected)} 件"
            )
        else:
            messages.success(request, f"盘点完成，账实相符（{len(check.found)} 件）")
        return redirect("property:location", location_id)
    inventory = selectors.location_inventory(actor=request.user, location_id=location_id)
    return render(request, "property/location.html", {"inventory": inventory, "form": form})
