"""Demo disputes (矛盾纠纷): about twenty-five disputes across Wuping's townships, from incidents, walk-ins,
grid workers' screening and police–public dialogue meetings, taken by the demo accounts down each route
— police mediation, referral to the county people's mediation committee (the `mediator` demo account),
referral to a court, labour arbitration or a forestry station — with sessions, agreements, a judicial
confirmation, follow-ups (one overdue, one not performed and reopened) and a few high-risk disputes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.models import Case
from jingwu.core.demo_data import chinese_name, id_number, mobile
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition
from jingwu.incidents.models import Incident
from jingwu.mediation import services
from jingwu.mediation.models import Dispute, FollowUp
from jingwu.mediation.services import PartyInput, TermInput
from jingwu.org.models import User
from jingwu.people.models import Person

TOWNSHIPS = {
    "桃溪": "350824105000",
    "湘店": "350824113000",
    "大禾": "350824114000",
    "永平": "350824110000",
    "平川": "350824001000",
    "中山": "350824101000",
    "岩前": "350824102000",
    "十方": "350824103000",
    "城厢": "350824106000",
    "东留": "350824107000",
}
# Who registers and handles a township's disputes (demo accounts where there are some, else the roster).
HANDLERS = {
    "桃溪": "officer",
    "湘店": "wubei_officer",
    "大禾": "wubei_officer",
    "永平": "wubei_officer",
    "平川": "pingchuan_officer",
}


@dataclass
class Plan:
    township: str
    kind: str
    source: str
    description: str
    relationship: str
    amount: str | None
    outcome: str
    days_ago: int
    parties: int = 2
    terms: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    risk: str = ""


PLANS: list[Plan] = [
    Plan(
        "桃溪",
        "land_forest",
        "incident",
        "亭头村钟姓、刘姓两户因祖山“老虎坑”山场界址不清发生争执，刘姓一户在争议山场砍伐杉木约三十株，双方多次到山场对峙。",
        "同村村民",
        "18000",
        "people_confirmed",
        95,
        terms=[
            (
                "以老虎坑山脊分水线为界，界线以东归钟姓一户，以西归刘姓一户，双方在村干部见证下埋设界桩",
                None,
                None,
            ),
            ("刘姓一户补偿钟姓一户已砍伐杉木损失", "6000", 25),
        ],
    ),
    Plan(
        "桃溪",
        "neighbour",
        "walk_in",
        "桃溪村两户相邻，一户新建房屋屋檐滴水落入邻户宅基地，邻户多次要求改造未果，双方发生口角。",
        "邻居",
        None,
        "police_performed",
        70,
        terms=[
            ("建房一方自费加装檐沟，将滴水引入自家排水沟", None, 15),
            ("双方今后互谅互让，不再就此事争吵", None, None),
        ],
    ),
    Plan(
        "桃溪",
        "neighbour",
        "walk_in",
        "上述两户又因公用排水沟堵塞、污水溢入一方菜地发生争吵，一方扬言要把排水沟填了。",
        "邻居",
        None,
        "in_mediation",
        12,
    ),
    Plan(
        "桃溪",
        "family",
        "screening",
        "网格排查发现：田雁村一对夫妻长期因赡养老人和家庭开支争吵，妻子称丈夫酒后推搡过她。",
        "夫妻",
        None,
        "people_agreed_future",
        20,
        terms=[("丈夫承诺戒酒，每月按时交付家庭生活费", "2000", 40)],
    ),
    Plan(
        "桃溪",
        "labour",
        "screening",
        "网格排查发现：新礤村九名村民在某竹制品加工厂务工，厂方拖欠工资两个月未付，村民准备到厂里堵门讨薪。",
        "劳动关系",
        "86400",
        "referred_labour",
        30,
        parties=9,
    ),
    Plan(
        "湘店",
        "land_forest",
        "dialogue",
        "警民恳谈会上反映：尧山村与七里村交界处一片毛竹林权属有争议，两村各有村民上山砍竹，曾有人持柴刀对峙。",
        "两村村民",
        "30000",
        "referred_forestry",
        60,
        parties=4,
        risk="high",
    ),
    Plan(
        "湘店",
        "debt",
        "walk_in",
        "三和村村民借给同村村民五万元用于养殖，约定一年归还，逾期半年未还，出借人多次上门催讨。",
        "同村村民",
        "50000",
        "people_overdue_followup",
        80,
        terms=[
            ("借款人分两期归还借款，第一期归还二万元", "20000", 30),
            ("借款人归还余款三万元", "30000", -10),
        ],
    ),
    Plan(
        "大禾",
        "neighbour",
        "incident",
        "大禾村两户因宅基地界址和围墙砌筑位置发生争执，双方扭打，一方手臂擦伤。",
        "邻居",
        "3000",
        "police_case_agreed",
        40,
        terms=[
            ("砌墙一方赔偿对方医药费、误工费", "1200", 7),
            ("围墙按原宅基地界线后退二十厘米重砌", None, 30),
        ],
    ),
    Plan(
        "大禾",
        "traffic",
        "walk_in",
        "源头村村民驾驶摩托车与一辆三轮车在村道相撞，双方就修车费、医疗费赔偿数额协商不成。",
        "无",
        "8600",
        "police_not_performed",
        75,
        terms=[("三轮车驾驶人赔偿摩托车修理费和医疗费", "5200", 20)],
    ),
    Plan(
        "永平",
        "commercial",
        "walk_in",
        "帽村一家农资店与种植户就赊购化肥货款结算发生纠纷，种植户认为化肥质量有问题拒付货款。",
        "买卖关系",
        "14500",
        "referred_court",
        50,
    ),
    Plan(
        "永平",
        "neighbour",
        "dialogue",
        "警民恳谈会上反映：唐屋村两户因一方养鸡散养进入邻户菜地啄食发生多次口角。",
        "邻居",
        "500",
        "police_performed",
        45,
        terms=[("养鸡户圈养家禽，并赔偿菜地损失", "500", 10)],
    ),
    Plan(
        "永平",
        "family",
        "walk_in",
        "昭信村兄弟三人因父母遗留老屋的分割和赡养费用分摊发生争执，长兄扬言要同归于尽。",
        "兄弟",
        None,
        "registered",
        3,
        parties=3,
    ),
    Plan(
        "平川",
        "labour",
        "walk_in",
        "河东社区一装修队工人称包工头拖欠工钱，包工头称业主未结清工程款，双方在工地发生推搡。",
        "雇佣关系",
        "23000",
        "failed",
        35,
    ),
    Plan(
        "平川",
        "debt",
        "walk_in",
        "南门社区两位退休职工之间民间借贷三万元，借款人称已部分归还，双方对还款数额各执一词。",
        "朋友",
        "30000",
        "people_confirmed",
        110,
        terms=[("借款人归还出借人借款本金", "18000", 20)],
    ),
    Plan(
        "平川",
        "traffic",
        "incident",
        "东城社区路口一辆小汽车与电动自行车刮擦，电动车驾驶人腿部擦伤，双方就赔偿协商不成。",
        "无",
        "4200",
        "police_performed",
        55,
        terms=[("小汽车驾驶人一次性赔偿医疗费、误工费、车辆修理费", "4200", 0)],
    ),
    Plan(
        "中山",
        "land_forest",
        "dialogue",
        "警民恳谈会上反映：龙济村两户村民因承包山场内一块油茶林的经营权发生争执。",
        "同村村民",
        "12000",
        "people_in_mediation",
        25,
    ),
    Plan(
        "中山",
        "neighbour",
        "walk_in",
        "三联村两户因一方在公共通道堆放柴草阻碍通行发生口角。",
        "邻居",
        None,
        "police_performed",
        65,
        terms=[("堆放柴草一方三日内清理公共通道", None, 3)],
    ),
    Plan(
        "岩前",
        "commercial",
        "walk_in",
        "灵岩村两位村民合伙经营烟叶烘烤房，散伙时就设备折价和分红数额发生纠纷。",
        "合伙人",
        "40000",
        "referred_court",
        20,
    ),
    Plan(
        "岩前",
        "family",
        "incident",
        "大布村一对夫妻闹离婚，丈夫到妻子娘家吵闹，扬言要报复妻子家人。",
        "夫妻",
        None,
        "in_mediation",
        6,
        risk="high",
    ),
    Plan(
        "十方",
        "land_forest",
        "dialogue",
        "警民恳谈会上反映：彭寨村与熊新村村民因一处山塘灌溉用水分配发生争执，二十余户村民聚集。",
        "两村村民",
        None,
        "people_agreed_future",
        18,
        parties=6,
        terms=[("按两村耕地面积比例轮流放水，每七日轮换一次", None, 30)],
    ),
    Plan(
        "十方",
        "debt",
        "walk_in",
        "乐畲村村民为他人担保借款，借款人外出务工失联，出借人要求担保人还款。",
        "担保关系",
        "60000",
        "failed",
        40,
    ),
    Plan(
        "城厢",
        "neighbour",
        "walk_in",
        "香樟社区楼上住户夜间噪音扰民，楼下住户多次投诉，双方在楼道发生争吵。",
        "邻居",
        None,
        "police_performed",
        28,
        terms=[("楼上住户晚十时后不再进行装修和大声喧哗", None, 14)],
    ),
    Plan(
        "城厢",
        "labour",
        "walk_in",
        "碧水社区一家餐馆辞退厨师未结清最后一个月工资，厨师要求支付工资和经济补偿。",
        "劳动关系",
        "6500",
        "referred_labour",
        15,
    ),
    Plan(
        "东留",
        "traffic",
        "walk_in",
        "大明村村道上一辆农用车倒车撞坏邻村村民停放的摩托车，双方对修理费用有分歧。",
        "无",
        "2600",
        "police_performed",
        33,
        terms=[("农用车驾驶人赔偿摩托车修理费", "2600", 5)],
    ),
    Plan(
        "东留",
        "other",
        "screening",
        "网格排查发现：桂坑村村民因村集体土地征收补偿款分配方案对村委会不满，准备集体上访。",
        "村民与村委会",
        "150000",
        "registered",
        8,
        parties=5,
        risk="medium",
    ),
]


def _user(name: str) -> User:
    return User.objects.select_related("unit").get(username=name)


def _handler(plan: Plan) -> User:
    if plan.township in HANDLERS:
        return _user(HANDLERS[plan.township])
    return _user(f"roster-wp-ps-{TOWNSHIPS[plan.township][:9]}-sq-1")


def _village(rng: random.Random, plan: Plan) -> Division:
    villages = list(Division.objects.filter(parent__code=TOWNSHIPS[plan.township]).order_by("code"))
    return villages[rng.randrange(len(villages))]


def _parties(rng: random.Random, count: int, screening: bool) -> list[PartyInput]:
    roles = ["applicant", "respondent"] + ["party"] * count
    parties = []
    for index in range(count):
        number = ""
        while not screening and (not number or Person.objects.by_id_number(number).exists()):
            number = id_number(rng, male=rng.random() < 0.6)
        parties.append(
            PartyInput(role=roles[index], name=chinese_name(rng), id_number=number, phone=mobile(rng))
        )
    return parties


def _at(now: datetime, days_ago: float) -> datetime:
    return now - timedelta(days=days_ago)


def _terms(plan: Plan, concluded: date) -> list[TermInput]:
    today = timezone.localdate()
    out = []
    for text, amount, due in plan.terms:
        due_on = None
        if due is not None:
            due_on = (
                max(concluded + timedelta(days=due), concluded) if due >= 0 else today - timedelta(days=-due)
            )
            due_on = max(due_on, concluded)
        out.append(TermInput(text, Decimal(amount) if amount else None, due_on))
    return out


def _admin_case(handler: User, dispute: Dispute, at: datetime) -> Case:
    """The administrative case (殴打他人) a dispute's scuffle became, for police mediation (治安调解)."""
    return case_services.case_accept(
        actor=handler,
        kind="administrative",
        title=f"{dispute.village.name.removesuffix('村委会')}殴打他人案",
        facts=dispute.description,
        source="walk_in",
        station_id=dispute.station_id,
        offence_code="A-beating",
        accepted_at=at,
    )


def load(rng: random.Random) -> int:
    if Dispute.objects.exists():
        return 0
    # Its own generator: the demo disputes stay the same whatever the modules before it draw.
    rng = random.Random("jingwu-mediation-demo")
    now = timezone.now()
    mediator = _user("mediator")
    incidents = list(
        Incident.objects.filter(disposition=Disposition.DISPUTE, linked_dispute_id__isnull=True)
        .select_related("village__parent")
        .order_by("received_at")
    )
    created = 0
    for plan in PLANS:
        handler = _handler(plan)
        screening = plan.source == "screening"
        reporter = _user("assistant") if screening and plan.township == "桃溪" else handler
        source = (
            plan.source if (plan.source != "screening" or reporter.username == "assistant") else "walk_in"
        )
        registered = _at(now, plan.days_ago)
        incident = None
        if plan.source == "incident":
            incident = next(
                (i for i in incidents if i.village.parent.code == TOWNSHIPS[plan.township] and i.handled_at),
                None,
            )
            if incident is not None:
                incidents.remove(incident)
                registered = max(incident.handled_at or registered, registered)
            else:
                source = "walk_in"
        village = incident.village if incident is not None else _village(rng, plan)
        parties = _parties(rng, plan.parties, reporter.username == "assistant")
        if plan.description.startswith("上述两户"):
            # The repeated dispute: the same two persons as the dispute before it (a risk signal).
            previous = (
                Dispute.objects.filter(station__code="wp-ps-350824105", kind="neighbour")
                .order_by("id")
                .first()
            )
            if previous is not None:
                people = list(previous.parties.order_by("id"))
                parties = [PartyInput(role=p.role, person_id=p.person_id) for p in people]
                village = previous.village
        dispute = services.dispute_create(
            actor=reporter,
            source=source,
            kind=plan.kind,
            village_id=village.pk,
            description=plan.description,
            relationship=plan.relationship,
            amount=plan.amount,
            parties=parties,
            risk_level=plan.risk,
            incident_id=incident.pk if incident is not None else None,
            registered_at=registered,
        )
        created += 1
        _handle(rng, plan, dispute, handler, mediator, now)

    return created


def _session(actor: User, dispute: Dispute, at: datetime, result: str, place: str) -> Any:
    return services.session_record(
        actor=actor,
        dispute_id=dispute.pk,
        held_at=at,
        place=place,
        participants="双方当事人、村调解委员会主任" if actor.username != "mediator" else "双方当事人、村干部",
        summary={
            "agreed": "调解人员释法说理，双方各退一步，就赔偿和今后相处达成一致。",
            "not_agreed": "双方对事实和赔偿数额分歧较大，未能达成一致。",
            "adjourned": "双方情绪激动，约定冷静后再次调解。",
        }[result],
        result=result,
    )


def _handle(
    rng: random.Random, plan: Plan, dispute: Dispute, handler: User, mediator: User, now: datetime
) -> None:
    outcome = plan.outcome
    age = (now - dispute.registered_at).total_seconds() / 86400
    step = lambda fraction: _at(now, age * (1 - fraction))  # noqa: E731 - a step part-way to today
    room = f"{dispute.station.name}调解室"
    if outcome == "registered":
        return
    if outcome.startswith("referred"):
        body = {"referred_labour": "labour_arbitration", "referred_forestry": "forestry_station"}.get(
            outcome, "court"
        )
        services.dispute_route(
            actor=handler,
            dispute_id=dispute.pk,
            route="other",
            body=body,
            note="已出具移交函并告知当事人",
            at=step(0.1),
        )
        return
    people = outcome.startswith("people")
    case = _admin_case(handler, dispute, step(0.05)) if outcome == "police_case_agreed" else None
    services.dispute_route(
        actor=handler,
        dispute_id=dispute.pk,
        route="people" if people else "police",
        mediator_id=mediator.pk if people else None,
        case_id=case.pk if case else None,
        note="公调对接，委托县人民调解委员会调解" if people else "",
        at=step(0.1),
    )
    actor = mediator if people else handler
    place = "县人民调解委员会调解室" if people else room
    if outcome in {"in_mediation", "people_in_mediation"}:
        _session(actor, dispute, step(0.5), "adjourned", place)
        return
    if outcome == "failed":
        _session(actor, dispute, step(0.3), "not_agreed", place)
        services.mediation_fail(
            actor=handler,
            dispute_id=dispute.pk,
            reason="双方对赔偿数额分歧过大，一方明确表示不再接受调解",
            follow_on="lawsuit",
            at=step(0.4),
        )
        return
    session = _session(actor, dispute, step(0.3), "agreed", place)
    concluded = timezone.localdate(step(0.3))
    agreement = services.agreement_record(
        actor=actor,
        dispute_id=dispute.pk,
        concluded_on=concluded,
        terms=_terms(plan, concluded) or [TermInput("双方互谅互让，纠纷就此了结", None, None)],
        session_id=session.pk,
        at=step(0.3),
    )
    today = timezone.localdate()
    if outcome == "people_confirmed":
        applied = concluded + timedelta(days=10)
        services.confirmation_apply(actor=mediator, agreement_id=agreement.pk, applied_on=applied)
        services.confirmation_decide(
            actor=mediator,
            agreement_id=agreement.pk,
            result="confirmed",
            decided_on=applied + timedelta(days=12),
        )
    for visit in FollowUp.objects.filter(dispute=dispute, due_on__lt=today).order_by("due_on", "id"):
        if outcome == "people_overdue_followup" and visit.term.number == len(plan.terms):
            continue  # the last term is left unvisited: the board's overdue follow-up
        performed = outcome != "police_not_performed"
        visited = visit.due_on + timedelta(days=rng.randrange(1, 4))
        visited = min(visited, today)
        services.follow_up_record(
            actor=actor,
            follow_up_id=visit.pk,
            performed=performed,
            note="电话回访，当事人确认已履行"
            if performed
            else "赔偿义务人以手头紧为由拒不支付，纠纷重新开启",
            visited_on=visited,
            at=min(
                timezone.make_aware(datetime.combine(visited, datetime.min.time())) + timedelta(hours=15), now
            ),
        )
