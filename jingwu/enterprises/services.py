"""Writes of enterprise liaison (警企联系): parks, enterprises, liaison visits (走访), requests (诉求),
incident links, and warning bulletins (预警信息) with their deliveries and acknowledgements (签收).

Every write checks the policy (role, and the enterprise's station inside the actor's scope), runs in
one transaction and writes an audit entry. A bulletin is delivered through jingwu.notifications' outbox:
its deliveries and their outbox messages are created in the same transaction, so that no bulletin is
lost when the channel is down — ``outbox_send`` retries them, and each delivery shows its message's
status. Visibility is checked before a transaction opens, so that a refusal's audit entry is kept.

Acknowledgements are recorded by an officer (after a call, an SMS reply or a visit), not through a
link in the message: the police network is not reachable from the enterprises' side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, scope_of_unit, unit_scope, visible_to
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record, diff_changes
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.identity import InvalidIdentity, normalise_phone
from jingwu.core.masking import mask_phone
from jingwu.core.moments import stated_moment
from jingwu.enterprises.choices import (
    AckMethod,
    DeliveryChannel,
    DeliveryState,
    EnterpriseStatus,
    RequestStatus,
)
from jingwu.enterprises.config import config
from jingwu.enterprises.models import (
    Bulletin,
    BulletinDelivery,
    Enterprise,
    EnterpriseIncident,
    EnterpriseRequest,
    LiaisonVisit,
    Park,
)
from jingwu.enterprises.uscc import InvalidUSCC, normalise_uscc
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.incidents.selectors import SCOPE_FIELDS as INCIDENT_SCOPE
from jingwu.notifications.models import OutboxMessage, OutboxStatus
from jingwu.org.models import Unit, User

SENDER = "武平县公安局"
LINKABLE_DAYS = 90
SMS_LIMIT = 500  # characters of an SMS bulletin's text; the full text stays in the system


# --------------------------------------------------------------------------------------------------
# scope


def is_county_officer(user: Any) -> bool:
    """An officer of a county unit that looks after enterprises county-wide (治安管理大队)."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return False
    home = unit.operational_unit()
    return home.code in config().county_units


def scope_q(actor: Any, action: str = "enterprise.view", field: str = "station") -> Q:
    """The enterprises the actor may `action`: their unit scope, or all for leaders and county units."""
    if not has_capability(actor, action):
        return Q(pk__in=[])
    scope = unit_scope(actor)
    if scope.everything or is_county_officer(actor):
        return Q()
    return scope.q(field)


def visible_enterprises(actor: Any, action: str = "enterprise.view") -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(scope_q(actor, action))


def visible_enterprise(actor: Any, enterprise_id: int, action: str = "enterprise.view") -> Enterprise:
    """The enterprise if the actor may `action` it; a 404 (audited) otherwise."""
    require(actor, action)
    enterprise = (
        visible_enterprises(actor, action)
        .select_related("village", "township", "park", "station", "liaison__unit")
        .filter(pk=enterprise_id)
        .first()
    )
    if enterprise is None:
        audit_record(
            actor=actor,
            action=action,
            object_type="enterprises.enterprise",
            object_id=enterprise_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return enterprise


def may_manage(actor: Any, enterprise: Enterprise) -> bool:
    return has_capability(actor, "enterprise.manage") and (
        is_county_officer(actor) or unit_scope(actor).contains(enterprise.station.path)
    )


def may_issue(actor: Any) -> bool:
    """Chiefs and leaders issue bulletins; of the officers, only those of the county units."""
    if not has_capability(actor, "bulletin.issue"):
        return False
    roles = actor.role_codes
    return bool(roles & {"unit_chief", "leader"}) or is_county_officer(actor)


def require_issue(actor: Any) -> None:
    require(actor, "bulletin.issue")
    if not may_issue(actor):
        audit_record(actor=actor, action="bulletin.issue", outcome=Outcome.DENIED)
        raise PermissionDenied("只有所长、局领导或治安管理大队民警可以发布预警信息")


def _managed(actor: Any, enterprise_id: int, action: str) -> Enterprise:
    enterprise = visible_enterprise(actor, enterprise_id, "enterprise.manage")
    if not may_manage(actor, enterprise):
        audit_record(actor=actor, action=action, obj=enterprise, outcome=Outcome.DENIED)
        raise PermissionDenied("无权管理该企业")
    return enterprise


# --------------------------------------------------------------------------------------------------
# helpers


def _text(value: str, field: str, message: str, limit: int = 0) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, {field: message})
    if limit and len(value) > limit:
        raise ServiceError(f"最多{limit}个字", {field: f"最多{limit}个字"})
    return value


def _day(value: date | None, field: str, label: str) -> date:
    """A stated day, not after today (Asia/Shanghai); today when not given."""
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise ServiceError(f"{label}不能晚于今天", {field: f"{label}不能晚于今天"})
    return value


def _village(village_id: int | None) -> Division:
    village = (
        Division.objects.select_related("parent__station", "station")
        .filter(pk=village_id, level=DivisionLevel.VILLAGE)
        .first()
        if village_id
        else None
    )
    if village is None:
        raise ServiceError("请选择企业所在的村（社区）", {"village_id": "请选择村（社区）"})
    return village


def station_of(village: Division) -> Unit | None:
    """The station responsible for a village (the village's own, else its township's)."""
    return village.station or (village.parent.station if village.parent_id else None)


def _liaison(liaison_id: int | None, station: Unit) -> User | None:
    """The liaison officer: an active officer or chief whose area holds the enterprise's station."""
    if not liaison_id:
        return None
    user = User.objects.select_related("unit").filter(pk=liaison_id, is_active=True).first()
    if user is None or user.role_codes.isdisjoint({"officer", "unit_chief"}):
        raise ServiceError("联系民警无效", {"liaison_id": "请选择在职民警"})
    if not (is_county_officer(user) or scope_of_unit(user.unit).contains(station.path)):
        raise ServiceError(
            "联系民警须为企业辖区派出所或治安管理大队的民警",
            {"liaison_id": f"该民警不属于{station.name}"},
        )
    return user


@dataclass(frozen=True)
class EnterpriseInput:
    """The registered facts of an enterprise, as entered."""

    name: str
    uscc: str
    industry: str
    village_id: int | None
    contact_name: str
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    park_id: int | None = None
    liaison_id: int | None = None
    status: str = EnterpriseStatus.ACTIVE
    notes: str = ""


def _clean(data: EnterpriseInput) -> dict[str, Any]:
    """Check every field at once, so the form shows all errors together."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        "name": (data.name or "").strip(),
        "address": (data.address or "").strip(),
        "contact_name": (data.contact_name or "").strip(),
        "notes": (data.notes or "").strip(),
    }
    if not cleaned["name"]:
        errors["name"] = "请填写企业名称"
    elif len(cleaned["name"]) > 100:
        errors["name"] = "企业名称最多100个字"
    try:
        cleaned["uscc"] = normalise_uscc(data.uscc)
    except InvalidUSCC as exc:
        errors["uscc"] = str(exc)
    if data.industry not in config().industries:
        errors["industry"] = "请选择行业"
    cleaned["industry"] = data.industry
    if not cleaned["contact_name"]:
        errors["contact_name"] = "请填写企业联系人"
    elif len(cleaned["contact_name"]) > 40:
        errors["contact_name"] = "联系人姓名最多40个字"
    cleaned["contact_phone"] = ""
    if (data.contact_phone or "").strip():
        try:
            cleaned["contact_phone"] = normalise_phone(data.contact_phone)
        except InvalidIdentity as exc:
            errors["contact_phone"] = str(exc)
    cleaned["contact_email"] = (data.contact_email or "").strip().lower()
    if cleaned["contact_email"]:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"] = "电子邮箱格式错误"
    if not cleaned["contact_phone"] and not cleaned["contact_email"] and "contact_phone" not in errors:
        errors["contact_phone"] = "联系电话和电子邮箱至少填写一项（用于推送预警信息）"
    if data.status not in EnterpriseStatus.values:
        errors["status"] = "经营状态无效"
    cleaned["status"] = data.status
    cleaned["park"] = None
    if data.park_id:
        cleaned["park"] = Park.objects.filter(pk=data.park_id, is_active=True).first()
        if cleaned["park"] is None:
            errors["park_id"] = "园区无效"
    try:
        village = _village(data.village_id)
    except ServiceError as exc:
        errors.update(exc.field_errors)
        village = None
    if village is not None:
        station = station_of(village)
        if station is None:
            errors["village_id"] = "该村（社区）未设责任派出所"
        else:
            cleaned.update(village=village, township=village.parent, station=station)
            try:
                cleaned["liaison"] = _liaison(data.liaison_id, station)
            except ServiceError as exc:
                errors.update(exc.field_errors)
    if errors:
        raise ServiceError("企业信息有误，请修改后再提交", errors)
    return cleaned


def _duplicate(uscc: str, exclude_pk: int | None = None) -> None:
    existing = Enterprise.objects.filter(uscc=uscc).exclude(pk=exclude_pk).first()
    if existing is not None:
        raise Conflict(
            f"统一社会信用代码 {uscc} 已登记为“{existing.name}”",
            {"uscc": "该统一社会信用代码已登记"},
            existing_id=existing.pk,
        )


def _audited_values(enterprise: Enterprise) -> dict[str, Any]:
    # The log records that the contact's phone changed, never the number in full.
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "industry": enterprise.industry,
        "village": enterprise.village_id,
        "park": enterprise.park_id,
        "station": enterprise.station_id,
        "contact_name": enterprise.contact_name,
        "contact_phone": mask_phone(enterprise.contact_phone),
        "contact_email": enterprise.contact_email,
        "liaison": enterprise.liaison_id,
        "status": enterprise.status,
        "address": enterprise.address,
    }


# --------------------------------------------------------------------------------------------------
# parks and enterprises


def park_create(*, actor: Any, name: str, township_id: int | None, description: str = "") -> Park:
    """登记园区: by those who issue bulletins (chiefs, leaders, the public-order brigade)."""
    require_issue(actor)
    name = _text(name, "name", "请填写园区名称", 64)
    township = Division.objects.filter(pk=township_id, level=DivisionLevel.TOWNSHIP).first()
    if township is None:
        raise ServiceError("请选择园区所在乡镇（街道）", {"township_id": "请选择乡镇（街道）"})
    if Park.objects.filter(name=name).exists():
        raise Conflict("该园区已登记", {"name": "该园区已登记"})
    with transaction.atomic():
        park = Park.objects.create(
            name=name, township=township, description=(description or "").strip()[:300], created_by=actor
        )
        audit_record(actor=actor, action="park.create", obj=park)
    return park


def enterprise_create(*, actor: Any, data: EnterpriseInput) -> Enterprise:
    """登记企业: in a village of the actor's area (or anywhere, for the public-order brigade)."""
    require(actor, "enterprise.manage")
    cleaned = _clean(data)
    if not (is_county_officer(actor) or unit_scope(actor).contains(cleaned["station"].path)):
        raise ServiceError("只能登记本辖区的企业", {"village_id": "该村（社区）不在您的辖区"})
    _duplicate(cleaned["uscc"])
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(created_by=actor, **cleaned)
            audit_record(
                actor=actor,
                action="enterprise.create",
                obj=enterprise,
                changes={k: [None, v] for k, v in _audited_values(enterprise).items() if v},
            )
    except IntegrityError:  # a concurrent registration of the same code
        _duplicate(cleaned["uscc"])
        raise
    return enterprise


def enterprise_update(
    *, actor: Any, enterprise_id: int, data: EnterpriseInput, version: int | None = None
) -> Enterprise:
    """修改企业信息; with `version`, an edit of a stale page is refused (409)."""
    current = _managed(actor, enterprise_id, "enterprise.change")
    cleaned = _clean(data)
    if not (is_county_officer(actor) or unit_scope(actor).contains(cleaned["station"].path)):
        raise ServiceError("只能将企业登记在本辖区", {"village_id": "该村（社区）不在您的辖区"})
    _duplicate(cleaned["uscc"], exclude_pk=current.pk)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=current.pk)
        if version is not None and version != enterprise.version:
            raise Conflict("企业信息已被他人修改，请刷新后重试")
        before = _audited_values(enterprise)
        for field, value in cleaned.items():
            setattr(enterprise, field, value)
        changes = diff_changes(before, _audited_values(enterprise))
        if changes:
            enterprise.version += 1
            enterprise.save()
            audit_record(actor=actor, action="enterprise.change", obj=enterprise, changes=changes)
    return enterprise


def enterprise_contact_reveal(*, actor: Any, enterprise_id: int) -> dict[str, str]:
    """The contact's phone and e-mail in full: an explicit act of those who may reveal personal data
    (个人信息查看), always audited."""
    enterprise = visible_enterprise(actor, enterprise_id)
    if not has_capability(actor, "person.reveal"):
        audit_record(actor=actor, action="person.reveal", obj=enterprise, outcome=Outcome.DENIED)
        raise PermissionDenied("person.reveal")
    audit_record(
        actor=actor,
        action="person.reveal",
        obj=enterprise,
        changes={"fields": ["contact_phone", "contact_email"]},
    )
    return {"contact_phone": enterprise.contact_phone, "contact_email": enterprise.contact_email}


# --------------------------------------------------------------------------------------------------
# visits, requests, incidents


def visit_record(
    *,
    actor: Any,
    enterprise_id: int,
    topics: str,
    visited_on: date | None = None,
    officer_id: int | None = None,
    checks: Iterable[str] = (),
    findings: str = "",
) -> LiaisonVisit:
    """记录走访: what was discussed and which security checks were made (items from the data file)."""
    enterprise = _managed(actor, enterprise_id, "enterprise.visit")
    errors: dict[str, str] = {}
    topics = (topics or "").strip()
    if not topics:
        errors["topics"] = "请填写交流内容"
    checks = list(dict.fromkeys(checks))
    unknown = [c for c in checks if c not in config().security_checks]
    if unknown:
        errors["checks"] = f"安全检查项目无效：{'、'.join(unknown)}"
    officer = actor
    if officer_id and officer_id != actor.pk:
        try:
            officer = _liaison(officer_id, enterprise.station)
        except ServiceError:
            errors["officer_id"] = "走访民警须为企业辖区派出所或治安管理大队的民警"
    try:
        day = _day(visited_on, "visited_on", "走访日期")
    except ServiceError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError("走访记录有误，请修改后再提交", errors)
    with transaction.atomic():
        visit = LiaisonVisit.objects.create(
            enterprise=enterprise,
            visited_on=day,
            officer=officer,
            topics=topics,
            checks=checks,
            findings=(findings or "").strip(),
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="enterprise.visit",
            obj=visit,
            changes={"enterprise": [None, enterprise.pk], "checks": [None, checks]},
        )
    return visit


def request_record(
    *, actor: Any, enterprise_id: int, kind: str, summary: str, raised_on: date | None = None
) -> EnterpriseRequest:
    """登记企业诉求 (open until handled)."""
    enterprise = _managed(actor, enterprise_id, "enterprise.request")
    errors: dict[str, str] = {}
    if kind not in config().request_kinds:
        errors["kind"] = "请选择诉求类别"
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = "请填写诉求内容"
    try:
        day = _day(raised_on, "raised_on", "提出日期")
    except ServiceError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError("诉求信息有误，请修改后再提交", errors)
    with transaction.atomic():
        request = EnterpriseRequest.objects.create(
            enterprise=enterprise, kind=kind, raised_on=day, summary=summary, recorded_by=actor
        )
        audit_record(actor=actor, action="enterprise.request", obj=request, changes={"kind": [None, kind]})
    return request


def request_handle(
    *, actor: Any, request_id: int, handling_note: str, handled_on: date | None = None
) -> EnterpriseRequest:
    """办结诉求: with what was done, on a day not before it was raised."""
    found = EnterpriseRequest.objects.filter(pk=request_id).values_list("enterprise_id", flat=True).first()
    if found is None:
        raise Http404
    _managed(actor, found, "enterprise.request_handle")
    errors: dict[str, str] = {}
    note = (handling_note or "").strip()
    if not note:
        errors["handling_note"] = "请填写办理情况"
    try:
        day = _day(handled_on, "handled_on", "办结日期")
    except ServiceError as exc:
        errors.update(exc.field_errors)
        day = None
    with transaction.atomic():
        request = EnterpriseRequest.objects.select_for_update().get(pk=request_id)
        if request.status == RequestStatus.HANDLED:
            raise Conflict("该诉求已办结")
        if day is not None and day < request.raised_on:
            errors["handled_on"] = "办结日期不能早于诉求提出日期"
        if errors:
            raise ServiceError("办结信息有误，请修改后再提交", errors)
        request.status = RequestStatus.HANDLED
        request.handling_note, request.handled_on, request.handled_by = note, day, actor
        request.save(update_fields=["status", "handling_note", "handled_on", "handled_by"])
        audit_record(
            actor=actor,
            action="enterprise.request_handle",
            obj=request,
            changes={"status": ["open", "handled"]},
        )
    return request


def _visible_incident(actor: Any, *, incident_id: int | None, number: str) -> Incident:
    """An incident by id or number among those the actor may see; an unknown one is a field error."""
    incidents = visible_to(actor, "incident.view", Incident.objects.all(), unit_field=INCIDENT_SCOPE)
    number = (number or "").strip().upper()
    if incident_id:
        incident = incidents.filter(pk=incident_id).first()
    elif number:
        incident = incidents.filter(number=number).first()
    else:
        raise ServiceError("请填写警情编号", {"number": "请填写警情编号"})
    if incident is None:
        label = number or str(incident_id)
        raise ServiceError(f"未找到警情 {label}（或无权查看）", {"number": "未找到该警情"})
    return incident


def incident_link(
    *, actor: Any, enterprise_id: int, number: str = "", incident_id: int | None = None, note: str = ""
) -> EnterpriseIncident:
    """关联涉企警情: an incident at or near the enterprise, by its number (or id)."""
    enterprise = _managed(actor, enterprise_id, "enterprise.incident_link")
    incident = _visible_incident(actor, incident_id=incident_id, number=number)
    if EnterpriseIncident.objects.filter(enterprise=enterprise, incident=incident).exists():
        raise Conflict(f"警情 {incident.number} 已关联本企业", {"number": "该警情已关联"})
    with transaction.atomic():
        link = EnterpriseIncident.objects.create(
            enterprise=enterprise, incident=incident, note=(note or "").strip()[:200], linked_by=actor
        )
        audit_record(
            actor=actor,
            action="enterprise.incident_link",
            obj=enterprise,
            changes={"incident": [None, incident.number]},
        )
    return link


def incident_unlink(*, actor: Any, enterprise_id: int, link_id: int) -> None:
    """取消关联 (a link made by mistake)."""
    enterprise = _managed(actor, enterprise_id, "enterprise.incident_unlink")
    with transaction.atomic():
        link = (
            EnterpriseIncident.objects.select_related("incident")
            .filter(pk=link_id, enterprise=enterprise)
            .first()
        )
        if link is None:
            raise Http404
        number = link.incident.number
        link.delete()
        audit_record(
            actor=actor,
            action="enterprise.incident_unlink",
            obj=enterprise,
            changes={"incident": [number, None]},
        )


# --------------------------------------------------------------------------------------------------
# bulletins


@dataclass(frozen=True)
class Targeting:
    """Which enterprises a bulletin goes to: within each list any may match, across lists all must;
    an empty list does not restrict. Only enterprises in operation (正常经营) receive bulletins."""

    park_ids: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    township_ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, list[Any]]:
        return {
            "parks": sorted(self.park_ids),
            "industries": sorted(self.industries),
            "townships": sorted(self.township_ids),
        }


def _check_targeting(targeting: Targeting) -> None:
    errors: dict[str, str] = {}
    unknown = [i for i in targeting.industries if i not in config().industries]
    if unknown:
        errors["industries"] = f"行业无效：{'、'.join(unknown)}"
    if len(set(targeting.park_ids)) != Park.objects.filter(pk__in=targeting.park_ids).count():
        errors["park_ids"] = "园区无效"
    townships = Division.objects.filter(pk__in=targeting.township_ids, level=DivisionLevel.TOWNSHIP)
    if len(set(targeting.township_ids)) != townships.count():
        errors["township_ids"] = "乡镇（街道）无效"
    if errors:
        raise ServiceError("推送范围有误", errors)


def bulletin_targets(*, actor: Any, targeting: Targeting) -> QuerySet[Enterprise]:
    """The enterprises a bulletin with this targeting would reach: those in operation that match, within
    the issuer's area (a station chief reaches his station's enterprises; leaders and the public-order
    brigade the county's)."""
    require_issue(actor)
    _check_targeting(targeting)
    enterprises = visible_enterprises(actor, "bulletin.issue").filter(status=EnterpriseStatus.ACTIVE)
    if targeting.park_ids:
        enterprises = enterprises.filter(park_id__in=targeting.park_ids)
    if targeting.industries:
        enterprises = enterprises.filter(industry__in=targeting.industries)
    if targeting.township_ids:
        enterprises = enterprises.filter(township_id__in=targeting.township_ids)
    return enterprises.select_related("township", "village", "park").order_by("township__code", "name", "id")


def _message_text(bulletin: Bulletin, channel: str) -> tuple[str, str]:
    """The subject and text of the outbox message for one enterprise."""
    kind = config().bulletin_kinds.get(bulletin.kind, "")
    subject = f"【{SENDER}】{kind}：{bulletin.title}"[:200]
    body = f"{bulletin.body}\n——{SENDER}{bulletin.unit.name if bulletin.unit.code != 'wp' else ''}"
    if channel == DeliveryChannel.SMS and len(body) > SMS_LIMIT:
        body = body[: SMS_LIMIT - 20] + "……（详情请咨询联系民警）"
    return subject, body


def _address(enterprise: Enterprise, preferred: str) -> tuple[str, str]:
    """The channel and address to reach the enterprise: the preferred one, else the other."""
    options = {DeliveryChannel.SMS: enterprise.contact_phone, DeliveryChannel.EMAIL: enterprise.contact_email}
    if options.get(preferred):
        return preferred, options[preferred]
    for channel, address in options.items():
        if address:
            return channel, address
    return "", ""


def _queue(delivery: BulletinDelivery, now: datetime) -> None:
    """Queue one outbox message for a delivery (no message when the enterprise has no address)."""
    channel, address = _address(delivery.enterprise, delivery.bulletin.channel)
    delivery.channel, delivery.address, delivery.message = channel, address, None
    if channel:
        subject, body = _message_text(delivery.bulletin, channel)
        delivery.message = OutboxMessage.objects.create(
            channel=channel, address=address, subject=subject, body=body, created_at=now
        )
        delivery.messages_queued += 1


def bulletin_issue(
    *,
    actor: Any,
    title: str,
    body: str,
    kind: str,
    channel: str = DeliveryChannel.SMS,
    targeting: Targeting = Targeting(),
) -> Bulletin:
    """发布预警信息: written once, one delivery per chosen enterprise, each with its outbox message,
    all in one transaction (nothing is sent here; ``outbox_send`` delivers and retries)."""
    require_issue(actor)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 100:
        errors["title"] = "标题最多100个字"
    body = (body or "").strip()
    if not body:
        errors["body"] = "请填写预警内容"
    if kind not in config().bulletin_kinds:
        errors["kind"] = "请选择类别"
    if channel not in DeliveryChannel.values:
        errors["channel"] = "请选择推送渠道"
    if errors:
        raise ServiceError("预警信息有误，请修改后再提交", errors)
    targets = list(bulletin_targets(actor=actor, targeting=targeting))
    if not targets:
        raise ServiceError(
            "所选范围内没有正常经营的企业，请调整推送范围", {"targeting": "没有符合条件的企业"}
        )
    now = timezone.now()
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            title=title,
            body=body,
            kind=kind,
            channel=channel,
            targeting=targeting.as_json(),
            unit=actor.unit.operational_unit(),
            issued_by=actor,
            issued_at=now,
        )
        deliveries = []
        for enterprise in targets:
            delivery = BulletinDelivery(bulletin=bulletin, enterprise=enterprise)
            _queue(delivery, now)
            deliveries.append(delivery)
        BulletinDelivery.objects.bulk_create(deliveries)
        without = sum(1 for d in deliveries if d.message is None)
        audit_record(
            actor=actor,
            action="bulletin.issue",
            obj=bulletin,
            changes={
                "kind": [None, kind],
                "targeting": [None, targeting.as_json()],
                "deliveries": [None, len(deliveries)],
                "no_address": [None, without],
            },
        )
    return bulletin


def _delivery_for(actor: Any, delivery_id: int, action: str) -> BulletinDelivery:
    found = BulletinDelivery.objects.filter(pk=delivery_id).values_list("enterprise_id", flat=True).first()
    if found is None:
        raise Http404
    _managed(actor, found, action)
    return found


def delivery_state(delivery: BulletinDelivery) -> str:
    """The delivery's state: acknowledged, else its outbox message's status (queued — retrying after a
    failed attempt —, sent, failed), or no address."""
    if delivery.acknowledged_at is not None:
        return DeliveryState.ACKNOWLEDGED
    message = delivery.message
    if message is None:
        return DeliveryState.NO_ADDRESS
    if message.status == OutboxStatus.QUEUED:
        return DeliveryState.RETRYING if message.attempts else DeliveryState.QUEUED
    return DeliveryState.SENT if message.status == OutboxStatus.SENT else DeliveryState.FAILED


def delivery_resend(*, actor: Any, delivery_id: int) -> BulletinDelivery:
    """重新推送 after the outbox gave up (or with an address added since): a new outbox message to the
    enterprise's current address. Refused while a message is queued or once one was sent, so that an
    enterprise never gets the same bulletin twice."""
    _delivery_for(actor, delivery_id, "bulletin.resend")
    with transaction.atomic():
        delivery = (
            BulletinDelivery.objects.select_for_update(of=("self",))
            .select_related("message", "enterprise", "bulletin__unit")
            .get(pk=delivery_id)
        )
        state = delivery_state(delivery)
        if state not in {DeliveryState.FAILED, DeliveryState.NO_ADDRESS}:
            raise Conflict("该推送正在发送或已送达，不能重复推送")
        previous = delivery.message_id
        _queue(delivery, timezone.now())
        if delivery.message is None:
            raise ServiceError("企业没有联系电话或电子邮箱，请先补充联系方式")
        delivery.save(update_fields=["channel", "address", "message", "messages_queued"])
        audit_record(
            actor=actor,
            action="bulletin.resend",
            obj=delivery,
            changes={"message": [previous, delivery.message_id], "channel": [None, delivery.channel]},
        )
    return delivery


def delivery_acknowledge(
    *, actor: Any, delivery_id: int, method: str, at: datetime | None = None, note: str = ""
) -> BulletinDelivery:
    """登记签收: the enterprise confirmed it received the bulletin. A bulletin not (yet) delivered by
    the outbox can only be acknowledged when it was told in person (上门告知)."""
    _delivery_for(actor, delivery_id, "bulletin.acknowledge")
    if method not in AckMethod.values:
        raise ServiceError("请选择签收方式", {"method": "请选择签收方式"})
    moment = stated_moment(at, "at")
    with transaction.atomic():
        delivery = (
            BulletinDelivery.objects.select_for_update(of=("self",))
            .select_related("message", "bulletin")
            .get(pk=delivery_id)
        )
        state = delivery_state(delivery)
        if state == DeliveryState.ACKNOWLEDGED:
            raise Conflict("该企业已签收")
        if state != DeliveryState.SENT and method != AckMethod.IN_PERSON:
            message = "预警信息尚未送达企业，只能以上门告知方式登记签收"
            raise ServiceError(message, {"method": message})
        # Stated to the minute: a time in the minute the bulletin was issued is not "before" it.
        if moment < delivery.bulletin.issued_at.replace(second=0, microsecond=0):
            raise ServiceError("签收时间不能早于发布时间", {"at": "签收时间不能早于发布时间"})
        delivery.acknowledged_at, delivery.ack_method = moment, method
        delivery.ack_note, delivery.acknowledged_by = (note or "").strip()[:200], actor
        delivery.save(update_fields=["acknowledged_at", "ack_method", "ack_note", "acknowledged_by"])
        audit_record(
            actor=actor,
            action="bulletin.acknowledge",
            obj=delivery,
            changes={"state": [state, DeliveryState.ACKNOWLEDGED], "method": [None, method]},
        )
    return delivery
