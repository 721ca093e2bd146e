"""Demo stays of the case-handling center (执法办案管理中心) on the demo cases: people already gone
(released, or delivered to 武平县看守所 after a criminal detention) and two or three inside now — one close
to the legal limit of its summons, so the center's screen shows amber. Times are relative to the moment
of loading, like the demo cases'."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.choices import CaseKind, PartyRole
from jingwu.cases.models import Case, CaseParty, Measure
from jingwu.core.demo_data import chinese_name, id_number, mobile
from jingwu.core.errors import Conflict
from jingwu.custody import services
from jingwu.custody.models import CustodyStay
from jingwu.org.models import User
from jingwu.people.choices import Sex
from jingwu.people.services import person_create

APPROVERS = {"legal_officer": "legal_affairs", "leader": "leader"}  # bureau-wide demo accounts


@dataclass(frozen=True)
class Scenario:
    kind: str  # the case kind wanted
    hours_ago: float  # when the summons began (到案)
    stay_hours: float | None  # None: still inside
    exit_to: str = "released"
    detained: bool = False  # 刑事拘留 during the stay, then 送看守所


SCENARIOS = (
    Scenario(CaseKind.CRIMINAL, 52, 6.5),
    Scenario(CaseKind.ADMINISTRATIVE, 30, 4),
    Scenario(CaseKind.CRIMINAL, 27, 9, exit_to="detention_center", detained=True),
    Scenario(CaseKind.CRIMINAL, 2.5, None),
    Scenario(CaseKind.ADMINISTRATIVE, 7 + 1 / 3, None),  # 8-hour limit: amber on the screen
    Scenario(CaseKind.CRIMINAL, 5, None, detained=True),  # detained, waiting for the detention house
)
ITEMS = [
    ("手机", "黑色华为手机一部，屏幕完好"),
    ("钱包", "棕色皮质钱包，内有身份证、银行卡2张"),
    ("现金", "人民币现金"),
    ("钥匙", "摩托车钥匙及家门钥匙一串"),
    ("腰带", "黑色皮带一条（安全检查暂扣）"),
]
LOG_TEXTS = {
    "safety_check": "进行人身安全检查，未发现违禁品及危险物品，体表无明显外伤。",
    "health": "本人自述身体健康，无传染病、慢性病史，未服用药物。",
    "info_collection": "采集人像、指纹、DNA及声纹信息，已比对入库。",
    "meal_rest": "按时提供盒饭和饮用水，安排休息。",
}


def _user(name: str) -> User:
    return User.objects.select_related("unit").get(username=name)


def _person(rng: random.Random, case: Case, officer: User) -> Any:
    male = rng.random() < 0.85
    for _attempt in range(8):
        try:
            return person_create(
                actor=officer,
                name=chinese_name(rng),
                sex=Sex.MALE if male else Sex.FEMALE,
                id_number=id_number(rng, male=male),
                phone=mobile(rng),
                address=f"福建省武平县{case.station.name.removesuffix('派出所')}{rng.randrange(1, 120)}号",
            )
        except Conflict:
            continue  # the number exists already: draw another
    raise RuntimeError("no free demo ID number")


def _approve(approval: Any) -> None:
    while approval.status == "pending":
        approval = case_services.approval_decide(
            actor=_user(APPROVERS[approval.waiting_for]),
            approval_id=approval.pk,
            decision="approve",
            opinion="符合法定条件，同意。",
        )


def _cases(now: datetime) -> list[Case]:
    """Open demo cases with a lead officer, oldest first: summons may be taken on them."""
    return list(
        Case.objects.filter(
            status="filed", lead_officer__isnull=False, accepted_at__lt=now - timedelta(days=3)
        )
        .select_related("station", "reviewing_unit", "handling_unit", "lead_officer__unit")
        .order_by("accepted_at", "id")
    )


def load(rng: random.Random) -> int:
    if CustodyStay.objects.exists():
        return 0
    now = timezone.now()
    custody = _user("custody")
    pool = _cases(now)
    created = 0
    for scenario in SCENARIOS:
        case = next((c for c in pool if c.kind == scenario.kind), None)
        if case is None:
            continue
        pool.remove(case)
        _stay(rng, case, custody, scenario, now)
        created += 1
    return created


def _stay(rng: random.Random, case: Case, custody: User, scenario: Scenario, now: datetime) -> None:
    officer = case.lead_officer
    person = _person(rng, case, officer)
    party: CaseParty = case_services.party_add(
        actor=officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT
    )
    arrived = (now - timedelta(hours=scenario.hours_ago)).replace(second=0, microsecond=0)
    summons = case_services.measure_request(
        actor=officer, case_id=case.pk, party_id=party.pk, kind="summons", started_at=arrived
    )
    assert isinstance(summons, Measure)
    colleagues = [u for u in services.officer_candidates(case) if u.pk != officer.pk]
    partner = colleagues[rng.randrange(len(colleagues))] if colleagues else officer
    entered = arrived + timedelta(minutes=rng.choice([5, 8, 12, 15]))
    station = case.station.name.removesuffix("派出所")
    prefix = "武公（" + station[:1] + "）" + ("传字" if case.kind == CaseKind.CRIMINAL else "行传字")
    stay = services.stay_register(
        actor=custody,
        case_id=case.pk,
        party_id=party.pk,
        measure_id=summons.pk,
        basis_document=f"{prefix}〔{timezone.localtime(arrived).year}〕{rng.randrange(10, 300)}号",
        brought_by_ids=list(dict.fromkeys([officer.pk, partner.pk])),
        entered_at=entered,
        note=f"由{officer.full_name}从{station}带至办案中心",
    )
    minutes = 5
    for kind in ("safety_check", "health", "info_collection"):
        services.stay_log_add(
            actor=custody,
            stay_id=stay.pk,
            kind=kind,
            text=LOG_TEXTS[kind],
            at=entered + timedelta(minutes=minutes),
        )
        minutes += rng.choice([5, 8, 10])
    for name, description in rng.sample(ITEMS, rng.choice([1, 2, 3])):
        services.belonging_add(
            actor=custody,
            stay_id=stay.pk,
            name=name,
            quantity=1,
            description=description + (f"{rng.randrange(2, 30) * 50}元" if name == "现金" else ""),
            at=entered + timedelta(minutes=6),
        )
    session_start = entered + timedelta(minutes=minutes + 10)
    rooms = ["xw1", "xw2"] if case.kind == CaseKind.CRIMINAL else ["xx1", "xx2"]
    limit = now if scenario.stay_hours is None else entered + timedelta(hours=scenario.stay_hours)
    span = min(timedelta(hours=2), (limit - session_start) * 0.6)
    if span > timedelta(minutes=20) and partner.pk != officer.pk:
        services.session_add(
            actor=custody,
            stay_id=stay.pk,
            kind="interrogation" if case.kind == CaseKind.CRIMINAL else "inquiry",
            room=rooms[stay.pk % 2],
            started_at=session_start,
            ended_at=session_start + span,
            officer_ids=[officer.pk, partner.pk],
        )
        if session_start + span + timedelta(minutes=30) < limit:
            services.stay_log_add(
                actor=custody,
                stay_id=stay.pk,
                kind="meal_rest",
                text=LOG_TEXTS["meal_rest"],
                at=session_start + span + timedelta(minutes=20),
            )
    if scenario.detained:
        detained_at = entered + timedelta(hours=min(3.0, scenario.hours_ago / 2))
        _approve(
            case_services.measure_request(
                actor=officer,
                case_id=case.pk,
                party_id=party.pk,
                kind="criminal_detention",
                started_at=detained_at,
                note="涉嫌犯罪，依法刑事拘留",
            )
        )
        case_services.party_event_record(
            actor=officer, case_id=case.pk, party_id=party.pk, code="family_notified", at=detained_at
        )
    if scenario.stay_hours is None:
        return
    exited = entered + timedelta(hours=scenario.stay_hours)
    to_detention = scenario.exit_to == "detention_center"
    services.stay_exit(
        actor=custody,
        stay_id=stay.pk,
        destination=scenario.exit_to,
        exited_at=exited,
        note="送武平县看守所羁押" if to_detention else "询问查证完毕，责令其离开",
        return_all=not to_detention,
        received_by=person.name,
        signature_confirmed=True,
        unreturned_reason="随身物品随案移交武平县看守所代为保管" if to_detention else "",
    )
