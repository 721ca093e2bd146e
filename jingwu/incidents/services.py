"""Writes of 接处警: intake, re-routing, dispatch, the steps to disposition and close.

Every write checks the policy, runs in one transaction, records the step on the incident's timeline,
the statutory 110 events on the legal timeline, and an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, require, scope_of_unit, unit_scope, visible_to
from jingwu.audit.services import audit_record
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.identity import InvalidIdentity, normalise_id_number, normalise_phone, sex_from_id_number
from jingwu.core.moments import stated_moment
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Priority, Source, StepKind
from jingwu.incidents.models import Incident, IncidentStep, LinkedCallKey
from jingwu.incidents.routing import area_of, route_for, route_for_station
from jingwu.incidents.taxonomy import taxonomy
from jingwu.incidents.workflow import MILESTONE_FIELD, STEP_ACTION, next_status
from jingwu.org.models import Unit, User
from jingwu.people.choices import Sex
from jingwu.people.models import Person
from jingwu.people.services import person_create
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import legal_event_record, legal_events_record_many

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
    known = (Person.objects.by_id_number(id_number).first() if id_number else None) or (
        Person.objects.by_phone(phone).order_by("id").first() if phone and not id_number else None
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
    received = stated_moment(received_at, "received_at")
    village = (
        Division.objects.select_related("parent", "station")
        .filter(code=village_code, level=DivisionLevel.VILLAGE)
        .first()
    )
    narrative = (narrative or "").strip()
    errors = _intake_problems(
        source=source,
        village=village,
        category=category,
        subcategory=subcategory,
        priority=priority,
        narrative=narrative,
    )
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


def _intake_problems(
    *, source: str, village: Division | None, category: str, subcategory: str, priority: Any, narrative: str
) -> dict[str, str]:
    """The intake's field errors, in Chinese (empty when the call may be recorded)."""
    errors: dict[str, str] = {}
    if village is None:
        errors["village_code"] = "请选择武平县的村（社区）"
    if source not in Source.values:
        errors["source"] = "报警方式无效"
    if not taxonomy().is_valid(category, subcategory):
        errors["subcategory"] = "警情类别或细类无效"
    if priority not in Priority.values:
        errors["priority"] = "等级须为1至3"
    if not narrative:
        errors["narrative"] = "请填写简要警情"
    return errors


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
    moment = stated_moment(at, "at")
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


# --------------------------------------------------------------------------------------------------
# bulk intake (批量接警): the provincial 110 platform or a busy command room hands over many calls at once


@dataclass(frozen=True)
class BatchItemResult:
    """One call of a batch: 201 created, 200 already recorded under its key, 400 refused (errors)."""

    status: int
    incident: Incident | None = None
    errors: dict[str, str] | None = None


BATCH_LIMIT = 500


def incident_create_batch(*, actor: Any, items: list[dict[str, Any]]) -> list[BatchItemResult]:
    """Record many calls in one transaction with set-based writes: the same validation, routing,
    timeline, legal events and idempotency as `incident_create`, one audit entry for the batch.

    Linked calls (`link_to`) are not taken here. When a key races with another request, the batch
    falls back to `incident_create` call by call, which resolves each race on its own.
    """
    require(actor, "incident.create")
    if not items or len(items) > BATCH_LIMIT:
        raise ServiceError(f"每批1至{BATCH_LIMIT}条", {"items": f"每批1至{BATCH_LIMIT}条"})
    keys = [item.get("idempotency_key") or None for item in items]
    known = dict(
        Incident.objects.filter(idempotency_key__in=[k for k in keys if k]).values_list(
            "idempotency_key", "pk"
        )
    )
    known |= dict(
        LinkedCallKey.objects.filter(key__in=[k for k in keys if k]).values_list("key", "incident_id")
    )
    villages = {
        v.code: v
        for v in Division.objects.select_related("parent", "station").filter(
            code__in={item.get("village_code") for item in items}, level=DivisionLevel.VILLAGE
        )
    }
    routes: dict[int, Any] = {}
    results: list[BatchItemResult | None] = [None] * len(items)
    pending: list[tuple[int, dict[str, Any]]] = []
    first_of_key: dict[str, int] = {}
    for index, item in enumerate(items):
        key = keys[index]
        if key and (key in known or key in first_of_key):
            continue  # answered below, once the incidents exist
        if item.get("link_to") is not None:
            results[index] = BatchItemResult(
                400, errors={"link_to": "批量接警不受理并入已有警情，请逐条提交"}
            )
            continue
        try:
            received = stated_moment(item.get("received_at"), "received_at")
        except ServiceError as exc:
            results[index] = BatchItemResult(400, errors=exc.field_errors)
            continue
        village = villages.get(item.get("village_code", ""))
        narrative = (item.get("narrative") or "").strip()
        errors = _intake_problems(
            source=item.get("source", Source.PHONE_110),
            village=village,
            category=item.get("category", ""),
            subcategory=item.get("subcategory", ""),
            priority=item.get("priority", Priority.NORMAL),
            narrative=narrative,
        )
        caller = {"name": (item.get("caller_name") or "").strip(), "phone": "", "id_number": ""}
        try:
            if item.get("caller_phone"):
                caller["phone"] = normalise_phone(item["caller_phone"])
            if item.get("caller_id_number"):
                caller["id_number"] = normalise_id_number(item["caller_id_number"])
        except InvalidIdentity as exc:
            errors["caller"] = str(exc)
        if errors:
            results[index] = BatchItemResult(400, errors=errors)
            continue
        if village.station_id not in routes:
            routes[village.station_id] = route_for(village)
        route = routes[village.station_id]
        if key:
            first_of_key[key] = index
        pending.append(
            (
                index,
                {
                    "received_at": received,
                    "source": item.get("source", Source.PHONE_110),
                    "village": village,
                    "address": (item.get("address") or "").strip(),
                    "area": area_of(village),
                    "category": item["category"],
                    "subcategory": item["subcategory"],
                    "priority": item.get("priority", Priority.NORMAL),
                    "narrative": narrative,
                    "station": route.station,
                    "unit": route.unit,
                    "idempotency_key": key,
                    "caller": caller,
                },
            )
        )
    try:
        created = _create_many(actor, pending)
    except IntegrityError:
        return [result or _one_by_one(actor, item) for result, item in zip(results, items, strict=True)]
    for index, incident in created.items():
        results[index] = BatchItemResult(201, incident)
    by_key = {incident.idempotency_key: incident for incident in created.values() if incident.idempotency_key}
    visible = {
        i.pk: i
        for i in visible_to(
            actor,
            "incident.view",
            Incident.objects.filter(pk__in=known.values()),
            unit_field=("unit", "station"),
        )
    }
    for index, key in enumerate(keys):
        if results[index] is None and key:
            incident = by_key.get(key) or visible.get(known.get(key, 0))
            results[index] = (
                BatchItemResult(200, incident)
                if incident
                else BatchItemResult(404, errors={"idempotency_key": "未找到"})
            )
    return [r if r is not None else BatchItemResult(400, errors={"__all__": "未处理"}) for r in results]


def _one_by_one(actor: Any, item: dict[str, Any]) -> BatchItemResult:
    try:
        result = incident_create(actor=actor, **item)
    except ServiceError as exc:
        return BatchItemResult(400, errors=exc.field_errors or {"__all__": exc.message})
    return BatchItemResult(201 if result.created else 200, result.incident)


def _create_many(actor: Any, pending: list[tuple[int, dict[str, Any]]]) -> dict[int, Incident]:
    if not pending:
        return {}
    with transaction.atomic():
        callers, registered = _callers_many(actor, [row["caller"] for _, row in pending])
        incidents = [
            Incident(**{k: v for k, v in row.items() if k != "caller"}, caller=callers[n], created_by=actor)
            for n, (_, row) in enumerate(pending)
        ]
        Incident.objects.bulk_create(incidents)
        for incident in incidents:
            incident.number = f"J350824{timezone.localtime(incident.received_at):%Y%m%d}{incident.pk:06d}"
        Incident.objects.bulk_update(incidents, ["number"])
        IncidentStep.objects.bulk_create(
            [
                IncidentStep(
                    incident=i, kind=StepKind.RECEIVED, at=i.received_at, actor=actor, to_unit=i.unit
                )
                for i in incidents
            ]
        )
        legal_events_record_many(
            [
                LegalEvent(
                    subject_type="incident",
                    subject_id=i.pk,
                    code="incident_received",
                    at=i.received_at,
                    unit=i.unit,
                    recorded_by=actor,
                    incident=i.number,
                    fields={"area": i.area, "kind": i.category},
                )
                for i in incidents
            ]
        )
        audit_record(
            actor=actor,
            action="incident.create_batch",
            object_type="incidents.incident",
            object_label=f"{len(incidents)} 起警情",
            changes={"ids": [i.pk for i in incidents], "callers_registered": registered},
        )
    return {index: incident for (index, _), incident in zip(pending, incidents, strict=True)}


def _callers_many(actor: Any, callers: list[dict[str, str]]) -> tuple[list[Person | None], list[int]]:
    """The registry's person for each caller (by ID number, then phone), registering the unknown ones
    in one statement; an anonymous call has none."""
    ids = {c["id_number"] for c in callers if c["id_number"]}
    phones = {c["phone"] for c in callers if c["phone"] and not c["id_number"]}
    by_id = {p.id_number: p for p in Person.objects.by_id_numbers(ids)}
    by_phone: dict[str, Person] = {}
    for person in Person.objects.by_phones(phones).order_by("-id"):
        by_phone[person.phone] = person  # the oldest registration wins, as in _caller
    new: dict[str, Person] = {}
    unit = actor.unit.operational_unit()
    found: list[Person | None] = []
    for caller in callers:
        key = caller["id_number"] or caller["phone"]
        if not (caller["name"] or key):
            found.append(None)
            continue
        person = by_id.get(caller["id_number"]) if caller["id_number"] else by_phone.get(caller["phone"])
        if person is None and key:
            person = new.get(key)
        if person is None:
            person = Person(
                name=caller["name"] or "匿名报警人",
                phone=caller["phone"],
                id_number=caller["id_number"] or None,
                sex=sex_from_id_number(caller["id_number"]) if caller["id_number"] else Sex.UNKNOWN,
                unit=unit,
                created_by=actor,
            )
            if key:
                new[key] = person
            else:
                new[f"anonymous-{len(new)}"] = person
        found.append(person)
    Person.objects.bulk_create(list(new.values()))
    return found, [p.pk for p in new.values()]
