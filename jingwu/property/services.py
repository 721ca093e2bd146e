"""Writes of seized property (涉案财物): registration, the chain of custody (流转), photos, filing with the
inspectorate, the property room's locations and its inventory checks (盘点).

Who may change these records: the property room (role property_keeper, bureau-wide) and the case's own
officers — its lead and assisting officers, and the chief of a unit whose scope holds the case. Leaders,
legal affairs and procurators only read (jingwu.access.roles: property.view / property.manage /
property.room). Every write checks that, runs in one transaction, records the legal events of
legal_events.yaml on the case's timeline (key "I<item id>", so supervision watches the statutory
periods of legal_rules.yaml, kind: property) and writes an audit entry. Visibility is checked before a
transaction opens, so that a refusal's audit entry is never rolled back.

The chain is append-only: no service edits or deletes a custody event, and the database refuses to
(migration 0002). The item's state and location are a cache of the chain's end, rewritten here only.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, has_capability, require, visible_to
from jingwu.access.roles import CAPABILITIES, Role
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.choices import CaseKind
from jingwu.cases.models import Case, CaseParty
from jingwu.cases.services import SCOPE_FIELDS as CASE_SCOPE_FIELDS
from jingwu.cases.services import is_case_officer as case_officer
from jingwu.cases.storage import store
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.org.models import User
from jingwu.property.choices import (
    DISPOSAL_KINDS,
    DISPOSAL_STATE,
    DISPOSED_STATES,
    HELD_KINDS,
    INTO_ROOM_KINDS,
    MOVEMENT_KINDS,
    OUT_KINDS,
    CustodyKind,
    ItemState,
    PropertyCategory,
    SeizureKind,
)
from jingwu.property.models import (
    CustodyEvent,
    InventoryCheck,
    LabelCounter,
    PropertyItem,
    PropertyLocation,
    PropertyPhoto,
)
from jingwu.timeline.services import legal_event_record

#: An item is in the actor's scope when its case's station, reviewing unit or handling unit is.
SCOPE_FIELDS = tuple(f"case__{field}" for field in CASE_SCOPE_FIELDS)
MAX_PHOTO_BYTES = 20 * 1024 * 1024
LABEL_PREFIX = "WP"
LABEL_PATTERN = re.compile(r"^WP-\d{4}-\d{6}$")


# --------------------------------------------------------------------------------------------------
# access


def procurator_only(actor: Any) -> bool:
    """Procurators read the property of criminal cases only, unless another role of theirs reads more."""
    others = actor.role_codes - {Role.PROCURATOR}
    return Role.PROCURATOR in actor.role_codes and others.isdisjoint(CAPABILITIES["property.view"])


def items_visible(actor: Any, action: str = "property.view") -> QuerySet[PropertyItem]:
    """The items whose case lies in the actor's scope (procurators: criminal cases only)."""
    items = PropertyItem.objects.select_related("case", "location", "seized_by", "holder__person")
    items = visible_to(actor, action, items, unit_field=SCOPE_FIELDS)
    if action == "property.view" and procurator_only(actor):
        items = items.filter(case__kind=CaseKind.CRIMINAL)
    return items


def visible_item(actor: Any, item_id: int, action: str = "property.view") -> PropertyItem:
    """One item the actor may see (or act on); a 404 otherwise, audited."""
    items = PropertyItem.objects.select_related("case", "location", "seized_by", "holder__person")
    if action == "property.view" and procurator_only(actor):
        items = items.filter(case__kind=CaseKind.CRIMINAL)
    return get_visible_or_404(actor, action, items, unit_field=SCOPE_FIELDS, pk=item_id)


def is_case_officer(actor: Any, case: Case) -> bool:
    """The property room, or one of the case's own officers (see jingwu.cases.services.is_case_officer)."""
    return Role.PROPERTY_KEEPER in actor.role_codes or case_officer(actor, case)


def may_change(actor: Any, case: Case) -> bool:
    """Whether the actor may change the property records of this case (no audit: for the pages)."""
    return has_capability(actor, "property.manage") and is_case_officer(actor, case)


def _require_case_officer(actor: Any, case: Case, obj: Any) -> None:
    """Refuse (audited) anyone but the property room and the case's own officers."""
    if not is_case_officer(actor, case):
        audit_record(actor=actor, action="property.manage", obj=obj, outcome=Outcome.DENIED)
        raise PermissionDenied("property.manage")


def case_for_property(actor: Any, case_id: int) -> Case:
    """The case to register property on: in the actor's scope, and the actor one of its officers."""
    require(actor, "property.manage")
    case = get_visible_or_404(
        actor,
        "property.manage",
        Case.objects.select_related("station", "reviewing_unit", "handling_unit"),
        unit_field=CASE_SCOPE_FIELDS,
        pk=case_id,
    )
    _require_case_officer(actor, case, case)
    return case


def item_to_change(actor: Any, item_id: int) -> PropertyItem:
    require(actor, "property.manage")
    item = visible_item(actor, item_id, "property.manage")
    _require_case_officer(actor, item.case, item)
    return item


# --------------------------------------------------------------------------------------------------
# helpers


def _next_label(year: int) -> str:
    """Label codes come from a counter row updated in the caller's transaction: its row lock makes
    concurrent registrations wait, so no code is given twice (and a unique index guards it)."""
    try:
        with transaction.atomic():
            LabelCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another transaction created the row first
    LabelCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = LabelCounter.objects.get(year=year).last
    return f"{LABEL_PREFIX}-{year}-{last:06d}"


def _events(item: PropertyItem, actor: Any, codes: list[str], at: datetime) -> None:
    """Legal events of the item on its case's timeline (key I<item id>)."""
    for code in codes:
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=item.case_id,
            code=code,
            at=at,
            unit=item.case.reviewing_unit,
            item=item.key,
        )


def _decimal(value: Any, field: str, label: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ServiceError(f"请填写{label}", {field: f"请填写{label}"})
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError(f"{label}应为数字", {field: f"{label}应为数字"}) from None
    if not number.is_finite():
        raise ServiceError(f"{label}应为数字", {field: f"{label}应为数字"})
    return number


def _name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", ""))[:60]


# --------------------------------------------------------------------------------------------------
# registration


def item_register(
    *,
    actor: Any,
    case_id: int,
    description: str,
    category: str,
    quantity: Any,
    measure_unit: str,
    seizure_kind: str,
    seizure_document: str,
    estimated_value: Any = None,
    seized_at: datetime | None = None,
    seized_by_id: int | None = None,
    seized_place: str = "",
    holder_id: int | None = None,
) -> PropertyItem:
    """登记涉案财物: register an item seized in a case, with its seizure document, and give it a label.

    The seizure is the chain's first link. An item the police hold (扣押/调取/提取) records
    property_seized, which starts the statutory handover period (PR-001: 24 hours, 公安机关办理行政案件
    程序规定 第190条); a sealed, frozen or preserved item records property_sealed_or_frozen (PR-002).
    """
    case = case_for_property(actor, case_id)
    errors: dict[str, str] = {}
    description, measure_unit = description.strip(), measure_unit.strip()
    seizure_document = seizure_document.strip()
    if not description:
        errors["description"] = "请填写财物名称及特征"
    if category not in PropertyCategory.values:
        errors["category"] = "请选择财物类别"
    if not measure_unit:
        errors["measure_unit"] = "请填写计量单位"
    if seizure_kind not in SeizureKind.values:
        errors["seizure_kind"] = "请选择措施"
    # 刑事诉讼法 第141条、公安机关办理行政案件程序规定 第188条: seizure only on a document (扣押决定书/清单).
    if not seizure_document:
        errors["seizure_document"] = "请填写扣押（查封、冻结）文书文号"
    if errors:
        raise ServiceError("财物登记信息有误，请修改后再提交", errors)
    amount = _decimal(quantity, "quantity", "数量", required=True)
    value = _decimal(estimated_value, "estimated_value", "估计价值", required=False)
    if amount is None or amount <= 0:
        raise ServiceError("数量应大于零", {"quantity": "数量应大于零"})
    if value is not None and value < 0:
        raise ServiceError("估计价值不能为负数", {"estimated_value": "估计价值不能为负数"})
    at = stated_moment(seized_at, "seized_at")
    seizer = actor
    if seized_by_id is not None and seized_by_id != actor.pk:
        seizer = User.objects.filter(pk=seized_by_id, is_active=True).first()
        if seizer is None:
            raise ServiceError("扣押民警无效", {"seized_by_id": "请选择扣押民警"})
    holder = None
    if holder_id is not None:
        holder = CaseParty.objects.select_related("person").filter(pk=holder_id, case=case).first()
        if holder is None:
            raise ServiceError("被扣押人不是本案当事人", {"holder_id": "请选择本案当事人"})
    held = seizure_kind in HELD_KINDS
    state = ItemState.WITH_OFFICER if held else ItemState.IN_PLACE
    with transaction.atomic():
        item = PropertyItem.objects.create(
            case=case,
            label_code=_next_label(timezone.localtime(at).year),
            description=description[:200],
            category=category,
            quantity=amount,
            measure_unit=measure_unit[:10],
            estimated_value=value,
            seizure_kind=seizure_kind,
            seizure_document=seizure_document[:80],
            seized_at=at,
            seized_by=seizer,
            seized_place=seized_place.strip()[:100],
            holder=holder,
            state=state,
            state_since=at,
            created_by=actor,
        )
        CustodyEvent.objects.create(
            item=item,
            sequence=1,
            kind=CustodyKind.SEIZED,
            at=at,
            state_after=state,
            handed_over_by=(holder.person.name if holder else "现场提取")[:60],
            received_by=_name(seizer),
            reason=f"{SeizureKind(seizure_kind).label}，文书{seizure_document}",
            document_number=seizure_document[:80],
            recorded_by=actor,
        )
        codes = ["property_seized" if held else "property_sealed_or_frozen"]
        if case.kind == CaseKind.ADMINISTRATIVE and seizure_kind in (SeizureKind.SEIZED, SeizureKind.SEALED):
            codes.append("admin_seizure_started")  # 公安机关办理行政案件程序规定 第112条: 30 日
        if seizure_kind == SeizureKind.PRESERVED:
            codes.append("evidence_preservation_registered")  # 同上 第110条: 7 日内处理
        if case.kind == CaseKind.CRIMINAL and seizure_kind == SeizureKind.FROZEN:
            codes.append("criminal_freeze_started")  # 公安机关办理刑事案件程序规定 第243条
        _events(item, actor, codes, at)
        audit_record(
            actor=actor,
            action="property.register",
            obj=item,
            changes={
                "case": [None, case.number],
                "label_code": [None, item.label_code],
                "seizure_kind": [None, seizure_kind],
                "seizure_document": [None, item.seizure_document],
            },
        )
    return item


# --------------------------------------------------------------------------------------------------
# the chain of custody


def _refuse_move(item: PropertyItem, kind: str) -> None:
    """The chain's rules: a disposed item does not move; an item out must come back before it goes out
    again; only an item in the room goes out; only an item held by an officer is handed in."""
    state = item.state
    label = CustodyKind(kind).label
    if state in DISPOSED_STATES:
        raise Conflict(f"财物已处置（{ItemState(state).label}），不能再{label}")
    if kind == CustodyKind.INTO_ROOM and state != ItemState.WITH_OFFICER:
        if state == ItemState.OUT:
            raise Conflict("财物已出库，回库请登记“归还入库”")
        if state == ItemState.IN_PLACE:
            raise Conflict("就地查封、冻结的财物不入库，请登记“送交管理人员登记”")
        raise Conflict("财物已在库，不能重复入库")
    if kind == CustodyKind.REGISTERED and state != ItemState.IN_PLACE:
        raise Conflict("只有就地查封、冻结、先行登记保存的财物需送交登记")
    if kind == CustodyKind.RELOCATED and state != ItemState.IN_ROOM:
        raise Conflict("只有在库财物可以库内移位")
    if kind in OUT_KINDS and state != ItemState.IN_ROOM:
        if state == ItemState.OUT:
            raise Conflict("财物已出库，归还入库前不能再次出库")
        raise Conflict("财物不在库，不能出库")
    if kind == CustodyKind.RETURNED_TO_ROOM and state != ItemState.OUT:
        raise Conflict("财物未出库，无需归还入库")


def item_move(
    *,
    actor: Any,
    item_id: int,
    kind: str,
    reason: str,
    handed_over_by: str,
    received_by: str,
    at: datetime | None = None,
    location_id: int | None = None,
    destination: str = "",
    document_number: str = "",
) -> CustodyEvent:
    """登记流转: append one link to the item's chain of custody and move the item's cached state.

    Refused: an unknown movement; a disposal (发还/没收/销毁/移交) without its decision document
    (公安机关涉案财物管理若干规定 第17条 et seq.); any move of a disposed item; a second "out" before the
    return; moving into the room without a location; a time before the chain's last link.
    """
    item = item_to_change(actor, item_id)
    if kind not in MOVEMENT_KINDS:
        raise ServiceError("流转类型无效", {"kind": "请选择流转类型"})
    reason, handed_over_by, received_by = reason.strip(), handed_over_by.strip(), received_by.strip()
    document_number, destination = document_number.strip(), destination.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "请填写事由"
    if not handed_over_by:
        errors["handed_over_by"] = "请填写移交人"
    if not received_by:
        errors["received_by"] = "请填写接收人"
    if kind in DISPOSAL_KINDS and not document_number:
        errors["document_number"] = "处置须有决定文书，请填写文号"
    if kind in INTO_ROOM_KINDS and location_id is None:
        errors["location_id"] = "入库须选择保管位置"
    if kind in (*OUT_KINDS, CustodyKind.TRANSFER) and not destination:
        errors["destination"] = "请填写去向（接收单位）"
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    moment = stated_moment(at, "at")
    location = None
    if kind in INTO_ROOM_KINDS:
        location = PropertyLocation.objects.filter(pk=location_id, is_active=True).first()
        if location is None:
            raise ServiceError("保管位置无效", {"location_id": "请选择启用中的保管位置"})
    with transaction.atomic():
        item = (
            PropertyItem.objects.select_for_update(of=("self",))
            .select_related("case__reviewing_unit")
            .get(pk=item.pk)
        )
        _refuse_move(item, kind)
        if kind == CustodyKind.RELOCATED and location == item.location:
            raise Conflict("新位置与当前位置相同", {"location_id": "请选择另一个保管位置"})
        last = item.events.aggregate(seq=Max("sequence"), at=Max("at"))
        if last["at"] is not None and moment < last["at"]:
            raise ServiceError("流转时间早于上一条流转记录", {"at": "时间不能早于上一条流转记录"})
        state = (
            DISPOSAL_STATE[kind]
            if kind in DISPOSAL_KINDS
            else ItemState.OUT
            if kind in OUT_KINDS
            else ItemState.IN_PLACE
            if kind == CustodyKind.REGISTERED
            else ItemState.IN_ROOM
        )
        event = CustodyEvent.objects.create(
            item=item,
            sequence=(last["seq"] or 0) + 1,
            kind=kind,
            at=moment,
            state_after=state,
            location=location,
            handed_over_by=handed_over_by[:60],
            received_by=received_by[:60],
            destination=destination[:100],
            reason=reason[:300],
            document_number=document_number[:80],
            recorded_by=actor,
        )
        before = {"state": item.state, "location": item.location.code if item.location else None}
        item.state, item.location, item.state_since = state, location, moment
        item.save(update_fields=["state", "location", "state_since"])
        _events(item, actor, _legal_codes(item, kind), moment)
        audit_record(
            actor=actor,
            action="property.move",
            obj=item,
            changes={
                "kind": [None, kind],
                "state": [before["state"], state],
                "location": [before["location"], location.code if location else None],
                "document_number": [None, document_number or None],
            },
        )
    return event


def _legal_codes(item: PropertyItem, kind: str) -> list[str]:
    """The legal events a movement records on the case's timeline."""
    codes: list[str] = []
    if kind == CustodyKind.INTO_ROOM:
        codes.append("property_handed_to_custodian")  # PR-001 met
    elif kind == CustodyKind.REGISTERED:
        codes.append("property_registered_with_custodian")  # PR-002 met
    elif kind in DISPOSAL_KINDS:
        if kind == CustodyKind.RETURN_TO_OWNER and item.found_unrelated_at is not None:
            # 刑事诉讼法 第145条: property found unrelated to the case is released and returned (PR-004);
            # returning stolen goods to the victim (发还被害人) is a disposal without that clock.
            codes.append("property_released")
        if item.case.kind == CaseKind.ADMINISTRATIVE and item.seizure_kind in (
            SeizureKind.SEIZED,
            SeizureKind.SEALED,
        ):
            codes.append("admin_seizure_ended")  # AD-016 met
        if item.seizure_kind == SeizureKind.PRESERVED:
            codes.append("evidence_preservation_decided")  # AD-017 met
        if item.case.kind == CaseKind.CRIMINAL and item.seizure_kind == SeizureKind.FROZEN:
            codes.append("criminal_freeze_released")  # PR-005 met
    return codes


def item_file_with_inspectorate(*, actor: Any, item_id: int, at: datetime | None = None) -> PropertyItem:
    """报警务督察备案: the item's legal documents were filed with the inspectorate (PR-003, 公安机关涉案
    财物管理若干规定 第13条: 24 hours after the handover or registration)."""
    item = item_to_change(actor, item_id)
    moment = stated_moment(at, "at")
    with transaction.atomic():
        item = (
            PropertyItem.objects.select_for_update(of=("self",))
            .select_related("case__reviewing_unit")
            .get(pk=item.pk)
        )
        if item.filed_with_inspectorate_at is not None:
            raise Conflict("该财物的法律文书已报督察备案")
        if item.state in (ItemState.WITH_OFFICER,):
            raise Conflict("财物尚未移交管理人员，移交后再报备案")
        item.filed_with_inspectorate_at = moment
        item.save(update_fields=["filed_with_inspectorate_at"])
        _events(item, actor, ["property_filed_with_inspectorate"], moment)
        audit_record(
            actor=actor,
            action="property.file_with_inspectorate",
            obj=item,
            changes={"filed_with_inspectorate_at": [None, moment.isoformat()]},
        )
    return item


def item_found_unrelated(
    *, actor: Any, item_id: int, reason: str, at: datetime | None = None
) -> PropertyItem:
    """查明与案件无关: from now the item must be released and returned within 3 days (PR-004, 刑事诉讼法
    第145条, 公安机关办理行政案件程序规定 第197条)."""
    item = item_to_change(actor, item_id)
    reason = reason.strip()
    if not reason:
        raise ServiceError("请填写查明情况", {"reason": "请填写查明情况"})
    moment = stated_moment(at, "at")
    with transaction.atomic():
        item = (
            PropertyItem.objects.select_for_update(of=("self",))
            .select_related("case__reviewing_unit")
            .get(pk=item.pk)
        )
        if item.state in DISPOSED_STATES:
            raise Conflict("财物已处置，无需再认定")
        if item.found_unrelated_at is not None:
            raise Conflict("已认定该财物与案件无关")
        item.found_unrelated_at = moment
        item.save(update_fields=["found_unrelated_at"])
        _events(item, actor, ["property_found_unrelated"], moment)
        audit_record(
            actor=actor,
            action="property.found_unrelated",
            obj=item,
            changes={"found_unrelated_at": [None, moment.isoformat()], "reason": [None, reason[:200]]},
        )
    return item


def photo_add(*, actor: Any, item_id: int, name: str, content: bytes, content_type: str) -> PropertyPhoto:
    """上传财物照片: stored content-addressed under its SHA-256, like the case attachments."""
    item = item_to_change(actor, item_id)
    file_name = Path(name.replace("\\", "/")).name.strip()[:200]
    if not file_name:
        raise ServiceError("请填写文件名", {"name": "文件名无效"})
    if not content:
        raise ServiceError("文件为空", {"content": "文件为空"})
    if len(content) > MAX_PHOTO_BYTES:
        raise ServiceError("文件过大", {"content": f"单个文件不能超过{MAX_PHOTO_BYTES // 2**20} MB"})
    if not (content_type or "").startswith("image/"):
        raise ServiceError("只能上传图片", {"content": "只能上传图片（JPEG、PNG）"})
    suffix = Path(file_name).suffix.lower()
    path, digest = store(
        content, area="property", suffix=suffix if re.fullmatch(r"\.\w{1,10}", suffix) else ""
    )
    with transaction.atomic():
        photo = PropertyPhoto.objects.create(
            item=item,
            file_name=file_name,
            content_type=content_type[:100],
            size=len(content),
            sha256=digest,
            path=path,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action="property.photo_add",
            obj=item,
            changes={"photo": [None, file_name], "sha256": [None, digest]},
        )
    return photo


# --------------------------------------------------------------------------------------------------
# the property room: locations and inventory checks


def location_create(
    *, actor: Any, room: str, shelf: str = "", box: str = "", description: str = ""
) -> PropertyLocation:
    """新增保管位置: a room, shelf and box of the property room; its code is "room-shelf-box"."""
    require(actor, "property.room")
    parts = [p.strip().upper() for p in (room, shelf, box)]
    if not parts[0]:
        raise ServiceError("请填写库房", {"room": "请填写库房"})
    if parts[2] and not parts[1]:
        raise ServiceError("填写箱/格时须填写货架", {"shelf": "请填写货架"})
    if any(not re.fullmatch(r"[0-9A-Z]{1,10}", p) for p in parts if p):
        raise ServiceError("库房、货架、箱号只能由字母和数字组成", {"room": "只能由字母和数字组成"})
    code = "-".join(p for p in parts if p)
    if PropertyLocation.objects.filter(code=code).exists():
        raise Conflict(f"保管位置 {code} 已存在", {"room": "该位置已存在"})
    with transaction.atomic():
        location = PropertyLocation.objects.create(
            code=code,
            room=parts[0],
            shelf=parts[1],
            box=parts[2],
            description=description.strip()[:100],
            created_by=actor,
        )
        audit_record(
            actor=actor, action="property.location_create", obj=location, changes={"code": [None, code]}
        )
    return location


def expected_at(location: PropertyLocation) -> QuerySet[PropertyItem]:
    """What the chain says is at a location now: the items whose chain ends in the room there."""
    return PropertyItem.objects.filter(location=location, state=ItemState.IN_ROOM).order_by("label_code")


def inventory_check_record(
    *,
    actor: Any,
    location_id: int,
    found_codes: list[str],
    checked_at: datetime | None = None,
    note: str = "",
) -> InventoryCheck:
    """盘点: record the label codes found at a location; the check stores what should be there, what is
    missing and what is there but should not be, and flags any difference (账实不符)."""
    require(actor, "property.room")
    location = PropertyLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise Http404
    moment = stated_moment(checked_at, "checked_at")
    found = sorted({code.strip().upper() for code in found_codes if code.strip()})
    with transaction.atomic():
        expected = list(expected_at(location).values_list("label_code", flat=True))
        missing = sorted(set(expected) - set(found))
        unexpected = sorted(set(found) - set(expected))
        check = InventoryCheck.objects.create(
            location=location,
            checked_at=moment,
            checked_by=actor,
            expected=expected,
            found=found,
            missing=missing,
            unexpected=unexpected,
            has_discrepancy=bool(missing or unexpected),
            note=note.strip()[:300],
        )
        audit_record(
            actor=actor,
            action="property.inventory_check",
            obj=location,
            changes={
                "expected": len(expected),
                "found": len(found),
                "missing": missing,
                "unexpected": unexpected,
            },
        )
    return check
