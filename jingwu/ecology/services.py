"""Writes of ecological policing (生态警务): forest zones and their chiefs (森林警长制), patrols (巡护) and
their findings, administrative-to-criminal transfers (行刑衔接) and campaigns (专项行动).

Every write checks the policy, runs in one transaction, writes an audit entry, and goes through the
services of the apps it touches (incidents, cases, timeline) rather than their tables. Visibility is
checked before a transaction opens, so that a refusal's audit entry is never rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, require, unit_scope
from jingwu.audit.services import audit_record
from jingwu.cases import services as case_services
from jingwu.cases.choices import ApprovalStatus, CaseKind, CaseSource
from jingwu.cases.models import Approval, Case
from jingwu.cases.offences import find_offence, offences
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.ecology.choices import ChiefLevel, TransferDecision
from jingwu.ecology.models import Campaign, Finding, ForestTransfer, ForestZone, Patrol, ZoneChief
from jingwu.ecology.rules import finding_kinds
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Priority, Source
from jingwu.incidents.services import incident_create
from jingwu.incidents.taxonomy import taxonomy
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User
from jingwu.timeline.services import legal_event_record

ZONE_SCOPE = ("station", "unit")
TRANSFER_SCOPE = ("unit", "case__station", "case__reviewing_unit", "case__handling_unit")
FOREST_POLICE_UNIT = "wp-st"  # 森林警察大队（生态警务）
MAX_ROUTE_POINTS = 5000
MAX_PATROL = timedelta(days=3)
PATROL_ROLES = ("officer", "unit_chief")


# --------------------------------------------------------------------------------------------------
# helpers


def forest_police_unit() -> Unit:
    return Unit.objects.get(code=FOREST_POLICE_UNIT)


def visible_zone(actor: Any, zone_id: int, action: str = "ecology.view") -> ForestZone:
    zones = ForestZone.objects.select_related("township", "station", "unit")
    return get_visible_or_404(actor, action, zones, unit_field=ZONE_SCOPE, pk=zone_id)


def visible_transfer(actor: Any, transfer_id: int, action: str = "ecology.view") -> ForestTransfer:
    transfers = ForestTransfer.objects.select_related("case", "agency", "township", "unit")
    return get_visible_or_404(actor, action, transfers, unit_field=TRANSFER_SCOPE, pk=transfer_id)


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _township(township_id: int | None) -> Division:
    township = (
        Division.objects.select_related("station")
        .filter(pk=township_id, level=DivisionLevel.TOWNSHIP)
        .first()
        if township_id
        else None
    )
    if township is None or township.station is None:
        raise ServiceError("请选择乡镇", {"township_id": "请选择乡镇"})
    return township


def _patrol_officers(officer_ids: list[int]) -> list[User]:
    ids = list(dict.fromkeys(officer_ids))
    found = list(User.objects.filter(pk__in=ids, is_active=True, roles__code__in=PATROL_ROLES).distinct())
    if not ids or len(found) != len(ids):
        raise ServiceError("巡护人员须为在职民警", {"officer_ids": "请选择巡护民警"})
    return found


# --------------------------------------------------------------------------------------------------
# zones and chiefs (森林警长制)


def zone_create(
    *,
    actor: Any,
    code: str,
    name: str,
    township_id: int,
    village_ids: list[int],
    patrol_every_days: int = 7,
    area_mu: Decimal | None = None,
    description: str = "",
) -> ForestZone:
    """建立林区档案: a zone of one township's forests, followed by the forest police brigade."""
    require(actor, "ecology.assign")
    errors: dict[str, str] = {}
    code, name = code.strip(), name.strip()
    if not code:
        errors["code"] = "请填写林区编号"
    if not name:
        errors["name"] = "请填写林区名称"
    if not 1 <= patrol_every_days <= 90:
        errors["patrol_every_days"] = "巡护周期为1至90天"
    if area_mu is not None and area_mu <= 0:
        errors["area_mu"] = "面积应大于0"
    if errors:
        raise ServiceError("林区信息有误，请修改后再提交", errors)
    township = _township(township_id)
    villages = list(
        Division.objects.filter(pk__in=set(village_ids), parent=township, level=DivisionLevel.VILLAGE)
    )
    if not villages or len(villages) != len(set(village_ids)):
        raise ServiceError("请选择本乡镇的村（社区）", {"village_ids": "请选择本乡镇的村（社区）"})
    unit = forest_police_unit()
    scope = unit_scope(actor)
    if not (scope.contains(township.station.path) or scope.contains(unit.path)):
        raise ServiceError("只能为本单位辖区建立林区", {"township_id": "该乡镇不在您的范围内"})
    try:
        with transaction.atomic():
            zone = ForestZone.objects.create(
                code=code,
                name=name,
                township=township,
                station=township.station,
                unit=unit,
                area_mu=area_mu,
                description=description.strip(),
                patrol_every_days=patrol_every_days,
                created_by=actor,
                created_at=timezone.now(),
            )
            zone.villages.set(villages)
            audit_record(actor=actor, action="ecology.zone_create", obj=zone, changes={"code": [None, code]})
    except IntegrityError:
        raise Conflict("林区编号已存在", {"code": "林区编号已存在"}) from None
    return zone


def zone_set_frequency(*, actor: Any, zone_id: int, patrol_every_days: int) -> ForestZone:
    """设置巡护周期 (every N days)."""
    require(actor, "ecology.assign")
    zone = visible_zone(actor, zone_id, "ecology.assign")
    if not 1 <= patrol_every_days <= 90:
        raise ServiceError("巡护周期为1至90天", {"patrol_every_days": "巡护周期为1至90天"})
    before = zone.patrol_every_days
    with transaction.atomic():
        ForestZone.objects.filter(pk=zone.pk).update(patrol_every_days=patrol_every_days)
        zone.patrol_every_days = patrol_every_days
        audit_record(
            actor=actor,
            action="ecology.zone_frequency",
            obj=zone,
            changes={"patrol_every_days": [before, patrol_every_days]},
        )
    return zone


def chief_assign(
    *,
    actor: Any,
    zone_id: int,
    level: str,
    user_id: int,
    started_on: date | None = None,
    note: str = "",
) -> ZoneChief:
    """任命森林警长: the new chief of a level takes over from the current one, whose term ends that day."""
    require(actor, "ecology.assign")
    zone = visible_zone(actor, zone_id, "ecology.assign")
    if level not in ChiefLevel.values:
        raise ServiceError("请选择警长层级", {"level": "请选择警长层级"})
    user = User.objects.filter(pk=user_id, is_active=True, roles__code__in=(*PATROL_ROLES, "leader")).first()
    if user is None:
        raise ServiceError("森林警长须为在职民警", {"user_id": "请选择民警"})
    today = timezone.localdate()
    started_on = started_on or today
    if started_on > today:
        raise ServiceError("任职日期不能晚于今天", {"started_on": "任职日期不能晚于今天"})
    with transaction.atomic():
        current = (
            ZoneChief.objects.select_for_update()
            .filter(zone=zone, level=level, ended_on__isnull=True)
            .first()
        )
        if current is not None:
            if current.user_id == user.pk:
                raise Conflict("该民警已是本林区此层级的森林警长")
            if started_on < current.started_on:
                raise ServiceError("任职日期不能早于前任的任职日期", {"started_on": "不能早于前任任职日期"})
            ZoneChief.objects.filter(pk=current.pk).update(ended_on=started_on)
        chief = ZoneChief.objects.create(
            zone=zone,
            level=level,
            user=user,
            started_on=started_on,
            assigned_by=actor,
            note=note.strip()[:200],
        )
        audit_record(
            actor=actor,
            action="ecology.chief_assign",
            obj=zone,
            changes={level: [current.user.username if current else None, user.username]},
        )
    return chief


# --------------------------------------------------------------------------------------------------
# patrols and findings (巡护)


@dataclass(frozen=True)
class FindingInput:
    kind: str
    description: str
    village_id: int | None = None


def _route_points(points: Any) -> list[list[float]]:
    if not points:
        return []
    try:
        cleaned = [[float(lat), float(lng)] for lat, lng in points]
    except (TypeError, ValueError):
        raise ServiceError("轨迹点格式有误", {"route_points": "轨迹点应为“纬度,经度”的列表"}) from None
    if len(cleaned) > MAX_ROUTE_POINTS or any(
        not (-90 <= lat <= 90 and -180 <= lng <= 180) for lat, lng in cleaned
    ):
        raise ServiceError("轨迹点格式有误", {"route_points": "纬度、经度超出范围或轨迹点过多"})
    return cleaned


def patrol_record(
    *,
    actor: Any,
    zone_id: int,
    started_at: datetime,
    ended_at: datetime,
    officer_ids: list[int],
    route_text: str = "",
    route_points: list[Any] | None = None,
    summary: str = "",
    findings: list[FindingInput] | None = None,
) -> Patrol:
    """登记巡护: who patrolled the zone, when, along which route, and what they found."""
    require(actor, "ecology.manage")
    zone = visible_zone(actor, zone_id, "ecology.manage")
    started = stated_moment(started_at, "started_at")
    ended = stated_moment(ended_at, "ended_at")
    errors: dict[str, str] = {}
    if ended < started:
        errors["ended_at"] = "结束时间不能早于开始时间"
    elif ended - started > MAX_PATROL:
        errors["ended_at"] = "一次巡护不超过3天，请分次登记"
    if not route_text.strip() and not route_points:
        errors["route_text"] = "请填写巡护路线或上传轨迹点"
    kinds = finding_kinds()
    villages = set(Division.objects.filter(parent=zone.township_id).values_list("pk", flat=True))
    for index, item in enumerate(findings or []):
        if item.kind not in kinds:
            errors[f"findings.{index}.kind"] = "请选择发现类别"
        if not item.description.strip():
            errors[f"findings.{index}.description"] = "请描述发现的情况"
        if item.village_id is not None and item.village_id not in villages:
            errors[f"findings.{index}.village_id"] = "发现地点应在本林区所在乡镇"
    if errors:
        raise ServiceError("巡护记录有误，请修改后再提交", errors)
    points = _route_points(route_points)
    officers = _patrol_officers(officer_ids)
    with transaction.atomic():
        patrol = Patrol.objects.create(
            zone=zone,
            started_at=started,
            ended_at=ended,
            route_text=route_text.strip(),
            route_points=points,
            summary=summary.strip(),
            recorded_by=actor,
        )
        patrol.officers.set(officers)
        Finding.objects.bulk_create(
            [
                Finding(
                    patrol=patrol, kind=f.kind, description=f.description.strip(), village_id=f.village_id
                )
                for f in findings or []
            ]
        )
        audit_record(
            actor=actor,
            action="ecology.patrol_record",
            obj=patrol,
            changes={"zone": [None, zone.code], "findings": [None, len(findings or [])]},
        )
    return patrol


def _finding_for_conversion(actor: Any, finding_id: int) -> Finding:
    finding = Finding.objects.select_related("patrol__zone__township").filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    visible_zone(actor, finding.patrol.zone_id, "ecology.manage")
    if finding.incident_id or finding.case_id:
        raise Conflict("该发现已转为警情或案件")
    return finding


def _lock_unconverted(finding: Finding) -> None:
    """Inside the transaction: of two concurrent conversions, the second waits and is refused."""
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.incident_id or locked.case_id:
        raise Conflict("该发现已转为警情或案件")


def _place(finding: Finding, village_id: int | None) -> Division:
    chosen = village_id or finding.village_id
    if chosen is None:
        first = finding.patrol.zone.villages.order_by("code").first()
        chosen = first.pk if first else None
    village = Division.objects.filter(
        pk=chosen, parent=finding.patrol.zone.township_id, level=DivisionLevel.VILLAGE
    ).first()
    if village is None:
        raise ServiceError("请选择发现地点（村/社区）", {"village_id": "请选择本乡镇的村（社区）"})
    return village


def finding_to_incident(
    *, actor: Any, finding_id: int, village_id: int | None = None, priority: int = Priority.NORMAL
) -> Finding:
    """巡护发现转警情: one action opens an incident of the finding's kind at its place, routed to the station
    that dispatches for it, and links the two."""
    require(actor, "incident.create")
    finding = _finding_for_conversion(actor, finding_id)
    kind = finding_kinds()[finding.kind]
    village = _place(finding, village_id)
    zone = finding.patrol.zone
    narrative = f"{zone.name}巡护发现（{kind.name}）：{finding.description}"
    with transaction.atomic():
        _lock_unconverted(finding)
        result = incident_create(
            actor=actor,
            source=Source.TRANSFERRED,
            village_code=village.code,
            category=kind.category,
            subcategory=kind.subcategory,
            narrative=narrative,
            priority=priority,
            address=f"{zone.name}（{village.name}）",
        )
        Finding.objects.filter(pk=finding.pk).update(
            incident=result.incident, village=village, converted_by=actor, converted_at=timezone.now()
        )
        finding.refresh_from_db()
        audit_record(
            actor=actor,
            action="ecology.finding_to_incident",
            obj=finding.patrol,
            changes={"finding": [None, finding.pk], "incident": [None, result.incident.number]},
        )
    return finding


def finding_to_case(
    *, actor: Any, finding_id: int, kind: str = CaseKind.CRIMINAL, offence_code: str = ""
) -> Finding:
    """巡护发现直接受案: the zone's station accepts a case (the charge proposed by the finding's kind)."""
    require(actor, "case.accept")
    finding = _finding_for_conversion(actor, finding_id)
    finding_kind = finding_kinds()[finding.kind]
    if not offence_code and kind == CaseKind.CRIMINAL and finding_kind.charge:
        offence = find_offence(finding_kind.charge, "criminal")
        offence_code = offence.code if offence else ""
    zone = finding.patrol.zone
    offence_name = offences()[offence_code].name if offence_code in offences() else finding_kind.name
    with transaction.atomic():
        _lock_unconverted(finding)
        # 来源: a patrol's own discovery; the case sources know no “自行发现”, so it is taken as a report.
        case = case_services.case_accept(
            actor=actor,
            kind=kind,
            title=f"{zone.township.name}{zone.name}{offence_name}案"[:100],
            facts=f"{finding.patrol.started_at.astimezone(timezone.get_current_timezone()):%Y年%m月%d日}"
            f"{zone.name}巡护发现：{finding.description}",
            source=CaseSource.WALK_IN,
            station_id=zone.station_id,
            offence_code=offence_code,
        )
        Finding.objects.filter(pk=finding.pk).update(
            case=case, converted_by=actor, converted_at=timezone.now()
        )
        finding.refresh_from_db()
        audit_record(
            actor=actor,
            action="ecology.finding_to_case",
            obj=finding.patrol,
            changes={"finding": [None, finding.pk], "case": [None, case.number]},
        )
    return finding


# --------------------------------------------------------------------------------------------------
# 行刑衔接: transfers from the forestry administration


QUANTITY_FIELDS = (
    "standing_volume_m3",
    "saplings",
    "value_cny",
    "public_welfare_forest_mu",
    "commercial_forest_mu",
)


def transfer_receive(
    *,
    actor: Any,
    agency_id: int,
    letter_number: str,
    township_id: int,
    offence_code: str,
    facts: str,
    materials: str,
    received_at: datetime | None = None,
    materials_complete: bool = True,
    place: str = "",
    title: str = "",
    quantities: dict[str, Any] | None = None,
    prior_admin_penalties: int = 0,
) -> ForestTransfer:
    """接受移送: the forestry administration's transfer of a suspected crime is accepted as a criminal case
    (source “其他机关移送”) and the receipt is put on its timeline (移送书回执签字), which starts the
    3-day review (行政执法机关移送涉嫌犯罪案件的规定 第8条; 公安机关办理刑事案件程序规定 第180条)."""
    require(actor, "ecology.manage")
    require(actor, "case.accept")
    agency = Unit.objects.filter(pk=agency_id, kind=UnitKind.EXTERNAL, is_active=True).first()
    errors: dict[str, str] = {}
    if agency is None:
        errors["agency_id"] = "请选择移送机关"
    letter_number, facts, materials = letter_number.strip(), facts.strip(), materials.strip()
    if not letter_number:
        errors["letter_number"] = "请填写移送书文号"
    if not facts:
        errors["facts"] = "请填写涉嫌犯罪事实"
    if not materials:
        errors["materials"] = "请列明移送材料"
    offence = offences().get(offence_code)
    if offence is None or offence.kind != CaseKind.CRIMINAL:
        errors["offence_code"] = "请选择涉嫌罪名"
    values: dict[str, Any] = {}
    for name in QUANTITY_FIELDS:
        value = (quantities or {}).get(name)
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = Decimal(-1)
        if number < 0 or (name == "saplings" and number != number.to_integral_value()):
            errors[name] = "请填写不小于0的数量" + ("（整数）" if name == "saplings" else "")
        else:
            values[name] = int(number) if name == "saplings" else number
    if prior_admin_penalties < 0:
        errors["prior_admin_penalties"] = "请填写不小于0的次数"
    if errors:
        raise ServiceError("移送案件信息有误，请修改后再提交", errors)
    township = _township(township_id)
    received = stated_moment(received_at, "received_at")
    if ForestTransfer.objects.filter(agency=agency, letter_number=letter_number).exists():
        raise Conflict("该移送书已登记", {"letter_number": "该移送书文号已登记"})
    with transaction.atomic():
        case = case_services.case_accept(
            actor=actor,
            kind=CaseKind.CRIMINAL,
            title=(title.strip() or f"{agency.name}移送{township.name}{offence.name[:-1]}案")[:100],
            facts=facts,
            source=CaseSource.TRANSFER,
            station_id=township.station_id,
            transfer_agency=agency.name,
            offence_code=offence_code,
            accepted_at=received,
        )
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=case.pk,
            code="transfer_received_from_admin_agency",
            at=received,
            unit=case.reviewing_unit,
            fields={"competent": True, "materials_complete": materials_complete},
        )
        transfer = ForestTransfer.objects.create(
            case=case,
            agency=agency,
            unit=forest_police_unit(),
            letter_number=letter_number,
            received_at=received,
            township=township,
            place=place.strip(),
            materials=materials,
            materials_complete=materials_complete,
            prior_admin_penalties=prior_admin_penalties,
            created_by=actor,
            **values,
        )
        audit_record(
            actor=actor,
            action="ecology.transfer_receive",
            obj=transfer,
            changes={"case": [None, case.number], "agency": [None, agency.code]},
        )
    return transfer


def _transfer_and_case(actor: Any, transfer_id: int) -> tuple[ForestTransfer, Case]:
    transfer = visible_transfer(actor, transfer_id, "ecology.manage")
    return transfer, case_services.visible_case(actor, transfer.case_id)


def transfer_request_supplement(
    *, actor: Any, transfer_id: int, at: datetime | None = None
) -> ForestTransfer:
    """通知补正: materials incomplete — the transferring body is told within 24 hours to complete them within
    3 days; the transfer is not refused for it (公安机关办理刑事案件程序规定 第180条第2款)."""
    require(actor, "ecology.manage")
    transfer, case = _transfer_and_case(actor, transfer_id)
    moment = stated_moment(at)
    if transfer.materials_complete:
        raise Conflict("移送材料齐全，无需通知补正")
    if transfer.supplement_requested_at is not None:
        raise Conflict("已通知补正")
    if moment < transfer.received_at:
        raise ServiceError("通知时间不能早于接受移送时间", {"at": "不能早于接受移送时间"})
    with transaction.atomic():
        ForestTransfer.objects.filter(pk=transfer.pk).update(supplement_requested_at=moment)
        transfer.supplement_requested_at = moment
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=case.pk,
            code="transfer_supplement_notice_sent",
            at=moment,
            unit=case.reviewing_unit,
        )
        audit_record(actor=actor, action="ecology.transfer_supplement", obj=transfer)
    return transfer


def pending_decision(case: Case) -> Approval | None:
    return case.approvals.filter(
        status=ApprovalStatus.PENDING, subject__in=["transition:file", "transition:decline"]
    ).first()


def transfer_decide(
    *,
    actor: Any,
    transfer_id: int,
    decision: str,
    reason: str = "",
    lead_officer_id: int | None = None,
) -> ForestTransfer:
    """审查决定: the reviewer decides to file (立案) — naming the lead officer — or not to file (不予立案,
    with reasons). The decision goes through the case workflow, so the unit chief's approval of jingwu/cases/
    data/workflow.yaml applies; once approved the case is filed or not filed and the 3-day clock is met."""
    require(actor, "ecology.manage")
    require(actor, "case.review")
    transfer, case = _transfer_and_case(actor, transfer_id)
    reason = reason.strip()
    if decision not in TransferDecision.values:
        raise ServiceError("请选择立案或不予立案", {"decision": "请选择立案或不予立案"})
    if decision == TransferDecision.REFUSE and not reason:
        raise ServiceError("不予立案须写明理由", {"reason": "请写明不予立案的理由"})
    if decision == TransferDecision.ACCEPT and lead_officer_id is None and case.lead_officer_id is None:
        raise ServiceError("决定立案须指定主办民警", {"lead_officer_id": "请选择主办民警"})
    if case.status != "accepted":
        raise Conflict("该移送案件已作出立案或不予立案决定")
    if pending_decision(case) is not None:
        raise Conflict("该移送案件的决定已在审批中")
    with transaction.atomic():
        if decision == TransferDecision.ACCEPT:
            if lead_officer_id is not None:
                case = case_services.case_assign(
                    actor=actor,
                    case_id=case.pk,
                    version=case.version,
                    kind=CaseKind.CRIMINAL,
                    offence_code=case.offence_code,
                    is_major=case.is_major,
                    lead_officer_id=lead_officer_id,
                )
            case_services.case_request(actor=actor, case_id=case.pk, transition="file", reason=reason)
        else:
            case_services.case_request(actor=actor, case_id=case.pk, transition="decline", reason=reason)
        now = timezone.now()
        ForestTransfer.objects.filter(pk=transfer.pk).update(
            decision=decision, decision_reason=reason, decided_by=actor, decided_at=now
        )
        transfer.refresh_from_db()
        audit_record(
            actor=actor,
            action="ecology.transfer_decide",
            obj=transfer,
            changes={"decision": [None, decision]},
        )
    return transfer


def transfer_notify(
    *,
    actor: Any,
    transfer_id: int,
    notice_number: str,
    issued_on: date,
    served_at: datetime | None = None,
    received_by: str = "",
) -> ForestTransfer:
    """书面通知移送机关: the 立案通知书 or 不予立案通知书 (with reasons, and the materials returned) served
    on the transferring body (行政执法机关移送涉嫌犯罪案件的规定 第8条); recorded as
    `transfer_review_decided`."""
    require(actor, "ecology.manage")
    transfer, case = _transfer_and_case(actor, transfer_id)
    notice_number = notice_number.strip()
    errors: dict[str, str] = {}
    if not notice_number:
        errors["notice_number"] = "请填写通知书文号"
    today = timezone.localdate()
    if issued_on is None or issued_on > today:
        errors["issued_on"] = "请填写通知书日期（不晚于今天）"
    elif issued_on < timezone.localdate(transfer.received_at):
        errors["issued_on"] = "通知书日期不能早于接受移送日期"
    served = stated_moment(served_at, "served_at") if served_at else None
    if served is not None and issued_on is not None and timezone.localdate(served) < issued_on:
        errors["served_at"] = "送达时间不能早于通知书日期"
    if case.status == "accepted":
        raise Conflict("尚未作出立案或不予立案决定（或决定尚在审批中）")
    # The notice reports a decision: it cannot be dated or served before the decision took effect.
    decided = case.filed_at if case.status != "not_filed" else case.closed_at
    if decided is not None and "issued_on" not in errors and issued_on < timezone.localdate(decided):
        errors["issued_on"] = "通知书日期不能早于作出决定的日期"
    if decided is not None and served is not None and served < decided:
        errors["served_at"] = "送达时间不能早于作出决定的时间"
    if errors:
        raise ServiceError("通知书信息有误，请修改后再提交", errors)
    if transfer.notice_number:
        raise Conflict("已登记书面通知")
    result = "not_filed" if case.status == "not_filed" else "filed"
    with transaction.atomic():
        ForestTransfer.objects.filter(pk=transfer.pk).update(
            notice_number=notice_number,
            notice_issued_on=issued_on,
            notice_served_at=served,
            notice_received_by=received_by.strip()[:40],
        )
        transfer.refresh_from_db()
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=case.pk,
            code="transfer_review_decided",
            at=served or timezone.now(),
            unit=case.reviewing_unit,
            fields={"result": result, "notice": notice_number},
        )
        audit_record(
            actor=actor,
            action="ecology.transfer_notify",
            obj=transfer,
            changes={"notice_number": [None, notice_number], "result": [None, result]},
        )
    return transfer


# --------------------------------------------------------------------------------------------------
# campaigns (专项行动)


def _incident_kinds(kinds: list[str]) -> list[str]:
    tax = taxonomy()
    cleaned: list[str] = []
    for kind in dict.fromkeys(k.strip() for k in kinds if k.strip()):
        category, _, sub = kind.partition("/")
        if category not in tax.categories or (sub and not tax.is_valid(category, sub)):
            raise ServiceError("警情类别无效", {"incident_kinds": f"未知的警情类别：{kind}"})
        cleaned.append(kind)
    return cleaned


def campaign_create(
    *,
    actor: Any,
    name: str,
    starts_on: date,
    ends_on: date,
    offence_codes: list[str],
    incident_kinds: list[str],
    township_ids: list[int] | None = None,
    description: str = "",
) -> Campaign:
    """发起专项行动: a named, time-boxed campaign with its target offences, incident kinds and townships
    (none: the whole county)."""
    require(actor, "campaign.manage")
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "请填写行动名称"
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    codes = list(dict.fromkeys(offence_codes))
    if any(code not in offences() for code in codes):
        errors["offence_codes"] = "目标案由无效"
    if not codes and not incident_kinds:
        errors["offence_codes"] = "请至少选择一个目标案由或警情类别"
    if errors:
        raise ServiceError("专项行动信息有误，请修改后再提交", errors)
    kinds = _incident_kinds(incident_kinds)
    ids = set(township_ids or [])
    townships = list(Division.objects.filter(pk__in=ids, level=DivisionLevel.TOWNSHIP))
    if len(townships) != len(ids):
        raise ServiceError("行动范围无效", {"township_ids": "请选择乡镇"})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            description=description.strip(),
            offence_codes=codes,
            incident_kinds=kinds,
            unit=actor.unit.operational_unit(),
            created_by=actor,
        )
        campaign.townships.set(townships)
        audit_record(
            actor=actor,
            action="campaign.create",
            obj=campaign,
            changes={"offences": [None, len(codes)], "incident_kinds": [None, len(kinds)]},
        )
    return campaign


def visible_campaigns(actor: Any) -> QuerySet[Campaign]:
    """Campaigns are the bureau's announcements: everyone who may read campaigns sees them all; what each
    one counts is narrowed to the reader's scope (selectors.campaign_tally)."""
    require(actor, "campaign.view")
    return Campaign.objects.select_related("unit", "created_by").prefetch_related("townships")


def campaign_period(campaign: Campaign) -> tuple[datetime, datetime]:
    """The campaign's days as [start, end) in local time."""
    return _local_start(campaign.starts_on), _local_start(campaign.ends_on + timedelta(days=1))


def campaign_incident_filter(campaign: Campaign) -> Q:
    query = Q(pk__in=[])
    for kind in campaign.incident_kinds:
        category, _, sub = kind.partition("/")
        query |= Q(category=category, subcategory=sub) if sub else Q(category=category)
    return query
