"""Demo cases: the demo incidents that were converted to cases, walked through the workflow to
different stages by the demo accounts, so that every page of case handling has something to show."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from jingwu.access.policy import unit_scope
from jingwu.cases import services
from jingwu.cases.choices import CaseKind, CaseSource, PartyRole
from jingwu.cases.documents import document_generate
from jingwu.cases.dossier import dossier_build, dossier_receive
from jingwu.cases.models import Case
from jingwu.cases.offences import find_offence
from jingwu.core.demo_data import chinese_name, id_number, mobile
from jingwu.incidents.choices import Disposition
from jingwu.incidents.models import Incident
from jingwu.org.models import User
from jingwu.people.choices import Sex
from jingwu.people.services import person_create

OFFENCES = {  # incident sub-type → (criminal charge, administrative offence)
    "ebike_theft": ("盗窃罪", "盗窃"),
    "theft": ("盗窃罪", "盗窃"),
    "telecom_fraud": ("诈骗罪", "诈骗"),
    "fight": ("故意伤害罪", "殴打他人"),
    "gambling": ("开设赌场罪", "赌博"),
    "illegal_logging": ("滥伐林木罪", "违反规定在野外用火"),
    "drunk": ("寻衅滋事罪", "醉酒滋事"),
}
# How far each demo case goes: the share of cases stopping at each stage.
STAGES = ["accepted", "assigned", "filed", "measures", "deliberated", "finished"]


def _user(name: str) -> User:
    return User.objects.select_related("unit").get(username=name)


def _approver(case: Case, role: str) -> User | None:
    """A demo account holding `role` that may see the case."""
    for user in User.objects.filter(roles__code=role, is_active=True).select_related("unit"):
        if any(
            unit_scope(user).contains(getattr(case, f).path)
            for f in services.SCOPE_FIELDS
            if getattr(case, f) is not None
        ):
            return user
    return None


def _approve(approval: Any, case: Case) -> bool:
    """Let each required approver agree; False when the demo has nobody for a step."""
    while approval.status == "pending":
        approver = _approver(case, approval.waiting_for) or (
            _user("legal_affairs") if approval.waiting_for == "legal_officer" else None
        )
        if approver is None:
            return False
        approval = services.approval_decide(
            actor=approver, approval_id=approval.pk, decision="approve", opinion="符合规定，同意。"
        )
    return True


def load(rng: random.Random) -> int:
    if Case.objects.exists():
        return 0
    incidents = list(
        Incident.objects.filter(disposition__in=[Disposition.CRIMINAL_CASE, Disposition.ADMINISTRATIVE_CASE])
        .select_related("station", "village")
        .order_by("received_at")
    )
    created = 0
    for incident in incidents:
        # The joint station's case team handles its members' cases; elsewhere the station's case team.
        member = incident.station.commanded_by.exists()
        officer = _user("wubei_officer" if member else f"roster-{incident.station.code}-aj-1")
        kind = (
            CaseKind.CRIMINAL
            if incident.disposition == Disposition.CRIMINAL_CASE
            else CaseKind.ADMINISTRATIVE
        )
        charge, admin = OFFENCES.get(incident.subcategory, ("盗窃罪", "盗窃"))
        offence = find_offence(charge if kind == CaseKind.CRIMINAL else admin, kind)
        case = services.case_accept(
            actor=officer,
            kind=kind,
            title=f"{incident.village.name.removesuffix('村委会')}{offence.name.removesuffix('罪')}案",
            facts=incident.narrative,
            source=CaseSource.INCIDENT,
            incident_id=incident.pk,
            accepted_at=min(incident.handled_at or timezone.now(), timezone.now()),
        )
        created += 1
        _advance(rng, case, officer, offence.code, rng.choice(STAGES))
    return created


def _advance(rng: random.Random, case: Case, officer: User, offence_code: str, stage: str) -> None:
    if stage == "accepted":
        return
    reviewer = _approver(case, "legal_officer") or _user("legal_affairs")
    case = services.case_assign(
        actor=reviewer,
        case_id=case.pk,
        version=case.version,
        kind=case.kind,
        offence_code=offence_code,
        is_major=rng.random() < 0.3,
        lead_officer_id=officer.pk,
    )
    if stage == "assigned" or not _approve(
        services.case_request(actor=reviewer, case_id=case.pk, transition="file"), case
    ):
        return
    case.refresh_from_db()
    male = rng.random() < 0.8
    suspect = person_create(
        actor=officer,
        name=chinese_name(rng),
        sex=Sex.MALE if male else Sex.FEMALE,
        id_number=id_number(rng, male=male),
        phone=mobile(rng),
        address=f"武平县{case.station.name.removesuffix('派出所')}",
    )
    party = services.party_add(actor=officer, case_id=case.pk, person_id=suspect.pk, role=PartyRole.SUSPECT)
    if stage == "filed":
        return
    started = timezone.now() - timedelta(hours=rng.randrange(14, 40))
    measure = services.measure_request(
        actor=officer, case_id=case.pk, party_id=party.pk, kind="summons", started_at=started
    )
    services.measure_end(
        actor=officer, measure_id=measure.pk, ended_at=started + timedelta(hours=rng.choice([3, 6, 8]))
    )
    if case.kind == CaseKind.CRIMINAL:
        detention = services.measure_request(
            actor=officer,
            case_id=case.pk,
            party_id=party.pk,
            kind="criminal_detention",
            started_at=started + timedelta(hours=9),
        )
        _approve(detention, case)
        services.party_event_record(
            actor=officer,
            case_id=case.pk,
            party_id=party.pk,
            code="family_notified",
            at=started + timedelta(hours=12),
        )
    if stage == "measures":
        return
    if case.is_major:
        participants = [_user(n).pk for n in ("leader", "legal_affairs", "chief", "legal_officer")]
        services.deliberation_record(
            actor=_user("leader"),
            case_id=case.pk,
            topic=f"{case.title}处理意见",
            held_at=timezone.now(),
            participant_ids=participants,
            opinions=[{"name": "谢文斌", "opinion": "事实清楚，证据确实充分。"}],
            decision="同意按程序办理",
            votes_for=4,
            votes_against=0,
        )
    if stage == "deliberated":
        return
    final = "transfer_for_prosecution" if case.kind == CaseKind.CRIMINAL else "decide"
    if case.kind == CaseKind.CRIMINAL:
        document_generate(actor=officer, case_id=case.pk, kind="filing_decision")
        document_generate(actor=officer, case_id=case.pk, kind="prosecution_opinion")
    else:
        document_generate(
            actor=officer,
            case_id=case.pk,
            kind="admin_penalty_decision",
            detail=rng.choice(["罚款五百元", "行政拘留五日", "警告"]),
        )
    if not _approve(services.case_request(actor=officer, case_id=case.pk, transition=final), case):
        return
    if case.kind == CaseKind.CRIMINAL:
        # The dossier goes to the procuratorate, which signs for it.
        dossier = dossier_build(actor=officer, case_id=case.pk)
        dossier_receive(actor=_user("procurator"), dossier_id=dossier.pk, note="材料齐全，予以签收。")
    else:
        services.case_request(actor=officer, case_id=case.pk, transition="close")
