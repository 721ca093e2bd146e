"""Writes of dispute mediation (矛盾纠纷化解): registration, risk level, routes (治安调解 / 公调衔接 / 移交),
sessions, agreements, failure, follow-up visits (回访), judicial confirmation (司法确认) and closure.

Every write checks the policy (who may, and on which dispute), runs in one transaction, moves the
status only through jingwu.mediation.workflow, writes a history line and an audit entry. A dispute
linked to an administrative case under police mediation also records the legal events of
jingwu/data/legal_events.yaml on the case's timeline, so that supervision's MD-* rules apply.
Visibility is checked before a transaction opens, so that a refusal's audit entry is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, has_capability, require, unit_scope
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.choices import CaseKind
from jingwu.cases.models import Case
from jingwu.cases.services import visible_case
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.mediation import workflow
from jingwu.mediation.choices import (
    ConfirmationResult,
    DisputeSource,
    FollowOn,
    FollowUpStatus,
    PartyRole,
    RiskLevel,
    Route,
    SessionResult,
)
from jingwu.mediation.models import (
    Agreement,
    AgreementTerm,
    Dispute,
    DisputeHistory,
    DisputeParty,
    DisputeRoute,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
)
from jingwu.mediation.periods import confirmation_due
from jingwu.mediation.risk import RiskSuggestion, suggest_risk
from jingwu.mediation.rules import dispute_types, rules
from jingwu.org.models import User
from jingwu.people.models import Person
from jingwu.people.services import person_create
from jingwu.timeline.services import legal_event_record

STAFF_ROLES = frozenset({"dispatcher", "officer", "unit_chief", "legal_officer", "legal_affairs", "leader"})
MEDIATING_STAFF = frozenset({"officer", "unit_chief"})
MAX_PARTIES = 30


@dataclass(frozen=True)
class PartyInput:
    """A party of a new dispute: a registered person, or one to register (name, ID number, phone)."""

    role: str
    person_id: int | None = None
    name: str = ""
    id_number: str = ""
    phone: str = ""


@dataclass(frozen=True)
class TermInput:
    """A term of an agreement (协议条款)."""

    text: str
    amount: Decimal | None = None
    due_on: date | None = None


# --------------------------------------------------------------------------------------------------
# scope


def scope_q(actor: Any) -> Q:
    """The disputes the actor may see: station staff their unit scope, mediators the disputes ever
    referred to them, assistants the disputes they reported. Several roles add up."""
    if not has_capability(actor, "dispute.view"):
        return Q(pk__in=[])
    roles = actor.role_codes
    query = Q(pk__in=[])
    if not roles.isdisjoint(STAFF_ROLES):
        scope = unit_scope(actor)
        if scope.everything:
            return Q()  # (an empty Q would vanish from an OR: Q(pk__in=[]) | Q() is Q(pk__in=[]))
        query |= scope.q("station")
    if "mediator" in roles:
        query |= Q(pk__in=DisputeRoute.objects.filter(mediator=actor).values("dispute_id"))
    if "assistant" in roles:
        query |= Q(reported_by=actor)
    return query


def visible_disputes(actor: Any) -> QuerySet[Dispute]:
    return Dispute.objects.filter(scope_q(actor))


def visible_dispute(actor: Any, dispute_id: int) -> Dispute:
    """The dispute if the actor may see it; a 404 (audited) otherwise."""
    require(actor, "dispute.view")
    dispute = (
        visible_disputes(actor)
        .select_related("station", "village__parent", "case", "incident")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        audit_record(
            actor=actor,
            action="dispute.view",
            object_type="mediation.dispute",
            object_id=dispute_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return dispute


def is_station_mediator(actor: Any, dispute: Dispute) -> bool:
    """An officer or chief whose scope holds the dispute's station."""
    return (
        has_capability(actor, "dispute.mediate")
        and not actor.role_codes.isdisjoint(MEDIATING_STAFF)
        and unit_scope(actor).contains(dispute.station.path)
    )


def may_mediate(actor: Any, dispute: Dispute, route: DisputeRoute | None = None) -> bool:
    """Station officers in scope; the people's mediator only on the route referred to them."""
    if is_station_mediator(actor, dispute):
        return True
    route = route or dispute.current_route
    return (
        has_capability(actor, "dispute.mediate")
        and "mediator" in actor.role_codes
        and route is not None
        and route.route == Route.PEOPLE
        and route.mediator_id == actor.pk
    )


def _refuse(actor: Any, action: str, dispute: Dispute, message: str = "无权办理该纠纷") -> None:
    audit_record(actor=actor, action=action, obj=dispute, outcome=Outcome.DENIED)
    raise PermissionDenied(message)


def _mediable(actor: Any, dispute_id: int, action: str) -> Dispute:
    require(actor, "dispute.mediate")
    dispute = visible_dispute(actor, dispute_id)
    if not may_mediate(actor, dispute):
        _refuse(actor, action, dispute)
    return dispute


def _station_only(actor: Any, dispute_id: int, action: str) -> Dispute:
    require(actor, "dispute.mediate")
    dispute = visible_dispute(actor, dispute_id)
    if not is_station_mediator(actor, dispute):
        _refuse(actor, action, dispute, "只有辖区民警可以办理此事项")
    return dispute


# --------------------------------------------------------------------------------------------------
# helpers


def _locked(dispute_id: int) -> Dispute:
    return (
        Dispute.objects.select_for_update(of=("self",)).select_related("station", "case").get(pk=dispute_id)
    )


def _log(dispute: Dispute, actor: Any, text: str, at: datetime | None = None) -> None:
    DisputeHistory.objects.create(dispute=dispute, actor=actor, text=text[:300], at=at or timezone.now())


def _move(dispute: Dispute, actor: Any, target: str, text: str = "", at: datetime | None = None) -> None:
    """Change the status through the transition table, with its history line. `resolved` says whether
    the dispute stands resolved after the change (an agreement, or closing one) — docs/mediation.md."""
    source = dispute.status
    act = workflow.check(source, target)
    dispute.status = target
    dispute.closed_at = (at or timezone.now()) if target == "closed" else None
    dispute.version += 1
    dispute.save(update_fields=["status", "closed_at", "version", "updated_at"])
    DisputeHistory.objects.create(
        dispute=dispute,
        actor=actor,
        at=at or timezone.now(),
        text=(text or act)[:300],
        from_status=source,
        to_status=target,
        resolved=target == "agreed" or (target == "closed" and source == "agreed"),
    )


def _case_event(dispute: Dispute, route: DisputeRoute, actor: Any, code: str, at: datetime) -> None:
    """A legal event on the linked administrative case, for police mediation only (治安调解)."""
    if route.route != Route.POLICE or dispute.case_id is None:
        return
    case = dispute.case
    legal_event_record(
        actor=actor, subject_type="case", subject_id=case.pk, code=code, at=at, unit=case.reviewing_unit
    )


def _text(value: str, field: str, message: str, limit: int = 0) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, {field: message})
    if limit and len(value) > limit:
        raise ServiceError(f"最多{limit}个字", {field: f"最多{limit}个字"})
    return value


def _amount(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError("金额格式不正确", {field: "请填写金额（元）"}) from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise ServiceError("金额须为非负数", {field: "金额须为非负数"})
    return amount


def _when(at: datetime | None, dispute: Dispute, field: str = "at") -> datetime:
    """When a step happened as stated: not in the future, not before the dispute was registered."""
    moment = stated_moment(at, field)
    if moment < dispute.registered_at:
        raise ServiceError("时间不能早于纠纷登记时间", {field: "时间不能早于纠纷登记时间"})
    return moment


def _day(value: date | None, field: str) -> date:
    """A stated day, not after today (Asia/Shanghai)."""
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise ServiceError("日期不能晚于今天", {field: "日期不能晚于今天"})
    return value


def prior_disputes(person_ids: list[int], *, before: datetime, exclude_id: int | None = None) -> int:
    """Disputes registered in the rules' window before `before` between the same parties: at least two
    of these persons (one, when only one is known) were parties. Not scoped: a system signal, shown as
    a count only."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    window = rules().risk.repeat_window_days
    need = 2 if len(ids) >= 2 else 1
    found = (
        DisputeParty.objects.filter(
            person_id__in=ids,
            dispute__registered_at__lt=before,
            dispute__registered_at__gte=before - timedelta(days=window),
        )
        .exclude(dispute_id=exclude_id)
        .values("dispute_id")
        .annotate(n=Count("person_id", distinct=True))
        .filter(n__gte=need)
    )
    return found.count()


def risk_suggestion(dispute: Dispute) -> RiskSuggestion:
    """The system's suggestion for a registered dispute, from its current description and parties."""
    person_ids = list(dispute.parties.values_list("person_id", flat=True))
    return suggest_risk(
        description=dispute.description,
        prior_disputes=prior_disputes(person_ids, before=dispute.registered_at, exclude_id=dispute.pk),
        party_count=len(person_ids),
    )


def _village(village_id: int | None) -> Division:
    village = (
        Division.objects.select_related("parent__station", "station")
        .filter(pk=village_id, level=DivisionLevel.VILLAGE)
        .first()
        if village_id
        else None
    )
    if village is None:
        raise ServiceError("请选择纠纷发生的村（社区）", {"village_id": "请选择村（社区）"})
    return village


def _party_persons(actor: Any, parties: list[PartyInput]) -> list[tuple[Person, str]]:
    """The persons of the parties: registered ones the actor may see, or new ones registered now.

    A new person with an ID number already in the registry is that person (the name must agree). A grid
    worker (assistant) may not register persons in the registry's own pages; the parties of a screening
    report are registered by name and phone only, in the assistant's unit, and audited as such.
    """
    if len(parties) < 2:
        raise ServiceError("矛盾纠纷须至少登记两方当事人", {"parties": "请至少填写两名当事人"})
    if len(parties) > MAX_PARTIES:
        raise ServiceError(f"当事人最多{MAX_PARTIES}人", {"parties": f"当事人最多{MAX_PARTIES}人"})
    found: list[tuple[Person, str]] = []
    for index, party in enumerate(parties):
        field = f"parties.{index}"
        if party.role not in PartyRole.values:
            raise ServiceError("当事人身份无效", {field: "请选择申请人、被申请人或当事人"})
        if party.person_id is not None:
            person = get_visible_or_404(actor, "person.view", Person.objects.all(), pk=party.person_id)
        elif party.id_number.strip():
            number = party.id_number.strip().upper()
            person = Person.objects.by_id_number(number).first()
            if person is not None and person.name != party.name.strip():
                raise ServiceError("身份证号码与姓名不符", {field: "该身份证号码已登记为其他姓名"})
            if person is None:
                person = _new_person(actor, party, number, field)
        else:
            person = _new_person(actor, party, None, field)
        if any(p.pk == person.pk for p, _ in found):
            raise ServiceError("同一人不能重复登记为当事人", {field: f"{person.name}已登记"})
        found.append((person, party.role))
    return found


def _new_person(actor: Any, party: PartyInput, id_number: str | None, field: str) -> Person:
    name = _text(party.name, field, "请填写当事人姓名", 40)
    if has_capability(actor, "person.create"):
        try:
            return person_create(actor=actor, name=name, id_number=id_number, phone=party.phone.strip())
        except ServiceError as exc:
            detail = "；".join(exc.field_errors.values()) or exc.message
            raise ServiceError(f"当事人{name}：{detail}", {field: detail}) from None
    phone = party.phone.strip()
    if id_number or (phone and not (phone.isdigit() and 7 <= len(phone) <= 12)):
        raise ServiceError(
            "网格排查只登记当事人姓名和电话", {field: "请只填写姓名和电话（电话为7至12位数字）"}
        )
    person = Person.objects.create(
        name=name,
        phone=phone,
        notes="网格排查登记（纠纷当事人）",
        unit=actor.unit.operational_unit(),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="person.create", obj=person, changes={"source": [None, "dispute.screening"]}
    )
    return person


# --------------------------------------------------------------------------------------------------
# registration and risk


def dispute_create(
    *,
    actor: Any,
    source: str,
    kind: str,
    village_id: int,
    description: str,
    parties: list[PartyInput],
    relationship: str = "",
    address: str = "",
    amount: Any = None,
    risk_level: str = "",
    incident_id: int | None = None,
    case_id: int | None = None,
    registered_at: datetime | None = None,
) -> Dispute:
    """登记矛盾纠纷: from an incident's disposition, a walk-in, a grid worker's screening report or a
    police–public dialogue meeting. The risk level is the officer's; left empty, the suggestion."""
    require(actor, "dispute.create")
    errors: dict[str, str] = {}
    if source not in DisputeSource.values:
        errors["source"] = "请选择纠纷来源"
    is_assistant = actor.role_codes <= {"assistant"}
    if is_assistant and source != DisputeSource.SCREENING:
        errors["source"] = "警务助理上报的纠纷来源为网格排查"
    if kind not in dispute_types():
        errors["kind"] = "请选择纠纷类型"
    if risk_level and risk_level not in RiskLevel.values:
        errors["risk_level"] = "风险等级无效"
    if source == DisputeSource.INCIDENT and incident_id is None:
        errors["incident_id"] = "来源为警情处置时须关联警情"
    if errors:
        raise ServiceError("纠纷登记信息有误，请修改后再提交", errors)
    description = _text(description, "description", "请填写纠纷简要情况")
    amount_value = _amount(amount, "amount")
    registered = stated_moment(registered_at, "registered_at")
    incident = None
    if incident_id is not None:
        incident = get_visible_or_404(
            actor,
            "incident.view",
            Incident.objects.select_related("village__parent", "station"),
            unit_field=("unit", "station"),
            pk=incident_id,
        )
        if incident.linked_dispute_id is not None:
            raise Conflict("该警情已登记为矛盾纠纷", existing_id=incident.linked_dispute_id)
    case = _linked_case(actor, case_id) if case_id is not None else None
    village = incident.village if incident is not None and not village_id else _village(village_id)
    station = village.station or village.parent.station
    if station is None:
        raise ServiceError("该村（社区）没有责任派出所", {"village_id": "该村（社区）没有责任派出所"})
    if not unit_scope(actor).contains(station.path):
        raise ServiceError("只能登记本单位辖区的纠纷", {"village_id": "该村（社区）不在您的辖区"})
    with transaction.atomic():
        persons = _party_persons(actor, parties)
        suggestion = suggest_risk(
            description=description,
            prior_disputes=prior_disputes([p.pk for p, _ in persons], before=registered),
            party_count=len(persons),
        )
        dispute = Dispute.objects.create(
            source=source,
            incident=incident,
            case=case,
            kind=kind,
            relationship=relationship.strip()[:40],
            village=village,
            address=address.strip()[:200],
            description=description,
            amount=amount_value,
            station=station,
            risk_level=risk_level or suggestion.level,
            risk_suggested=suggestion.level,
            risk_reasons=list(suggestion.reasons),
            registered_at=registered,
            # The grid worker whose screening report it is: they keep seeing it (and only such).
            reported_by=actor if "assistant" in actor.role_codes else None,
            created_by=actor,
        )
        dispute.number = f"JF{timezone.localtime(registered).year}{dispute.pk:06d}"
        dispute.save(update_fields=["number"])
        DisputeParty.objects.bulk_create(
            [DisputeParty(dispute=dispute, person=person, role=role) for person, role in persons]
        )
        DisputeHistory.objects.create(
            dispute=dispute,
            actor=actor,
            at=registered,
            text=f"登记纠纷（{DisputeSource(source).label}），系统建议风险等级：{RiskLevel(suggestion.level).label}",
            to_status="registered",
        )
        if incident is not None:
            linked = Incident.objects.filter(pk=incident.pk, linked_dispute_id__isnull=True).update(
                linked_dispute_id=dispute.pk
            )
            if not linked:
                raise Conflict("该警情已登记为矛盾纠纷")
        audit_record(
            actor=actor,
            action="dispute.create",
            obj=dispute,
            changes={
                "kind": [None, kind],
                "station": [None, station.code],
                "risk_level": [None, dispute.risk_level],
            },
        )
    return dispute


def _linked_case(actor: Any, case_id: int) -> Case:
    case = visible_case(actor, case_id)
    if case.kind != CaseKind.ADMINISTRATIVE:
        raise ServiceError("只能关联行政（治安）案件", {"case_id": "只能关联行政（治安）案件"})
    return case


def dispute_set_risk(*, actor: Any, dispute_id: int, level: str, reason: str = "") -> Dispute:
    """The officer sets the risk level (the suggestion stays beside it)."""
    dispute = _station_only(actor, dispute_id, "dispute.risk")
    if level not in RiskLevel.values:
        raise ServiceError("请选择风险等级", {"level": "请选择风险等级"})
    with transaction.atomic():
        locked = _locked(dispute.pk)
        before = locked.risk_level
        suggestion = risk_suggestion(locked)
        locked.risk_level = level
        locked.risk_suggested = suggestion.level
        locked.risk_reasons = list(suggestion.reasons)
        locked.version += 1
        locked.save(update_fields=["risk_level", "risk_suggested", "risk_reasons", "version", "updated_at"])
        _log(
            locked,
            actor,
            f"风险等级：{RiskLevel(before).label} → {RiskLevel(level).label}"
            + (f"（{reason.strip()}）" if reason.strip() else ""),
        )
        audit_record(actor=actor, action="dispute.risk", obj=locked, changes={"risk_level": [before, level]})
    return locked


# --------------------------------------------------------------------------------------------------
# routes


def police_mediation_refusal(case: Case | None, exclusions: list[str]) -> str:
    """Why police mediation (治安调解) is not allowed, or "" when it is.

    # 治安管理处罚法 第9条: 因民间纠纷引起的打架斗殴或者损毁他人财物等违反治安管理行为，
    # 情节较轻的，可以调解处理;
    # 公安机关办理行政案件程序规定 第178条 (适用范围)、第179条 (不适用的情形).
    """
    police = rules().police
    basis = "、".join(police.citation)
    if case is not None:
        if case.kind != CaseKind.ADMINISTRATIVE:
            return f"刑事案件不适用治安调解（依据：{basis}）"
        if case.offence_code and case.offence_code not in police.eligible:
            return f"案由“{case.offence}”不属于可以治安调解的违反治安管理行为（依据：{basis}）"
        if not case.offence_code:
            return "关联案件尚未确定案由，不能确定是否适用治安调解"
    unknown = [code for code in exclusions if code not in police.exclusions]
    if unknown:
        return f"未知的不适用情形：{'、'.join(unknown)}"
    if exclusions:
        names = "；".join(police.exclusions[c] for c in exclusions)
        return f"具有不适用调解处理的情形：{names}（依据：公安机关办理行政案件程序规定 第179条）"
    return ""


def dispute_route(
    *,
    actor: Any,
    dispute_id: int,
    route: str,
    mediator_id: int | None = None,
    body: str = "",
    note: str = "",
    exclusions: list[str] | None = None,
    case_id: int | None = None,
    at: datetime | None = None,
) -> DisputeRoute:
    """Choose or change the route (化解途径). The previous route ends, its history stays. Police mediation is
    checked against the rules data; a people's-mediation referral names the mediator who will see it."""
    dispute = _station_only(actor, dispute_id, "dispute.route")
    if route not in Route.values:
        raise ServiceError("请选择化解途径", {"route": "请选择化解途径"})
    case = _linked_case(actor, case_id) if case_id is not None else dispute.case
    mediator = None
    errors: dict[str, str] = {}
    if route == Route.POLICE:
        refusal = police_mediation_refusal(case, exclusions or [])
        if refusal:
            raise ServiceError(refusal, {"route": refusal})
    elif route == Route.PEOPLE:
        mediator = (
            User.objects.filter(pk=mediator_id, is_active=True, roles__code="mediator").first()
            if mediator_id
            else None
        )
        if mediator is None:
            errors["mediator_id"] = "请选择人民调解员"
    elif body not in rules().bodies:
        errors["body"] = "请选择移交的机关"
    if errors:
        raise ServiceError("化解途径信息不完整", errors)
    target = "referred_out" if route == Route.OTHER else "in_mediation"
    now = _when(at, dispute)
    with transaction.atomic():
        locked = _locked(dispute.pk)
        if locked.status in {"agreed", "closed"}:
            raise Conflict(f"纠纷{workflow.STATES[locked.status]}，不能变更化解途径")
        current = DisputeRoute.objects.filter(dispute=locked, ended_at__isnull=True).first()
        if current is not None:
            current.ended_at = now
            current.save(update_fields=["ended_at"])
        if case is not None and locked.case_id != case.pk:
            locked.case = case
            locked.save(update_fields=["case", "updated_at"])
        new = DisputeRoute.objects.create(
            dispute=locked,
            route=route,
            mediator=mediator,
            body=body if route == Route.OTHER else "",
            note=note.strip(),
            started_at=now,
            started_by=actor,
        )
        label = Route(route).label
        if mediator is not None:
            label += f"：{mediator.unit.name} {mediator.full_name}"
        elif route == Route.OTHER:
            label += f"：{rules().bodies[body]}"
        if locked.status != target:
            _move(locked, actor, target, f"化解途径：{label}", now)
        else:
            _log(locked, actor, f"变更化解途径：{label}", now)
        audit_record(
            actor=actor,
            action="dispute.route",
            obj=locked,
            changes={
                "route": [current.route if current else None, route],
                "mediator": [None, mediator.username if mediator else None],
            },
        )
    return new


# --------------------------------------------------------------------------------------------------
# sessions, agreement, failure


def _mediating_route(dispute: Dispute) -> DisputeRoute:
    route = dispute.current_route
    if route is None or route.route == Route.OTHER or dispute.status not in {"in_mediation"}:
        raise Conflict("纠纷不在调解中：请先选择治安调解或人民调解途径")
    return route


def session_record(
    *,
    actor: Any,
    dispute_id: int,
    held_at: datetime | None,
    place: str,
    participants: str,
    summary: str,
    result: str,
) -> MediationSession:
    """记录调解: one session of the current route. Under police mediation with a linked case, the first
    two sessions are the timeline's mediation_first_session / mediation_second_session (MD-003)."""
    dispute = _mediable(actor, dispute_id, "dispute.session")
    if result not in SessionResult.values:
        raise ServiceError("请选择调解结果", {"result": "请选择调解结果"})
    place = _text(place, "place", "请填写调解地点", 100)
    participants = _text(participants, "participants", "请填写参加人员", 300)
    summary = _text(summary, "summary", "请填写调解情况")
    held = stated_moment(held_at, "held_at")
    if held < dispute.registered_at:
        raise ServiceError("调解时间不能早于纠纷登记时间", {"held_at": "调解时间不能早于纠纷登记时间"})
    with transaction.atomic():
        locked = _locked(dispute.pk)
        route = _mediating_route(locked)
        session = MediationSession.objects.create(
            dispute=locked,
            route=route,
            held_at=held,
            place=place,
            participants=participants,
            summary=summary,
            result=result,
            recorded_by=actor,
        )
        count = route.sessions.count()
        if count <= 2:
            _case_event(
                locked,
                route,
                actor,
                "mediation_first_session" if count == 1 else "mediation_second_session",
                held,
            )
        _log(locked, actor, f"第{count}次调解（{place}）：{SessionResult(result).label}", held)
        audit_record(actor=actor, action="dispute.session", obj=locked, changes={"result": [None, result]})
    return session


def agreement_record(
    *,
    actor: Any,
    dispute_id: int,
    concluded_on: date | None,
    terms: list[TermInput],
    facts: str = "",
    session_id: int | None = None,
    at: datetime | None = None,
) -> Agreement:
    """达成调解协议: the terms (each with its amount and performance date); each dated term gets a
    follow-up visit (回访). The agreement is effective on `concluded_on` (the parties' signatures)."""
    dispute = _mediable(actor, dispute_id, "dispute.agreement")
    concluded = _day(concluded_on, "concluded_on")
    recorded = _when(at, dispute)
    if concluded < timezone.localdate(dispute.registered_at):
        raise ServiceError("协议日期不能早于纠纷登记日期", {"concluded_on": "协议日期不能早于纠纷登记日期"})
    if not terms:
        raise ServiceError("调解协议须至少有一项条款", {"terms": "请填写协议条款"})
    cleaned: list[TermInput] = []
    for index, term in enumerate(terms):
        field = f"terms.{index}"
        text = _text(term.text, field, "请填写条款内容", 300)
        if term.due_on is not None and term.due_on < concluded:
            raise ServiceError("履行期限不能早于协议日期", {field: "履行期限不能早于协议日期"})
        cleaned.append(TermInput(text, _amount(term.amount, field), term.due_on))
    with transaction.atomic():
        locked = _locked(dispute.pk)
        route = _mediating_route(locked)
        session = None
        if session_id is not None:
            session = MediationSession.objects.filter(pk=session_id, dispute=locked).first()
            if session is None:
                raise ServiceError("调解记录不属于该纠纷", {"session_id": "调解记录不属于该纠纷"})
        sequence = locked.agreements.count() + 1
        agreement = Agreement.objects.create(
            dispute=locked,
            route=route,
            session=session,
            number=f"{locked.number}-XY{sequence}",
            concluded_on=concluded,
            facts=facts.strip() or locked.description,
            recorded_by=actor,
        )
        for number, term in enumerate(cleaned, start=1):
            row = AgreementTerm.objects.create(
                agreement=agreement, number=number, text=term.text, amount=term.amount, due_on=term.due_on
            )
            if term.due_on is not None:
                FollowUp.objects.create(dispute=locked, term=row, due_on=term.due_on)
        at = recorded
        _move(locked, actor, "agreed", f"达成调解协议 {agreement.number}（{len(cleaned)}项条款）", at)
        _case_event(locked, route, actor, "mediation_agreement_reached", at)
        audit_record(
            actor=actor,
            action="dispute.agreement",
            obj=locked,
            changes={"agreement": [None, agreement.number]},
        )
    return agreement


def mediation_fail(
    *,
    actor: Any,
    dispute_id: int,
    reason: str,
    follow_on: str,
    follow_on_case_id: int | None = None,
    at: datetime | None = None,
) -> Dispute:
    """调解不成: why, and what follows (e.g. the case proceeds as an administrative case — 治安管理处罚法
    第9条: 经调解未达成协议的，依法处罚，并告知当事人可以就民事争议向人民法院起诉)."""
    dispute = _mediable(actor, dispute_id, "dispute.fail")
    reason = _text(reason, "reason", "请填写调解不成的原因")
    when = _when(at, dispute)
    if follow_on not in FollowOn.values:
        raise ServiceError("请选择后续处理", {"follow_on": "请选择后续处理"})
    case = None
    if follow_on_case_id is not None:
        if not is_station_mediator(actor, dispute):
            raise ServiceError(
                "关联后续案件由辖区民警办理", {"follow_on_case_id": "关联后续案件由辖区民警办理"}
            )
        case = _linked_case(actor, follow_on_case_id)
    with transaction.atomic():
        locked = _locked(dispute.pk)
        route = locked.current_route
        if locked.status not in {"in_mediation", "reopened"}:
            raise Conflict(f"纠纷当前状态为“{workflow.STATES[locked.status]}”，不能记录调解不成")
        locked.failure_reason = reason
        locked.follow_on = follow_on
        locked.follow_on_case = case
        locked.save(update_fields=["failure_reason", "follow_on", "follow_on_case", "updated_at"])
        at = when
        _move(locked, actor, "failed", f"调解不成：{reason}；后续：{FollowOn(follow_on).label}", at)
        if route is not None:
            _case_event(locked, route, actor, "mediation_failed", at)
        audit_record(actor=actor, action="dispute.fail", obj=locked, changes={"follow_on": [None, follow_on]})
    return locked


def dispute_close(*, actor: Any, dispute_id: int, note: str = "", at: datetime | None = None) -> Dispute:
    """结案. An agreement with follow-up visits still pending cannot be closed by hand."""
    dispute = _station_only(actor, dispute_id, "dispute.close")
    when = _when(at, dispute)
    with transaction.atomic():
        locked = _locked(dispute.pk)
        if locked.status == "agreed" and locked.follow_ups.filter(status=FollowUpStatus.PENDING).exists():
            raise Conflict("尚有待回访的协议条款，回访确认履行后方可结案")
        _move(locked, actor, "closed", "结案" + (f"：{note.strip()}" if note.strip() else ""), when)
        audit_record(
            actor=actor, action="dispute.close", obj=locked, changes={"status": [dispute.status, "closed"]}
        )
    return locked


# --------------------------------------------------------------------------------------------------
# follow-up and judicial confirmation


def _follow_up_visible(actor: Any, follow_up_id: int) -> FollowUp:
    row = FollowUp.objects.select_related("term__agreement__route").filter(pk=follow_up_id).first()
    if row is None:
        raise Http404
    visible_dispute(actor, row.dispute_id)
    return row


def follow_up_record(
    *,
    actor: Any,
    follow_up_id: int,
    performed: bool,
    note: str = "",
    visited_on: date | None = None,
    at: datetime | None = None,
) -> FollowUp:
    """回访: was the term performed? Not performed reopens the dispute (and, under police mediation of a
    case, records agreement_not_performed: the case proceeds, MD-004). When every term of the agreement
    is performed, the dispute closes as resolved (agreement_performed)."""
    require(actor, "dispute.mediate")
    row = _follow_up_visible(actor, follow_up_id)
    dispute = visible_dispute(actor, row.dispute_id)
    route = row.term.agreement.route
    if not may_mediate(actor, dispute, route):
        _refuse(actor, "dispute.follow_up", dispute)
    when = _when(at, dispute)
    visited = _day(visited_on or timezone.localdate(when), "visited_on")
    if not performed and not note.strip():
        raise ServiceError("未履行须说明情况", {"note": "请说明未履行的情况"})
    with transaction.atomic():
        locked_row = FollowUp.objects.select_for_update().get(pk=row.pk)
        if locked_row.status != FollowUpStatus.PENDING:
            raise Conflict("该条款已回访")
        locked = _locked(dispute.pk)
        locked_row.status = FollowUpStatus.PERFORMED if performed else FollowUpStatus.NOT_PERFORMED
        locked_row.note = note.strip()
        locked_row.visited_on = visited
        locked_row.recorded_by = actor
        locked_row.save(update_fields=["status", "note", "visited_on", "recorded_by"])
        term = row.term
        at = when
        if not performed:
            if locked.status in {"agreed", "closed"}:
                _move(
                    locked,
                    actor,
                    "reopened",
                    f"回访：协议第{term.number}条未履行，纠纷重新开启（{note.strip()}）",
                    at,
                )
            else:
                _log(locked, actor, f"回访：协议第{term.number}条未履行（{note.strip()}）", at)
            _case_event(locked, route, actor, "agreement_not_performed", at)
        else:
            _log(locked, actor, f"回访：协议第{term.number}条已履行", at)
            agreement = term.agreement
            rows = FollowUp.objects.filter(term__agreement=agreement)
            if not rows.exclude(status=FollowUpStatus.PERFORMED).exists():
                _case_event(locked, route, actor, "agreement_performed", at)
                if locked.status == "agreed":
                    _move(locked, actor, "closed", f"协议 {agreement.number} 全部履行，结案", at)
        audit_record(
            actor=actor,
            action="dispute.follow_up",
            obj=locked,
            changes={"term": [None, term.pk], "status": [FollowUpStatus.PENDING, locked_row.status]},
        )
    return locked_row


def visible_agreement(actor: Any, agreement_id: int) -> Agreement:
    agreement = Agreement.objects.select_related("route", "dispute").filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404
    visible_dispute(actor, agreement.dispute_id)
    return agreement


def confirmation_apply(
    *, actor: Any, agreement_id: int, applied_on: date | None, court: str = "", note: str = ""
) -> JudicialConfirmation:
    """司法确认申请 for a people's-mediation agreement (人民调解法 第33条). A late application is recorded
    with the fact that it is late: the court decides whether to accept it."""
    require(actor, "dispute.mediate")
    agreement = visible_agreement(actor, agreement_id)
    dispute = agreement.dispute
    if not may_mediate(actor, dispute, agreement.route):
        _refuse(actor, "dispute.confirmation", dispute)
    if agreement.route.route != Route.PEOPLE:
        raise Conflict("只有人民调解协议可以申请司法确认")
    applied = _day(applied_on, "applied_on")
    if applied < agreement.concluded_on:
        raise ServiceError("申请日期不能早于协议生效日期", {"applied_on": "申请日期不能早于协议生效日期"})
    due = confirmation_due(agreement.concluded_on)
    late = applied > due.due_on
    with transaction.atomic():
        if JudicialConfirmation.objects.filter(agreement=agreement).exists():
            raise Conflict("该协议已申请司法确认")
        row = JudicialConfirmation.objects.create(
            agreement=agreement,
            applied_on=applied,
            court=court.strip() or rules().confirmation.court,
            note=note.strip(),
            recorded_by=actor,
        )
        _log(
            dispute,
            actor,
            f"申请司法确认（{row.court}，{applied:%Y-%m-%d}）" + ("，已超过申请期限" if late else ""),
        )
        audit_record(
            actor=actor,
            action="dispute.confirmation",
            obj=dispute,
            changes={"applied_on": [None, str(applied)]},
        )
    return row


def confirmation_decide(
    *, actor: Any, agreement_id: int, result: str, decided_on: date | None, note: str = ""
) -> JudicialConfirmation:
    """The court's ruling. A rejection (驳回申请) reopens the dispute: the agreement no longer settles it
    (人民调解法 第33条第3款: 当事人可以通过人民调解方式变更原调解协议或者达成新的调解协议，也可以起诉)."""
    require(actor, "dispute.mediate")
    agreement = visible_agreement(actor, agreement_id)
    dispute = agreement.dispute
    if not may_mediate(actor, dispute, agreement.route):
        _refuse(actor, "dispute.confirmation", dispute)
    if result not in {ConfirmationResult.CONFIRMED, ConfirmationResult.REJECTED}:
        raise ServiceError("请选择裁定结果", {"result": "请选择裁定结果"})
    decided = _day(decided_on, "decided_on")
    with transaction.atomic():
        row = JudicialConfirmation.objects.select_for_update().filter(agreement=agreement).first()
        if row is None:
            raise Conflict("该协议尚未申请司法确认")
        if row.result != ConfirmationResult.PENDING:
            raise Conflict("司法确认结果已登记")
        if decided < row.applied_on:
            raise ServiceError("裁定日期不能早于申请日期", {"decided_on": "裁定日期不能早于申请日期"})
        row.result, row.decided_on, row.note = result, decided, (note.strip() or row.note)
        row.save(update_fields=["result", "decided_on", "note"])
        locked = _locked(dispute.pk)
        label = ConfirmationResult(result).label
        if result == ConfirmationResult.REJECTED and locked.status in {"agreed", "closed"}:
            _move(locked, actor, "reopened", f"司法确认：{label}，纠纷重新开启")
        else:
            _log(locked, actor, f"司法确认：{label}")
        audit_record(
            actor=actor, action="dispute.confirmation", obj=locked, changes={"result": [None, result]}
        )
    return row
