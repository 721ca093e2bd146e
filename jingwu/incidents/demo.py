"""Demo incidents: sixty days of 110 calls across Wuping, through the services, plus a live queue.

Everything is drawn from the seeded generator, so the same seed gives the same incidents (relative to
the moment the demo is loaded, so that the queue always holds today's calls).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from jingwu.core.demo_data import chinese_name, mobile
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Source, StepKind
from jingwu.incidents.models import Incident
from jingwu.incidents.services import incident_create, incident_step, responders_for
from jingwu.org.models import User

# The live demo incidents cover the last LIVE_DAYS days before the load; stats.demo's history ends there.
LIVE_DAYS = 60
# Calls per hour of the day (0–23): quiet before dawn, peaks at noon and in the evening.
HOURLY_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 7, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4]
KINDS = [  # (category, subcategory, weight, priority, disposition)
    ("dispute", "neighbour", 14, 2, Disposition.DISPUTE),
    ("dispute", "family", 8, 2, Disposition.ADVICE),
    ("dispute", "land_forest", 6, 2, Disposition.DISPUTE),
    ("dispute", "labour", 4, 2, Disposition.REFERRED),
    ("public_order", "fight", 8, 1, Disposition.ADMINISTRATIVE_CASE),
    ("public_order", "noise", 6, 3, Disposition.ADVICE),
    ("public_order", "drunk", 4, 2, Disposition.ADVICE),
    ("public_order", "gambling", 2, 2, Disposition.ADMINISTRATIVE_CASE),
    ("criminal", "ebike_theft", 6, 2, Disposition.CRIMINAL_CASE),
    ("criminal", "theft", 5, 2, Disposition.CRIMINAL_CASE),
    ("criminal", "telecom_fraud", 5, 2, Disposition.CRIMINAL_CASE),
    ("traffic", "accident", 9, 1, Disposition.REFERRED),
    ("fire_forest", "forest_fire", 3, 1, Disposition.REFERRED),
    ("fire_forest", "illegal_logging", 2, 2, Disposition.ADMINISTRATIVE_CASE),
    ("rescue", "missing_person", 3, 1, Disposition.NO_ACTION),
    ("rescue", "help", 7, 3, Disposition.NO_ACTION),
    ("other", "enquiry", 4, 3, Disposition.NO_ACTION),
]
NARRATIVES = {
    "neighbour": [
        "报警人称与邻居因{x}发生争吵，双方情绪激动，请求民警到场处理。",
        "{x}问题引发邻里矛盾，对方堵住出入通道。",
    ],
    "family": ["报警人称与丈夫因家庭琐事发生争执，对方摔砸物品。", "子女因赡养老人问题发生争吵，请求调解。"],
    "land_forest": [
        "村民因山林界址不清发生争执，对方在争议林地砍伐杉木。",
        "两户村民因责任田边界发生纠纷，互不相让。",
    ],
    "labour": ["十余名工人称工地老板拖欠工资，聚集在项目部讨薪。", "报警人称在烟叶收购点打工的工钱未结清。"],
    "fight": ["{x}门口有人酒后打架，一人头部受伤流血。", "两伙人在夜宵摊发生口角后互殴，现场有人受伤。"],
    "noise": ["楼下店铺音响声音过大，深夜仍未停止。", "广场舞音响扰民，多次协商无果。"],
    "drunk": ["一男子醉酒后在{x}滋事，拍打过往车辆。", "醉酒男子在村部吵闹，不听劝阻。"],
    "gambling": ["群众举报{x}一民房内有人聚众赌博。", "举报有人在茶楼包厢内以打麻将形式赌博。"],
    "ebike_theft": ["报警人称其停放在{x}的电动车被盗，车辆为蓝色雅迪。", "停放在自家楼下的电动车夜间被盗。"],
    "theft": ["报警人称其放在车内的现金及手机被盗。", "村民家中被盗，丢失金项链一条及现金若干。"],
    "telecom_fraud": [
        "报警人称接到冒充客服电话，按对方要求转账后发现被骗。",
        "报警人通过网络刷单被骗，已转账多次。",
    ],
    "accident": ["{x}路段两车相撞，有人受伤，道路部分堵塞。", "一辆摩托车与货车刮擦，摩托车驾驶人倒地。"],
    "forest_fire": ["{x}后山发现烟雾，疑似有人烧草木灰引发山火。", "巡山员报告林区有明火，火势正在蔓延。"],
    "illegal_logging": ["护林员发现{x}有人无证砍伐松木。", "群众举报有人夜间偷运木材。"],
    "missing_person": ["报警人称其七旬母亲上午外出后未归，有老年痴呆症状。", "一名八岁男孩放学后未回家。"],
    "help": ["报警人称钥匙反锁在屋内，请求帮助。", "村民称有一头牛掉入水沟，请求救助。"],
    "enquiry": ["群众咨询办理居住证需要的材料。", "咨询户口迁移手续。"],
}
PLACES = ["村部", "菜市场", "学校门口", "桥头", "祠堂边", "加油站", "烟叶站", "农贸市场", "新街"]
DISPATCHERS = {"wubei_dispatcher": ["永平镇", "桃溪镇", "大禾镇", "湘店镇"]}
DEFAULT_DISPATCHER = "dispatcher"


def _narrative(rng: random.Random, subcategory: str, village: Division) -> str:
    text = rng.choice(NARRATIVES[subcategory])
    return text.replace(
        "{x}", village.name.removesuffix("村委会").removesuffix("社区居委会") + rng.choice(PLACES)
    )


def load(rng: random.Random, days: int = LIVE_DAYS, per_day: int = 4, live: int = 8) -> int:
    if Incident.objects.exists():
        return 0
    villages = list(Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent", "station"))
    users = {u.username: u for u in User.objects.filter(username__in=[DEFAULT_DISPATCHER, *DISPATCHERS])}
    now = timezone.now()
    weights = [k[2] for k in KINDS]
    created = 0
    total = days * per_day
    for index in range(total + live):
        village = rng.choice(villages)
        category, subcategory, _, priority, disposition = rng.choices(KINDS, weights)[0]
        if index < total:
            day = now - timedelta(days=days - index // per_day)
            hour = rng.choices(range(24), HOURLY_WEIGHTS)[0]
            received = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            received = min(received, now - timedelta(hours=4))
        else:
            received = now - timedelta(minutes=rng.randrange(2, 50))
        dispatcher_name = next(
            (name for name, towns in DISPATCHERS.items() if village.parent.name in towns), DEFAULT_DISPATCHER
        )
        dispatcher = users[dispatcher_name]
        incident = incident_create(
            actor=dispatcher,
            source=rng.choices(list(Source), [80, 12, 5, 3])[0],
            village_code=village.code,
            category=category,
            subcategory=subcategory,
            priority=priority,
            received_at=received,
            narrative=_narrative(rng, subcategory, village),
            address=rng.choice(PLACES),
            caller_name=chinese_name(rng),
            caller_phone=mobile(rng),
        ).incident
        created += 1
        live_stage = rng.randrange(4) if index >= total else 4
        _advance(rng, incident, dispatcher, received, disposition, live_stage)
    return created


def _advance(
    rng: random.Random, incident: Incident, dispatcher: User, received: datetime, disposition: str, stage: int
) -> None:
    """Take an incident through its steps; `stage` 0 leaves it waiting, 4 closes it. A live incident
    stops at the first step that would lie in the future."""
    officers = responders_for(incident)
    station_officers = [o for o in officers if o.unit.path.startswith(incident.station.path)] or officers
    rural = incident.area == "rural"
    plan = [
        (
            StepKind.DISPATCHED,
            rng.choice([1, 1, 2, 2, 3, 4, 6, 12]),
            {"officer_ids": [o.pk for o in rng.sample(station_officers, k=min(2, len(station_officers)))]},
        ),
        (StepKind.ARRIVED, rng.randrange(8, 35) if rural else rng.randrange(3, 12), {}),
        (
            StepKind.HANDLED,
            rng.randrange(10, 90),
            {"disposition": disposition, "note": "已做好现场笔录，告知当事人后续处理程序。"},
        ),
        (StepKind.CLOSED, rng.randrange(5, 60), {}),
    ]
    at, now = received, timezone.now()
    for kind, minutes, extra in plan[:stage]:
        at += timedelta(minutes=minutes)
        if at > now:
            return
        incident_step(actor=dispatcher, incident_id=incident.pk, kind=kind, at=at, **extra)
