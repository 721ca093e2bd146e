"""Writes of 接处警: intake, re-routing, dispatch, the steps to disposition and close.

Every write checks the policy, runs in one transaction, records the step on the incident's timeline,
the statutory 110 events on the legal timeline, and an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, require, scope_of_unit, unit_scope
from jingwu.audit.services import audit_record
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.identity import InvalidIdentity, normalise_id_number, normalise_phone
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Priority, Source, StepKind
from jingwu.incidents.models import Incident, IncidentStep, LinkedCallKey
from jingwu.incidents.routing import route_for, route_for_station
from jingwu.incidents.taxonomy import taxonomy
from jingwu.incidents.workflow import MILESTONE_FIELD, STEP_ACTION, next_status
from jingwu.org.models import Unit, User
from jingwu.people.models import Person
from jingwu.people.services import person_create
from jingwu.timeline.services import legal_event_record

# How far ahead of the server's clock a stated time may be (terminals' clocks drift).
CLOCK_SKEW = timedelta(minutes=2)
LEGAL_EVENT_OF_STEP = {
    StepKind.RECEIVED: "incident_received",
    StepKind.DISPATCHED: "incident_dispatched",
    StepKind.ARRIVED: "incident_arrived",
}
RESPONDER_ROLES = ("officer", "unit_chief")


@dataclass(frozen=True)
class IntakeResult:
    incident: Incident
    created: bool


def _moment(at: datetime | None, field: str) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ServiceError("时间须带时区", {field: "时间须带时区"})
    if at > now + CLOCK_SKEW:
        raise ServiceError("时间不能晚于当前时间", {field: "时间不能晚于当前时间"})
    return at


def _caller(actor: Any, name: str, phone: str, id_number: str) -> Person | None:
    """Find the caller in the registry (by ID number, then phone), or register them."""
    name, phone, id_number = name.strip(), phone.strip(), id_number.strip()
    if not (name or phone or id_number):
        return None
    errors: dict[str, str] = {}
    try:
        id_number = normalise_id_number(id_number) if id_number else ""
    except InvalidIdentity as exc:
        errors["caller_id_number"] = str(exc)
    try:
        phone = normalise_phone(phone) if phone else ""
    except InvalidIdentity as exc:
        errors["caller_phone"] = str(exc)
    if errors:
        raise ServiceError("报警人信息有误", errors)
    known = (Person.objects.filter(id_number=id_number).first() if id_number else None) or (
        Person.objects.filter(phone=phone).order_by("id").first() if phone and not id_number else None
    )
    if known:
        return known
    return person_create(actor=actor, name=name or "匿名报警人", id_number=id_number or None, phone=phone)


def _record_step(
    incident: Incident,
    *,
    actor: Any,
    kind: str,
    at: datetime,
    note: str = "",
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
    details: dict[str, Any] | None = None,
) -> IncidentStep:
    step = IncidentStep.objects.create(
        incident=incident,
        kind=kind,
        at=at,
        actor=actor,
        note=note,
        from_unit=from_unit,
        to_unit=to_unit,
        details=details or {},
    )
    code = LEGAL_EVENT_OF_STEP.get(kind)
    if code:
        fields: dict[str, Any] = {"area": incident.area}
        if kind == StepKind.RECEIVED:
            fields["kind"] = incident.category
        legal_event_record(
            actor=actor,
            subject_type="incident",
            subject_id=incident.pk,
            code=code,
            at=at,
            unit=incident.unit,
            incident=incident.number or str(incident.pk),
            fields=fields,
        )
    return step


def incident_create(
    *,
    actor: Any,
    source: str,
    village_code: str,
    category: str,
    subcategory: str,
    narrative: str,
    priority: int = Priority.NORMAL,
    received_at: datetime | None = None,
    address: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    caller_id_number: str = "",
    idempotency_key: str | None = None,
    link_to: int | None = None,
) -> IntakeResult:
    """Record a call or a walk-in report (接警登记) and route it to the unit that dispatches for its place.

    With `link_to`, the call is about an incident already open: it is added to that incident's timeline
    instead of opening a second one. A repeated `idempotency_key` returns the first result.
    """
    require(actor, "incident.create")
    if idempotency_key and (known := _incident_of_key(idempotency_key)) is not None:
        return IntakeResult(_visible_incident(actor, known), False)
    errors: dict[str, str] = {}
    received = _moment(received_at, "received_at")
    village = (
        Division.objects.select_related("parent", "station")
        .filter(code=village_code, level=DivisionLevel.VILLAGE)
        .first()
    )
    if village is None:
        errors["village_code"] = "请选择武平县的村（社区）"
    if source not in Source.values:
        errors["source"] = "报警方式无效"
    if not taxonomy().is_valid(category, subcategory):
        errors["subcategory"] = "警情类别或细类无效"
    if priority not in Priority.values:
        errors["priority"] = "等级须为1至3"
    narrative = (narrative or "").strip()
    if not narrative:
        errors["narrative"] = "请填写简要警情"
    if errors:
        raise ServiceError("接警信息有误，请修改后再提交", errors)
    if link_to is not None:
        incident = _link_call(actor, link_to, received, narrative, caller_name, caller_phone, idempotency_key)
        return IntakeResult(incident, False)
    route = route_for(village)
    try:
        with transaction.atomic():
            caller = _caller(actor, caller_name, caller_phone, caller_id_number)
            incident = Incident.objects.create(
                received_at=received,
                source=source,
                caller=caller,
                village=village,
                address=address.strip(),
                area=route.area,
                category=category,
                subcategory=subcategory,
                priority=priority,
                narrative=narrative,
                station=route.station,
                unit=route.unit,
                idempotency_key=idempotency_key,
                created_by=actor,
            )
            incident.number = f"J350824{timezone.localtime(received):%Y%m%d}{incident.pk:06d}"
            incident.save(update_fields=["number"])
            _record_step(incident, actor=actor, kind=StepKind.RECEIVED, at=received, to_unit=route.unit)
            audit_record(
                actor=actor,
                action="incident.create",
                obj=incident,
                changes={
                    "unit": [None, route.unit.code],
                    "category": [None, category],
                    "priority": [None, priority],
                },
            )
    except IntegrityError:
        # A concurrent request with the same idempotency key won: answer with its incident.
        if idempotency_key and (first := _incident_of_key(idempotency_key)) is not None:
            return IntakeResult(Incident.objects.get(pk=first), False)
        raise
    return IntakeResult(incident, True)


def _incident_of_key(key: str) -> int | None:
    """The incident a key produced, or the one its call was linked to: two primary-key look-ups."""
    found = Incident.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()
    if found is None:
        found = LinkedCallKey.objects.filter(key=key).values_list("incident_id", flat=True).first()
    return found


def _visible_incident(actor: Any, incident_id: int) -> Incident:
    """The incident if the actor may see it. Call it outside `transaction.atomic()`: a refusal writes
    an audit entry, which a rolled-back transaction would take with it."""
    return get_visible_or_404(
        actor, "incident.view", Incident.objects.all(), unit_field=("unit", "station"), pk=incident_id
    )


def _locked(incident_id: int) -> Incident:
    return (
        Incident.objects.select_related("unit", "station", "village")
        .select_for_update(of=("self",))
        .get(pk=incident_id)
    )


def _link_call(
    actor: Any, incident_id: int, at: datetime, narrative: str, name: str, phone: str, key: str | None
) -> Incident:
    incident = _visible_incident(actor, incident_id)
    try:
        with transaction.atomic():
            incident = _locked(incident_id)
            try:
                next_status(incident.status, StepKind.LINKED_CALL)
            except ValueError as exc:
                raise Conflict(str(exc)) from exc
            if key:
                LinkedCallKey.objects.create(key=key, incident=incident)
            caller = _caller(actor, name, phone, "")
            _record_step(
                incident,
                actor=actor,
                kind=StepKind.LINKED_CALL,
                at=at,
                note=narrative,
                details={"caller_id": caller.pk if caller else None},
            )
            audit_record(actor=actor, action="incident.link_call", obj=incident)
    except IntegrityError:
        # A retry of the same call raced the first and lost on the key: the call is recorded once.
        if key and LinkedCallKey.objects.filter(key=key, incident_id=incident_id).exists():
            return incident
        raise
    return incident


def responders_for(incident: Incident) -> list[User]:
    """Officers the dispatching unit may send: active officers and chiefs within its command."""
    scope = scope_of_unit(incident.unit)
    return list(
        User.objects.filter(scope.q("unit"), is_active=True, roles__code__in=RESPONDER_ROLES)
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "full_name")
    )


def incident_step(
    *,
    actor: Any,
    incident_id: int,
    kind: str,
    at: datetime | None = None,
    note: str = "",
    officer_ids: list[int] | None = None,
    disposition: str = "",
    to_unit_id: int | None = None,
) -> Incident:
    """Append one step to the incident's timeline (派警、受领、到场、处置、结束、改派、备注)."""
    if kind not in STEP_ACTION or kind == StepKind.LINKED_CALL:
        raise ServiceError("处警节点无效", {"kind": "处警节点无效"})
    require(actor, STEP_ACTION[kind])
    moment = _moment(at, "at")
    _visible_incident(actor, incident_id)
    with transaction.atomic():
        incident = _locked(incident_id)
        try:
            target = next_status(incident.status, kind)
        except ValueError as exc:
            raise Conflict(str(exc), {"kind": str(exc)}) from exc
        last = incident.steps.order_by("-at").values_list("at", flat=True).first() or incident.received_at
        if moment < last:
            raise ServiceError(
                "时间不能早于上一处警节点", {"at": f"不能早于 {timezone.localtime(last):%Y-%m-%d %H:%M:%S}"}
            )
        changes: dict[str, Any] = {"status": [incident.status, target or incident.status]}
        extra: dict[str, Any] = {}
        from_unit = to_unit = None
        if kind == StepKind.DISPATCHED:
            officers = _officers(incident, officer_ids or [])
            incident.officers.add(*officers)
            extra["officers"] = [o.pk for o in officers]
            changes["officers"] = [None, [o.username for o in officers]]
        elif kind == StepKind.HANDLED:
            if disposition not in Disposition.values:
                raise ServiceError("请选择处置结果", {"disposition": "请选择处置结果"})
            incident.disposition, incident.disposition_note = disposition, note.strip()
            changes["disposition"] = [None, disposition]
        elif kind == StepKind.REROUTED:
            to_unit = _reroute_target(actor, to_unit_id, incident)
            if not note.strip():
                raise ServiceError("请说明改派原因", {"note": "请说明改派原因"})
            from_unit, incident.unit = incident.unit, to_unit
            changes["unit"] = [from_unit.code, to_unit.code]
        if target is not None:
            incident.status = target
        field = MILESTONE_FIELD.get(kind)
        if field and getattr(incident, field) is None:
            setattr(incident, field, moment)
        incident.version = F("version") + 1
        incident.save()
        incident.refresh_from_db()
        _record_step(
            incident,
            actor=actor,
            kind=kind,
            at=moment,
            note=note.strip(),
            from_unit=from_unit,
            to_unit=to_unit,
            details=extra,
        )
        audit_record(actor=actor, action=f"incident.{kind}", obj=incident, changes=changes)
    return incident


def _officers(incident: Incident, officer_ids: list[int]) -> list[User]:
    if not officer_ids:
        raise ServiceError("请选择处警民警", {"officers": "请选择处警民警"})
    allowed = {u.pk: u for u in responders_for(incident)}
    ids = list(dict.fromkeys(officer_ids))
    chosen = [allowed[i] for i in ids if i in allowed]
    if len(chosen) != len(ids):
        raise ServiceError("只能指派本单位或统一指挥范围内的民警", {"officers": "所选民警不在指挥范围内"})
    return chosen


def _reroute_target(actor: Any, to_unit_id: int | None, incident: Incident) -> Unit:
    unit = Unit.objects.filter(pk=to_unit_id, is_active=True).first() if to_unit_id else None
    if unit is None:
        raise ServiceError("请选择改派单位", {"to_unit": "请选择改派单位"})
    target = unit if unit.is_team else route_for_station(unit).unit
    if target.pk == incident.unit_id:
        raise ServiceError("改派单位与当前处警单位相同", {"to_unit": "改派单位与当前处警单位相同"})
    # Re-routing hands the incident to a unit the actor commands, or (command center) anywhere.
    if not unit_scope(actor).contains(target.path):
        raise ServiceError("无权改派到该单位", {"to_unit": "该单位不在您的指挥范围内"})
    return target
