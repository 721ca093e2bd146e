"""Writes of case handling (案件办理): acceptance, unified review and assignment, the workflow's
transitions with their approvals (法制审核/审批) and gates, parties, measures, and deliberations.

Every write checks the policy, runs in one transaction, records legal events on the case's timeline
(jingwu.timeline) and a line of history, and writes an audit entry. Visibility is checked before a
transaction opens, so that a refusal's audit entry is never rolled back.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, require, scope_of_unit, unit_scope
from jingwu.access.roles import APPROVER_ROLES, CAPABILITIES
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.choices import ApprovalDecision, ApprovalStatus, CaseKind, CaseSource, PartyRole
from jingwu.cases.models import (
    Approval,
    Case,
    CaseActivity,
    CaseNumberCounter,
    CaseParty,
    Deliberation,
    Measure,
)
from jingwu.cases.offences import offences
from jingwu.cases.workflow import Transition, WorkflowError, workflow
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.incidents.models import Incident
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User
from jingwu.people.models import Person
from jingwu.supervision.services import deadlines_refresh_in_transaction
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import legal_event_record, vocabulary

SCOPE_FIELDS = ("station", "reviewing_unit", "handling_unit")
# The bureau's case-management center reviews the cases of stations outside a joint station.
BUREAU_REVIEW_UNIT = "wp-zx"


# --------------------------------------------------------------------------------------------------
# helpers


def visible_case(actor: Any, case_id: int) -> Case:
    """The case if the actor may see it (procurators: criminal cases only); a 404 otherwise."""
    cases = Case.objects.all()
    if procurator_only(actor):
        cases = cases.filter(kind=CaseKind.CRIMINAL)
    return get_visible_or_404(actor, "case.view", cases, unit_field=SCOPE_FIELDS, pk=case_id)


def procurator_only(actor: Any) -> bool:
    """Procurators read criminal cases only, unless another of their roles reads cases too."""
    others = actor.role_codes - {"procurator"}
    return "procurator" in actor.role_codes and others.isdisjoint(CAPABILITIES["case.view"])


def is_case_officer(actor: Any, case: Case) -> bool:
    """One of the case's own officers (本案办案民警): its lead or an assisting officer, or a unit chief whose
    unit scope holds the case. The custody log and the property records let them change their case's
    records."""
    if case.lead_officer_id == actor.pk or case.officers.filter(pk=actor.pk).exists():
        return True
    if "unit_chief" not in actor.role_codes:
        return False
    scope = unit_scope(actor)
    return any(scope.contains(unit.path) for name in SCOPE_FIELDS if (unit := getattr(case, name)))


def _locked(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("station", "reviewing_unit")
        .get(pk=case_id)
    )


def _log(case: Case, actor: Any, text: str, at: datetime | None = None) -> None:
    CaseActivity.objects.create(case=case, actor=actor, text=text[:300], at=at or timezone.now())


def _events(
    case: Case,
    actor: Any,
    codes: tuple[str, ...] | list[str],
    at: datetime,
    *,
    person: str = "",
    fields: dict[str, Any] | None = None,
) -> None:
    for code in codes:
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=case.pk,
            code=code,
            at=at,
            unit=case.reviewing_unit,
            person=person,
            fields=fields or {},
        )


# Station -> reviewing unit, per process: every acceptance asks, the org chart changes a few times a year.
# Cleared on any change of a unit or of what a joint station commands (jingwu.cases.apps); the TTL bounds
# how long another process may answer from before such a change.
ROUTING_TTL = 60.0
_routing: dict[int, tuple[float, Unit]] = {}


def routing_cache_clear(*args: Any, **kwargs: Any) -> None:
    """Forget the cached station -> reviewing unit routes (a signal receiver: any arguments)."""
    _routing.clear()


def reviewing_unit_for(station: Unit) -> Unit:
    """统一审查: a joint station's case team reviews for its members; the bureau's center for the rest."""
    if not _routing_cacheable():
        return _reviewing_unit_of(station)
    cached = _routing.get(station.pk)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    unit = _reviewing_unit_of(station)
    _routing[station.pk] = (time.monotonic() + ROUTING_TTL, unit)
    return unit


def _routing_cacheable() -> bool:
    # Inside a transaction the org chart read may be uncommitted (and later rolled back, which sends no
    # signal): only a route read outside one is kept. case_accept asks before its transaction opens.
    return not connection.in_atomic_block


def _reviewing_unit_of(station: Unit) -> Unit:
    joint = station.commanded_by.filter(kind=UnitKind.JOINT_STATION, is_active=True).first()
    if joint is not None:
        team = joint.children.filter(kind=UnitKind.CASE_TEAM, is_active=True).first()
        if team is not None:
            return team
    return Unit.objects.get(code=BUREAU_REVIEW_UNIT)


def _next_number(unit: Unit, year: int) -> str:
    """Numbers come from a counter row updated in the caller's transaction: the row lock makes
    concurrent acceptances wait, so no number is given twice (and a unique index guards it).

    One statement in the common case (`UPDATE … RETURNING`); the year's first number creates the row
    with an upsert, so that two first acceptances racing for it both get a number."""
    quote = connection.ops.quote_name
    table, last, year_ = quote(CaseNumberCounter._meta.db_table), quote("last"), quote("year")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE unit_id = %s AND {year_} = %s RETURNING {last}",
            [unit.pk, year],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (unit_id, {year_}, {last}) VALUES (%s, %s, 1) ON CONFLICT (unit_id, "
                f"{year_}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
                [unit.pk, year],
            )
            row = cursor.fetchone()
    return f"{unit.code.upper()}-{year}-{row[0]:05d}"


def _offence(code: str, kind: str) -> str:
    offence = offences().get(code)
    if offence is None or offence.kind != kind:
        raise ServiceError("案由与案件类别不符", {"offence_code": "请选择与案件类别相符的案由"})
    return offence.name


# --------------------------------------------------------------------------------------------------
# acceptance and review


def case_accept(
    *,
    actor: Any,
    kind: str,
    title: str,
    facts: str,
    source: str,
    incident_id: int | None = None,
    station_id: int | None = None,
    reporter_id: int | None = None,
    transfer_agency: str = "",
    offence_code: str = "",
    accepted_at: datetime | None = None,
) -> Case:
    """受案: register a case from an incident's disposition, a walk-in report or a transfer; it lands in
    the review queue of the unit that reviews for its station."""
    require(actor, "case.accept")
    errors: dict[str, str] = {}
    if kind not in CaseKind.values:
        errors["kind"] = "请选择案件类别"
    if source not in CaseSource.values:
        errors["source"] = "案件来源无效"
    title, facts = title.strip(), facts.strip()
    if not title:
        errors["title"] = "请填写案件名称"
    if not facts:
        errors["facts"] = "请填写简要案情"
    if source == CaseSource.TRANSFER and not transfer_agency.strip():
        errors["transfer_agency"] = "请填写移送机关"
    if errors:
        raise ServiceError("受案信息有误，请修改后再提交", errors)
    accepted = stated_moment(accepted_at, "accepted_at")
    incident = None
    if incident_id is not None:
        incident = get_visible_or_404(
            actor,
            "incident.view",
            Incident.objects.select_related("station"),
            unit_field=("unit", "station"),
            pk=incident_id,
        )
        if incident.linked_case_id is not None:
            raise Conflict("该警情已转为案件", existing_id=incident.linked_case_id)
        station = incident.station
    elif station_id is not None:
        station = Unit.objects.filter(pk=station_id, kind=UnitKind.STATION).first()
        if station is None:
            raise ServiceError("请选择辖区派出所", {"station_id": "请选择辖区派出所"})
    else:
        station = actor.unit.operational_unit()
        if station.kind != UnitKind.STATION:
            raise ServiceError("请选择辖区派出所", {"station_id": "请选择辖区派出所"})
    if not unit_scope(actor).contains(station.path) and incident is None:
        raise ServiceError("只能受理本单位辖区的案件", {"station_id": "该派出所不在您的范围内"})
    offence = _offence(offence_code, kind) if offence_code else ""
    reporter = (
        Person.objects.filter(pk=reporter_id).first()
        if reporter_id
        else (incident.caller if incident else None)
    )
    reviewing = reviewing_unit_for(station)
    with transaction.atomic():
        case = Case.objects.create(
            number=f"~{secrets.token_hex(8)}",  # provisional, replaced before the commit (see below)
            kind=kind,
            title=title,
            facts=facts,
            source=source,
            incident=incident,
            transfer_agency=transfer_agency.strip(),
            station=station,
            reviewing_unit=reviewing,
            accepted_at=accepted,
            offence_code=offence_code,
            offence=offence,
            created_by=actor,
        )
        if reporter is not None:
            CaseParty.objects.create(case=case, person=reporter, role=PartyRole.REPORTER)
        received = incident.received_at if incident else accepted
        _events(
            case,
            actor,
            ["report_received"],
            received,
            fields={"incident": incident.number} if incident else None,
        )
        _events(
            case, actor, ["case_accepted" if kind == CaseKind.CRIMINAL else "admin_case_accepted"], accepted
        )
        # Conditional, so that of two concurrent conversions of one incident one is rolled back.
        converted = incident is None or Incident.objects.filter(
            pk=incident.pk, linked_case_id__isnull=True
        ).update(linked_case_id=case.pk)
        if not converted:
            raise Conflict("该警情已转为案件")
        _log(case, actor, f"受案，进入{reviewing.name}审查队列", accepted)
        # The new case's deadlines in this transaction: one commit fewer than a refresh after it.
        deadlines_refresh_in_transaction(subject_type="case", subject_id=case.pk)
        # The number last: the counter's row lock serialises the acceptances of a reviewing unit, so it is
        # held from here to the commit only, not across the writes above (measured: waits on that lock
        # were most of the database's time under 8 concurrent acceptances).
        case.number = _next_number(reviewing, timezone.localtime(accepted).year)
        Case.objects.filter(pk=case.pk).update(number=case.number)
        audit_record(
            actor=actor,
            action="case.accept",
            obj=case,
            changes={"kind": [None, kind], "reviewing_unit": [None, reviewing.code]},
        )
    return case


def case_assign(
    *,
    actor: Any,
    case_id: int,
    version: int,
    kind: str,
    offence_code: str,
    is_major: bool,
    lead_officer_id: int,
    officer_ids: list[int] | None = None,
) -> Case:
    """统一审查指派: the reviewer sets the kind, the offence, whether the case is major, and the officers.
    `version` is the one the reviewer saw: a concurrent edit is reported, never overwritten."""
    require(actor, "case.review")
    case = visible_case(actor, case_id)
    if case.status in workflow().terminal:
        raise Conflict("案件已办结，不能再审查指派")
    if kind != case.kind and case.status != "accepted":
        raise Conflict("立案后不能更改案件类别", {"kind": "立案后不能更改案件类别"})
    if kind not in CaseKind.values:
        raise ServiceError("请选择案件类别", {"kind": "请选择案件类别"})
    offence = _offence(offence_code, kind)
    # The station's own officers, or those of the unit that reviews for it (a joint station's case team).
    reach = scope_of_unit(case.station).q("unit") | scope_of_unit(case.reviewing_unit).q("unit")
    candidates = User.objects.filter(reach, is_active=True, roles__code__in=["officer", "unit_chief"])
    lead = candidates.filter(pk=lead_officer_id).select_related("unit").first()
    if lead is None:
        raise ServiceError("主办民警须为辖区或统一指挥范围内的民警", {"lead_officer_id": "请选择主办民警"})
    ids = [i for i in dict.fromkeys(officer_ids or []) if i != lead.pk]
    helpers = list(candidates.filter(pk__in=ids).distinct())
    if len(helpers) != len(ids):
        raise ServiceError("协办民警须为辖区或统一指挥范围内的民警", {"officer_ids": "所选民警不在范围内"})
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=version).update(
            kind=kind,
            offence_code=offence_code,
            offence=offence,
            is_major=is_major,
            lead_officer=lead,
            handling_unit=lead.unit.operational_unit(),
            version=F("version") + 1,
        )
        if not updated:
            raise Conflict("该案件已被他人修改，请刷新后重试")
        case.refresh_from_db()
        case.officers.set(helpers)
        _log(
            case,
            actor,
            f"审查指派：{offence}，主办 {lead.full_name}" + ("，重大疑难复杂" if is_major else ""),
        )
        audit_record(
            actor=actor,
            action="case.assign",
            obj=case,
            changes={
                "offence": [None, offence],
                "lead_officer": [None, lead.username],
                "is_major": [None, is_major],
            },
        )
    return case


# --------------------------------------------------------------------------------------------------
# transitions and approvals


def case_request(*, actor: Any, case_id: int, transition: str, reason: str = "") -> Case | Approval:
    """Ask for a transition: run it now when it needs no approval, else open an approval request."""
    try:
        step = workflow().transition(transition)
    except WorkflowError:
        raise ServiceError("未知的流程操作", {"transition": "流程操作无效"}) from None
    require(actor, step.action)
    case = visible_case(actor, case_id)
    _check_can_run(case, step, reason)
    if not step.approvals:
        with transaction.atomic():
            return _run_transition(_locked(case.pk), step, actor, reason)
    with transaction.atomic():
        # Under the case's row lock: of two requests racing at two app servers, the second waits for
        # the first's commit and then sees its pending approval (a plain check-then-insert opened two).
        case = _locked(case.pk)
        if case.approvals.filter(subject=f"transition:{step.name}", status=ApprovalStatus.PENDING).exists():
            raise Conflict(f"“{step.label}”已在审批中")
        return _open_approval(
            case,
            actor,
            ("transition", step.name),
            step.label,
            {"reason": reason},
            step.approvals,
            f"提请{step.label}",
        )


def _open_approval(
    case: Case,
    actor: Any,
    subject: tuple[str, str],
    label: str,
    payload: dict[str, Any],
    roles: tuple[str, ...],
    text: str,
) -> Approval:
    """Open an approval request (in the caller's transaction), with its history line and audit entry."""
    kind, name = subject
    approval = Approval.objects.create(
        case=case,
        subject=f"{kind}:{name}",
        label=label,
        payload=payload,
        roles=list(roles),
        submitted_by=actor,
    )
    _log(case, actor, f"{text}，待{_role_label(roles[0])}审批")
    audit_record(actor=actor, action="case.request", obj=case, changes={kind: [None, name]})
    return approval


def _role_label(role: str) -> str:
    return {"legal_officer": "法制员", "unit_chief": "办案单位负责人", "leader": "局领导"}[role]


def _check_can_run(case: Case, step: Transition, reason: str) -> None:
    """The transition's guards; each refusal names what is missing."""
    if case.kind not in step.kinds:
        raise Conflict(f"{case.get_kind_display()}不适用“{step.label}”")
    if case.status not in step.sources:
        raise Conflict(f"案件当前状态为“{workflow().states[case.status]}”，不能“{step.label}”")
    if "assigned" in step.requires and (case.lead_officer_id is None or not case.offence_code):
        raise Conflict("请先完成审查指派（案由、主办民警）")
    if "reason" in step.requires and not reason.strip():
        raise ServiceError(f"“{step.label}”须说明理由", {"reason": "请说明理由"})
    if (
        "deliberation_if_major" in step.requires
        and case.is_major
        and not case.deliberations.filter(passed=True).exists()
    ):
        raise Conflict(f"重大疑难复杂案件须经集体议案通过后方可“{step.label}”")


def _run_transition(case: Case, step: Transition, actor: Any, reason: str) -> Case:
    _check_can_run(case, step, reason)
    now = timezone.now()
    before = case.status
    case.status = step.target
    if step.target == "filed" and case.filed_at is None:
        case.filed_at = now
    if step.target in workflow().terminal:
        case.closed_at = now
    if reason.strip():
        case.decision_reason = reason.strip()
    case.version = F("version") + 1
    case.save()
    case.refresh_from_db()
    _events(case, actor, step.events.get(case.kind, ()), now)
    _log(case, actor, f"{step.label}" + (f"：{reason.strip()}" if reason.strip() else ""), now)
    audit_record(actor=actor, action=f"case.{step.name}", obj=case, changes={"status": [before, case.status]})
    return case


def approval_decide(*, actor: Any, approval_id: int, decision: str, opinion: str = "") -> Approval:
    """One approver's decision. The last approval runs the requested action; a return ends the request."""
    require(actor, "case.approve")
    approval = Approval.objects.select_related("case").filter(pk=approval_id).first()
    if approval is None:
        raise Http404  # as for one outside the scope: probing ids tells nothing
    visible_case(actor, approval.case_id)
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict("该审批事项已办结")
    role = approval.waiting_for
    if actor.role_codes.isdisjoint(APPROVER_ROLES[role]):
        audit_record(actor=actor, action="case.approve", obj=approval.case, outcome=Outcome.DENIED)
        raise ServiceError(f"该事项待{_role_label(role)}审批", {"decision": "您不是当前环节的审批人"})
    if approval.submitted_by_id == actor.pk:
        # 审批回避: nobody approves what they asked for themselves.
        raise ServiceError("不能审批本人提请的事项", {"decision": "不能审批本人提请的事项"})
    if decision not in ApprovalDecision.values:
        raise ServiceError("请选择同意或退回", {"decision": "请选择同意或退回"})
    if decision == ApprovalDecision.RETURN and not opinion.strip():
        raise ServiceError("退回须写明审核意见", {"opinion": "请写明审核意见"})
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if approval.status != ApprovalStatus.PENDING or approval.waiting_for != role:
            raise Conflict("该审批事项已被他人处理，请刷新")
        approval.history = [
            *approval.history,
            {
                "role": role,
                "user": actor.username,
                "name": actor.full_name,
                "decision": decision,
                "opinion": opinion.strip(),
                "at": timezone.now().isoformat(),
            },
        ]
        case = _locked(approval.case_id)
        verdict = "同意" if decision == ApprovalDecision.APPROVE else "退回"
        _log(
            case,
            actor,
            f"{_role_label(role)}审批“{approval.label}”：{verdict}"
            + (f"。{opinion.strip()}" if opinion.strip() else ""),
        )
        if decision == ApprovalDecision.RETURN:
            approval.status, approval.decided_at = ApprovalStatus.RETURNED, timezone.now()
        elif approval.step + 1 < len(approval.roles):
            approval.step += 1
        else:
            approval.status, approval.decided_at = ApprovalStatus.APPROVED, timezone.now()
            _perform(approval, case, actor)
        approval.save()
        audit_record(
            actor=actor,
            action=f"case.approval.{decision}",
            obj=case,
            changes={"subject": [None, approval.subject], "step": [None, role]},
        )
    return approval


def _perform(approval: Approval, case: Case, actor: Any) -> None:
    """Run what an approval was for, as the officer who asked (the approver is recorded on the log)."""
    kind, _, name = approval.subject.partition(":")
    requester = approval.submitted_by
    if kind == "transition":
        _run_transition(case, workflow().transition(name), requester, approval.payload.get("reason", ""))
    elif kind == "measure":
        _start_measure(case, requester, approval.payload)
    elif kind == "event":
        _record_party_event(case, requester, approval.payload)


# --------------------------------------------------------------------------------------------------
# parties, measures, events, deliberations


def party_add(*, actor: Any, case_id: int, person_id: int, role: str) -> CaseParty:
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    if role not in PartyRole.values:
        raise ServiceError("当事人身份无效", {"role": "当事人身份无效"})
    person = get_visible_or_404(actor, "person.view", Person.objects.all(), pk=person_id)
    if case.status in workflow().terminal:
        raise Conflict("案件已办结，不能再添加当事人")
    with transaction.atomic():
        party, created = CaseParty.objects.get_or_create(case=case, person=person, role=role)
        if created:
            _log(case, actor, f"添加{party.get_role_display()}：{person.name}")
            audit_record(actor=actor, action="case.party_add", obj=case, changes={"party": [None, party.key]})
    return party


def _party(case: Case, party_id: int) -> CaseParty:
    party = case.parties.filter(pk=party_id).select_related("person").first()
    if party is None:
        raise ServiceError("当事人不属于该案件", {"party_id": "请选择本案当事人"})
    return party


def measure_request(
    *, actor: Any, case_id: int, party_id: int, kind: str, started_at: datetime | None = None, note: str = ""
) -> Measure | Approval:
    """Record a coercive measure on a party; one that needs approval opens an approval request and
    starts when the last approver agrees (at the stated time, or at the approval if none)."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    measure = workflow().measures.get(kind)
    if measure is None or case.kind not in measure.kinds:
        raise ServiceError("该案件类别不适用此措施", {"kind": "措施无效"})
    if case.status not in ("filed", "returned") and not (
        kind in {"summons", "compelled_appearance"} and case.status == "accepted"
    ):
        raise Conflict(f"案件当前状态为“{workflow().states[case.status]}”，不能采取{measure.label}")
    party = _party(case, party_id)
    started = stated_moment(started_at, "started_at") if started_at else None
    if (
        "arrest_approved" in measure.requires
        and not LegalEvent.objects.filter(
            subject_type="case", subject_id=case.pk, code="arrest_approved", person=party.key
        ).exists()
    ):
        raise Conflict("执行逮捕须先登记检察院批准逮捕决定")
    if started is not None and started < case.accepted_at:
        raise ServiceError("措施开始时间不能早于受案时间", {"started_at": "不能早于受案时间"})
    payload = {
        "measure": kind,
        "party_id": party.pk,
        "started_at": started.isoformat() if started else None,
        "note": note.strip(),
    }
    with transaction.atomic():
        # Under the case's row lock, as in case_request: of two requests racing at two app servers the
        # second waits for the first's commit, then sees its measure or its pending approval.
        case = _locked(case.pk)
        if Measure.objects.filter(party=party, kind=kind, ended_at__isnull=True).exists():
            raise Conflict(f"该当事人的{measure.label}尚未结束")
        if case.approvals.filter(
            subject=f"measure:{kind}", status=ApprovalStatus.PENDING, payload__party_id=party.pk
        ).exists():
            raise Conflict(f"对{party.person.name}的{measure.label}已在审批中")
        if measure.approvals:
            return _open_approval(
                case,
                actor,
                ("measure", kind),
                f"{measure.label}（{party.person.name}）",
                payload,
                measure.approvals,
                f"提请对{party.person.name}{measure.label}",
            )
        return _start_measure(case, actor, payload)


def _start_measure(case: Case, actor: Any, payload: dict[str, Any]) -> Measure:
    definition = workflow().measures[payload["measure"]]
    party = _party(case, payload["party_id"])
    # Checked again here: an approval may have waited while someone else started the same measure.
    if Measure.objects.filter(party=party, kind=definition.name, ended_at__isnull=True).exists():
        raise Conflict(f"该当事人的{definition.label}尚未结束")
    started = datetime.fromisoformat(payload["started_at"]) if payload.get("started_at") else timezone.now()
    measure = Measure.objects.create(
        case=case,
        party=party,
        kind=definition.name,
        started_at=started,
        note=payload.get("note", ""),
        created_by=actor,
    )
    _events(case, actor, [definition.start], started, person=party.key)
    _log(case, actor, f"{definition.label}：{party.person.name}", started)
    audit_record(
        actor=actor, action="case.measure_start", obj=case, changes={"measure": [None, definition.name]}
    )
    return measure


def measure_end(*, actor: Any, measure_id: int, ended_at: datetime | None = None) -> Measure:
    require(actor, "case.handle")
    measure = Measure.objects.select_related("party__person").filter(pk=measure_id).first()
    if measure is None:
        raise Http404
    case = visible_case(actor, measure.case_id)
    ended = stated_moment(ended_at, "ended_at")
    if measure.ended_at is not None:
        raise Conflict("该措施已结束")
    if ended < measure.started_at:
        raise ServiceError("结束时间不能早于开始时间", {"ended_at": "结束时间不能早于开始时间"})
    definition = workflow().measures[measure.kind]
    with transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(ended_at=ended)
        measure.ended_at = ended
        _events(case, actor, [definition.end], ended, person=measure.party.key)
        _log(case, actor, f"结束{definition.label}：{measure.party.person.name}", ended)
        audit_record(
            actor=actor, action="case.measure_end", obj=case, changes={"measure": [definition.name, None]}
        )
    return measure


def party_event_record(
    *, actor: Any, case_id: int, party_id: int, code: str, at: datetime | None = None, note: str = ""
) -> LegalEvent | Approval:
    """A dated step on a party that is not a measure (通知家属、讯问、提请批准逮捕、检察院批捕决定…).
    One that the workflow gates (event_approvals) opens an approval request and is recorded, at the
    stated time, when the last approver agrees."""
    require(actor, "case.handle")
    case = visible_case(actor, case_id)
    if code not in workflow().party_events.get(case.kind, ()):
        raise ServiceError("该案件类别不适用此事项", {"code": "事项无效"})
    party = _party(case, party_id)
    moment = stated_moment(at)
    payload = {"code": code, "party_id": party.pk, "at": moment.isoformat(), "note": note.strip()}
    approvals = workflow().event_approvals.get(code, ())
    with transaction.atomic():
        if approvals:
            # Under the case's row lock (see measure_request): a racing second request sees the first's.
            case = _locked(case.pk)
            if case.approvals.filter(
                subject=f"event:{code}", status=ApprovalStatus.PENDING, payload__party_id=party.pk
            ).exists():
                raise Conflict(f"对{party.person.name}的“{_event_name(code)}”已在审批中")
            return _open_approval(
                case,
                actor,
                ("event", code),
                f"{_event_name(code)}（{party.person.name}）",
                payload,
                approvals,
                f"提请“{_event_name(code)}”（{party.person.name}）",
            )
        return _record_party_event(case, actor, payload)


def _record_party_event(case: Case, actor: Any, payload: dict[str, Any]) -> LegalEvent:
    party = _party(case, payload["party_id"])
    moment = datetime.fromisoformat(payload["at"])
    event = legal_event_record(
        actor=actor,
        subject_type="case",
        subject_id=case.pk,
        code=payload["code"],
        at=moment,
        unit=case.reviewing_unit,
        person=party.key,
        fields={"note": payload["note"]} if payload["note"] else {},
    )
    _log(case, actor, f"{_event_name(payload['code'])}：{party.person.name}", moment)
    audit_record(actor=actor, action="case.event", obj=case, changes={"event": [None, payload["code"]]})
    return event


def _event_name(code: str) -> str:
    return vocabulary()[code].name_zh


def deliberation_record(
    *,
    actor: Any,
    case_id: int,
    topic: str,
    held_at: datetime,
    participant_ids: list[int],
    opinions: list[dict[str, str]],
    decision: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int = 0,
) -> Deliberation:
    """集体议案: a leader records the meeting on a major case — participants, opinions, decision, vote."""
    require(actor, "case.deliberate")
    case = visible_case(actor, case_id)
    errors: dict[str, str] = {}
    if not topic.strip():
        errors["topic"] = "请填写议题"
    if not decision.strip():
        errors["decision"] = "请填写议定事项"
    participants = list(User.objects.filter(pk__in=set(participant_ids), is_active=True))
    if len(participants) < 3:
        errors["participant_ids"] = "集体议案参会人员不少于3人"
    if min(votes_for, votes_against, votes_abstain) < 0 or votes_for + votes_against + votes_abstain > len(
        participants
    ):
        errors["votes_for"] = "表决票数与参会人数不符"
    if errors:
        raise ServiceError("议案记录有误", errors)
    held = stated_moment(held_at, "held_at")
    with transaction.atomic():
        meeting = Deliberation.objects.create(
            case=case,
            topic=topic.strip(),
            held_at=held,
            chair=actor,
            decision=decision.strip(),
            opinions=[{"name": o.get("name", ""), "opinion": o.get("opinion", "")} for o in opinions],
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstain=votes_abstain,
            # A simple majority of those present carries the decision.
            passed=votes_for * 2 > len(participants),
            created_by=actor,
        )
        meeting.participants.set(participants)
        _log(case, actor, f"集体议案：{meeting.topic}（{'通过' if meeting.passed else '未通过'}）", held)
        audit_record(
            actor=actor, action="case.deliberation", obj=case, changes={"passed": [None, meeting.passed]}
        )
    return meeting
