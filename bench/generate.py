"""The synthetic bureau generator (合成警务数据): a Wuping-shaped bureau of any size, for benchmarks.

    python -m bench.generate --size N [--seed S] [--years Y] [--today YYYY-MM-DD] [--counties K]
                             [--search | --no-search] [--no-sweep] [--no-deadlines]
    make seed SIZE=N          (migrate, then this, on the database of DATABASE_URL)

It loads the project's reference data (divisions, the bureau's unit tree, the demo accounts and roster),
then writes N incidents over `--years` years ending on `--today` (a fixed date by default: same seed and
size give identical rows), with what follows from them at realistic rates:

- incidents (警情) whose volume follows the hour of the day, the weekday and the season (Spring Festival,
  the forest-fire season February–April with its Qingming peak, summer drowning), in the category mix of
  jingwu/incidents/taxonomy.py; Chinese narratives from phrase banks naming real Wuping townships and
  villages; steps (接警→派警→受领→到场→处置→结束) with realistic delays, some of them late;
- callers in the person registry; cases (案件, criminal and administrative) converted from the incidents
  whose disposition says so, numbered by the project's scheme (counters brought up to date at the end),
  with parties, measures (传唤, 刑事拘留, 取保候审), custody stays (在区记录), seized property (涉案财物)
  and their legal events; disputes (矛盾纠纷) sent to mediation with routes and sessions;
- the legal timeline (法律事件) of every incident and case, and the deadlines (法定期限) the supervision
  engine derives from it, then one supervision sweep at the end of `--today`; the stats rollups are rebuilt
  and (by default for small sizes) the search index.

Rows are written in bulk (one INSERT per table and batch, executemany, explicit primary keys; values
prepared as bulk_create prepares them, personal data encrypted), never through the per-row services, but
with the values those services would have stored. No audit entries are written for them.
`--counties K` adds K-1 synthetic counties cloned from Wuping's shape (real Fujian county names and codes
from jingwu/data/divisions, Wuping's townships and villages under new codes), each its own bureau.

Progress goes to stderr; the last line on stdout is one JSON figure (bench.figures.emit,
name `generate_incidents`, unit rows/s) with the counts per table.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import random
import sys
import time
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_SEED = 350824
DEFAULT_TODAY = date(2026, 6, 30)
SEARCH_DEFAULT_LIMIT = 5_000  # search_reindex goes row by row: on by default up to this many incidents
FLUSH_EVERY = 10_000  # incidents per write batch (one transaction each)

# 春节 (first day of the lunar year): the festival window carries more family and wage disputes and calls.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
# Calls per hour of the day (0–23), weekdays and weekends: a trough before dawn, peaks at noon and 20–22h.
HOUR_WEIGHTS = [24, 16, 11, 8, 7, 8, 14, 28, 42, 50, 54, 56, 55, 50, 50, 52, 54, 58, 64, 72, 78, 76, 60, 38]
WEEKEND_HOUR_WEIGHTS = [
    34,
    24,
    16,
    10,
    8,
    8,
    11,
    20,
    32,
    44,
    52,
    56,
    56,
    54,
    54,
    55,
    56,
    60,
    68,
    78,
    84,
    82,
    70,
    48,
]
WEEKDAY_FACTOR = [1.0, 0.96, 0.95, 0.97, 1.05, 1.14, 1.10]  # Monday … Sunday


@dataclass(frozen=True)
class Kind:
    category: str
    subcategory: str
    weight: float
    priority: int
    dispositions: tuple[tuple[str, float], ...]


C, A, D, ADV, REF, NO = "criminal_case", "administrative_case", "dispute", "advice", "referred", "no_action"
# Every sub-type of the taxonomy, with its share of calls, priority and what its disposition usually is.
KINDS = [
    Kind("criminal", "theft", 4.5, 2, ((C, 0.5), (A, 0.2), (ADV, 0.15), (NO, 0.15))),
    Kind("criminal", "ebike_theft", 3.0, 2, ((C, 0.55), (A, 0.15), (NO, 0.3))),
    Kind("criminal", "fraud", 1.5, 2, ((C, 0.45), (A, 0.15), (ADV, 0.2), (NO, 0.2))),
    Kind("criminal", "telecom_fraud", 4.0, 2, ((C, 0.6), (ADV, 0.2), (NO, 0.2))),
    Kind("criminal", "robbery", 0.4, 1, ((C, 0.8), (A, 0.1), (NO, 0.1))),
    Kind("criminal", "assault", 1.0, 1, ((C, 0.45), (A, 0.4), (D, 0.15))),
    Kind("criminal", "drugs", 0.4, 2, ((C, 0.5), (A, 0.45), (NO, 0.05))),
    Kind("criminal", "other_criminal", 0.8, 2, ((C, 0.4), (A, 0.2), (ADV, 0.2), (NO, 0.2))),
    Kind("public_order", "fight", 6.0, 1, ((A, 0.4), (C, 0.05), (D, 0.25), (ADV, 0.3))),
    Kind("public_order", "gambling", 1.5, 2, ((A, 0.6), (C, 0.05), (NO, 0.35))),
    Kind("public_order", "noise", 4.0, 3, ((ADV, 0.85), (A, 0.05), (NO, 0.1))),
    Kind("public_order", "drunk", 3.0, 2, ((ADV, 0.6), (A, 0.3), (NO, 0.1))),
    Kind("public_order", "harassment", 1.5, 2, ((A, 0.3), (ADV, 0.5), (D, 0.2))),
    Kind("public_order", "other_public_order", 2.0, 3, ((ADV, 0.7), (A, 0.1), (NO, 0.2))),
    Kind("traffic", "accident", 9.0, 1, ((REF, 0.7), (D, 0.15), (ADV, 0.15))),
    Kind("traffic", "congestion", 2.0, 3, ((ADV, 0.6), (NO, 0.4))),
    Kind("traffic", "drunk_driving", 1.0, 1, ((C, 0.5), (A, 0.4), (REF, 0.1))),
    Kind("dispute", "neighbour", 10.0, 2, ((D, 0.55), (ADV, 0.4), (A, 0.05))),
    Kind("dispute", "family", 7.0, 2, ((D, 0.4), (ADV, 0.55), (A, 0.05))),
    Kind("dispute", "land_forest", 4.0, 2, ((D, 0.6), (REF, 0.4))),
    Kind("dispute", "labour", 3.0, 2, ((D, 0.3), (REF, 0.6), (ADV, 0.1))),
    Kind("dispute", "debt", 3.0, 3, ((D, 0.3), (ADV, 0.5), (REF, 0.2))),
    Kind("dispute", "consumer", 2.0, 3, ((D, 0.3), (ADV, 0.5), (REF, 0.2))),
    Kind("fire_forest", "forest_fire", 1.2, 1, ((REF, 0.75), (C, 0.1), (A, 0.15))),
    Kind("fire_forest", "building_fire", 0.8, 1, ((REF, 0.9), (C, 0.03), (NO, 0.07))),
    Kind("fire_forest", "illegal_logging", 0.8, 2, ((A, 0.5), (C, 0.3), (REF, 0.2))),
    Kind("fire_forest", "outdoor_fire", 1.5, 2, ((A, 0.5), (ADV, 0.4), (REF, 0.1))),
    Kind("rescue", "missing_person", 2.0, 1, ((NO, 1.0),)),
    Kind("rescue", "rescue", 2.0, 1, ((NO, 0.8), (REF, 0.2))),
    Kind("rescue", "drowning", 0.6, 1, ((NO, 0.7), (REF, 0.3))),
    Kind("rescue", "animal", 0.8, 2, ((NO, 0.7), (REF, 0.3))),
    Kind("rescue", "help", 9.0, 3, ((NO, 1.0),)),
    Kind("other", "enquiry", 5.0, 3, ((NO, 1.0),)),
    Kind("other", "invalid", 4.0, 3, ((NO, 1.0),)),
    Kind("other", "other", 3.0, 3, ((NO, 0.8), (ADV, 0.2))),
]
NIGHT_KINDS = {
    "fight": 2.2,
    "drunk": 2.6,
    "noise": 1.6,
    "drunk_driving": 2.4,
    "gambling": 1.5,
    "enquiry": 0.15,
}
DAY_KINDS = {
    "enquiry": 1.6,
    "accident": 1.3,
    "labour": 1.6,
    "congestion": 1.5,
    "consumer": 1.4,
    "telecom_fraud": 1.3,
}

# (criminal charge, administrative offence) per sub-type: names of jingwu/cases offences.
OFFENCES = {
    "theft": ("盗窃罪", "盗窃"),
    "ebike_theft": ("盗窃罪", "盗窃"),
    "fraud": ("诈骗罪", "诈骗"),
    "telecom_fraud": ("诈骗罪", "诈骗"),
    "robbery": ("抢劫罪", "盗窃"),
    "assault": ("故意伤害罪", "殴打他人"),
    "drugs": ("非法持有毒品罪", "寻衅滋事"),
    "fight": ("故意伤害罪", "殴打他人"),
    "gambling": ("开设赌场罪", "赌博"),
    "noise": ("寻衅滋事罪", "制造噪声干扰他人正常生活"),
    "drunk": ("寻衅滋事罪", "醉酒滋事"),
    "harassment": ("寻衅滋事罪", "发送信息干扰正常生活"),
    "drunk_driving": ("危险驾驶罪", "寻衅滋事"),
    "forest_fire": ("失火罪", "违反规定在野外用火"),
    "building_fire": ("失火罪", "违反规定在野外用火"),
    "outdoor_fire": ("失火罪", "违反规定在野外用火"),
    "illegal_logging": ("滥伐林木罪", "违反规定在野外用火"),
    "neighbour": ("故意伤害罪", "殴打他人"),
    "family": ("故意伤害罪", "殴打他人"),
    "other_criminal": ("寻衅滋事罪", "故意损毁财物"),
    "other_public_order": ("寻衅滋事罪", "寻衅滋事"),
}
DISPUTE_KIND = {"accident": "traffic", "consumer": "commercial", "fight": "neighbour", "assault": "neighbour"}
PROPERTY_KINDS = {  # sub-type → (category, description, unit)
    "theft": ("electronics", "手机一部（赃物）", "部"),
    "ebike_theft": ("vehicle", "电动自行车一辆", "辆"),
    "fraud": ("cash", "涉案现金", "元"),
    "telecom_fraud": ("electronics", "作案用手机及银行卡", "套"),
    "robbery": ("tools", "作案工具（匕首）", "把"),
    "gambling": ("cash", "赌资", "元"),
    "drugs": ("drugs", "疑似毒品（白色晶体）", "克"),
    "illegal_logging": ("timber", "杉木原木", "立方米"),
    "drunk_driving": ("vehicle", "小型轿车一辆", "辆"),
}

# Phrase banks: {p} is a real place (township + village + landmark), {t} a time of day, {i} an item.
LANDMARKS = (
    "村部 菜市场 学校门口 桥头 祠堂边 加油站 烟叶站 农贸市场 新街 "
    "老街 卫生院旁 水库边 客运站 超市门口 公路边 竹林旁 小卖部 广场"
).split()
ITEMS = [
    "手机",
    "现金两千余元",
    "金项链",
    "电动车电瓶",
    "摩托车",
    "烟叶",
    "笔记本电脑",
    "耕牛",
    "农用三轮车",
    "银行卡",
]
TIMES = {
    range(5): "凌晨",
    range(5, 8): "清晨",
    range(8, 11): "上午",
    range(11, 14): "中午",
    range(14, 18): "下午",
    range(18, 23): "晚上",
    range(23, 24): "深夜",
}
_NARRATIVE_TEXT = """
theft
    报警人称{t}在{p}被盗，丢失{i}。
    {p}一店铺报称{t}被人撬门入室，丢失{i}。
    村民称家中被盗，丢失{i}，地点{p}。
ebike_theft
    报警人称停放在{p}的电动车{t}被盗。
    {t}在{p}停放的电动车不见了，车为蓝色雅迪。
fraud
    报警人称在{p}被人以介绍工作为名骗走{i}。
    老人称{t}在{p}被人以卖保健品为名骗取{i}。
telecom_fraud
    {p}居民称接到冒充客服电话，按对方要求转账后发现被骗。
    报警人（{p}）通过网络刷单被骗，已转账多次。
    报警人称{t}接到冒充公检法电话，被骗转账，住{p}。
robbery
    报警人称{t}在{p}被两名男子抢走{i}。
    {p}有人骑摩托车抢夺行人挎包。
assault
    报警人称{t}在{p}被人用木棍打伤头部。
    {p}两人发生冲突，一人被打伤送医。
drugs
    群众举报{p}一出租屋内有人吸毒。
    {t}巡逻发现{p}有人形迹可疑，疑似吸毒。
other_criminal
    报警人称{p}家中财物被人故意毁坏。
    {p}发现有人私自挖掘他人祖坟。
fight
    {t}{p}有人酒后打架，一人头部受伤流血。
    两伙人在{p}夜宵摊发生口角后互殴，现场有人受伤。
gambling
    群众举报{p}一民房内有人聚众赌博。
    举报{p}茶楼包厢内有人以打麻将形式赌博。
noise
    {p}店铺音响声音过大，{t}仍未停止。
    {p}广场舞音响扰民，多次协商无果。
drunk
    一男子醉酒后在{p}滋事，拍打过往车辆。
    醉酒男子{t}在{p}吵闹，不听劝阻。
harassment
    报警人称被人多次发送骚扰短信，住{p}。
    {p}一女子称{t}被人尾随。
other_public_order
    {p}有人私拉电线，存在安全隐患。
    {p}有人乱设路障阻碍通行。
accident
    {p}路段两车相撞，有人受伤，道路部分堵塞。
    {t}一辆摩托车与货车在{p}刮擦，摩托车驾驶人倒地。
congestion
    {p}因赶集车辆乱停，道路严重堵塞。
    {t}{p}路段车辆拥堵，请求疏导。
drunk_driving
    {t}设卡检查在{p}查获一名驾驶人涉嫌酒后驾驶。
    群众举报{p}有人酒后驾驶摩托车。
neighbour
    报警人称与邻居因排水问题在{p}发生争吵，情绪激动。
    {p}两户因宅基地界线发生邻里矛盾，对方堵住出入通道。
family
    报警人称{t}在{p}与丈夫因家庭琐事发生争执，对方摔砸物品。
    {p}子女因赡养老人问题发生争吵，请求调解。
land_forest
    {p}村民因山林界址不清发生争执，对方在争议林地砍伐杉木。
    {p}两户村民因责任田边界发生纠纷，互不相让。
labour
    十余名工人称{p}工地老板拖欠工资，聚集在项目部讨薪。
    报警人称在{p}烟叶收购点打工的工钱未结清。
debt
    报警人称{p}一村民借款三万元到期不还。
    {p}两人因合伙养猪欠款发生争执。
consumer
    {p}一顾客与店主因退货问题发生争执。
    报警人称在{p}购买的电动车质量有问题，商家拒绝退换。
forest_fire
    {p}后山发现烟雾，疑似有人烧草木灰引发山火。
    巡山员报告{p}林区有明火，火势正在蔓延。
    {t}{p}有人上坟烧纸引发林地起火。
building_fire
    {p}一民房{t}起火，屋内疑有人员。
    {p}一店铺电线短路起火。
illegal_logging
    护林员发现{p}有人无证砍伐松木。
    群众举报{t}有人在{p}偷运木材。
outdoor_fire
    {p}有人在林边焚烧秸秆。
    {t}{p}有村民烧田埂草，距林地不足五十米。
missing_person
    报警人称其七旬母亲{t}从{p}外出后未归，有老年痴呆症状。
    一名八岁男孩放学后未回家，家住{p}。
rescue
    {p}一辆货车侧翻，司机被困车内。
    {p}山体滑坡，一户村民房屋受损。
drowning
    {t}{p}水库边有小孩落水。
    {p}河段有人游泳时失踪。
animal
    {p}一村民被狗咬伤。
    {p}发现有野猪下山毁坏庄稼。
help
    报警人称钥匙反锁在屋内，请求帮助，地址{p}。
    {p}村民称有一头牛掉入水沟，请求救助。
    {p}一老人迷路，请求帮助送回。
enquiry
    群众咨询办理居住证需要的材料，住{p}。
    {p}村民咨询户口迁移手续。
invalid
    来电无声，回拨无人接听（{p}基站）。
    儿童拨打110玩耍，已教育（{p}）。
other
    {p}有人反映路灯损坏影响夜间出行。
    {p}群众反映有人在公路上晒谷。
"""


def _phrase_bank(text: str) -> dict[str, list[str]]:
    """Sub-type lines, each followed by its indented phrases."""
    bank: dict[str, list[str]] = {}
    key = ""
    for line in text.strip().splitlines():
        if line.startswith(" "):
            bank[key].append(line.strip())
        else:
            key = line.strip()
            bank[key] = []
    return bank


NARRATIVES = _phrase_bank(_NARRATIVE_TEXT)


# ----------------------------------------------------------------------------------------------------------
# The calendar: day weights and the category mix of each day and hour


def _season(day: date) -> dict[str, float]:
    """Multipliers of the day: `*` for the volume, sub-type codes for the mix."""
    factors: dict[str, float] = {"*": WEEKDAY_FACTOR[day.weekday()]}
    offsets = [
        (day - f).days for f in (SPRING_FESTIVAL.get(day.year), SPRING_FESTIVAL.get(day.year + 1)) if f
    ]
    offset = next((o for o in offsets if -30 <= o <= 15), 999)
    if -7 <= offset <= 15:  # 春节: people home, drinking, family quarrels, fireworks
        factors["*"] *= 1.35
        factors.update(family=2.2, neighbour=1.5, drunk=1.8, fight=1.6, gambling=2.5, accident=1.4)
    if -30 <= offset < 0:  # the weeks before: wage arrears before the festival
        factors["labour"] = 2.5
        factors["debt"] = 1.8
    if day.month in (2, 3, 4):  # 森林防火期
        factors.update(forest_fire=3.0, outdoor_fire=3.0)
    elif day.month in (10, 11):
        factors.update(forest_fire=1.4, outdoor_fire=1.4)
    else:
        factors.update(forest_fire=0.4, outdoor_fire=0.5)
    if day.month == 4 and 1 <= day.day <= 8:  # 清明: grave-sweeping fires
        factors["*"] *= 1.1
        factors.update(forest_fire=9.0, outdoor_fire=7.0)
    if day.month in (6, 7, 8):
        factors.update(drowning=4.0, noise=1.3, fight=1.2)
        factors["*"] *= 1.08
    if day.month in (7, 8) and factors.get("drowning"):
        factors["drowning"] = 5.0
    return factors


@dataclass
class Calendar:
    days: list[date]
    day_cum: list[float]
    seasons: list[dict[str, float]]
    _mix: dict[tuple[int, str], list[float]] = field(default_factory=dict)

    def mix(self, day_index: int, hour: int) -> list[float]:
        bucket = "night" if hour >= 22 or hour < 5 else "day" if 8 <= hour < 18 else "evening"
        key = (id(self.seasons[day_index]), bucket)
        cum = self._mix.get(key)
        if cum is None:
            season = self.seasons[day_index]
            tilt = NIGHT_KINDS if bucket == "night" else DAY_KINDS if bucket == "day" else {}
            cum = list(
                accumulate(
                    k.weight * season.get(k.subcategory, 1.0) * tilt.get(k.subcategory, 1.0) for k in KINDS
                )
            )
            self._mix[key] = cum
        return cum


def calendar(today: date, years: float) -> Calendar:
    count = max(1, round(365 * years))
    days = [today - timedelta(days=count - 1 - i) for i in range(count)]
    # Days of the same multipliers share one dict, so the category mix is computed once per season.
    shared: dict[tuple[tuple[str, float], ...], dict[str, float]] = {}
    seasons = []
    for day in days:
        season = _season(day)
        seasons.append(shared.setdefault(tuple(sorted(season.items())), season))
    return Calendar(days, list(accumulate(s["*"] for s in seasons)), seasons)


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _local(day: date, hour: int, minute: int, second: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ).astimezone(UTC)


def _time_word(hour: int) -> str:
    return next(word for hours, word in TIMES.items() if hour in hours)


# ----------------------------------------------------------------------------------------------------------
# The places and people of the bureau


@dataclass(frozen=True)
class Place:
    village_id: int
    name: str  # 城厢村 (without 村委会)
    township: str  # 城厢镇
    county: str  # six-digit county code of the incident numbers
    station_id: int
    unit_id: int
    area: str
    weight: float


@dataclass
class Bureau:
    places: list[Place]
    place_cum: list[float]
    dispatcher: dict[int, int]  # dispatching unit → a dispatcher's user id
    responders: dict[tuple[int, int], list[int]]  # (dispatching unit, station) → officer ids
    reviewing: dict[int, int]  # station → reviewing unit
    case_team: dict[int, tuple[int, list[int]]]  # station → (handling unit, case officers)
    custody_user: int
    keeper_user: int
    mediator_user: int
    location_id: int
    counter_codes: dict[int, str]  # reviewing unit id → its code (case numbers)


def _short(name: str) -> str:
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会", "社区居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ("社区" if "居" in suffix else "村")
    return name


def _bureau(counties: int) -> Bureau:
    from jingwu.access.policy import scope_of_unit
    from jingwu.cases.services import reviewing_unit_for
    from jingwu.geo.choices import DivisionLevel
    from jingwu.geo.models import Division
    from jingwu.incidents.routing import route_for
    from jingwu.org.choices import UnitKind
    from jingwu.org.models import Unit, User
    from jingwu.property.models import PropertyLocation

    if counties > 1:
        _clone_counties(counties)
    villages = Division.objects.filter(level=DivisionLevel.VILLAGE, station__isnull=False)
    places: list[Place] = []
    for village in villages.select_related("parent__parent", "station").order_by("code"):
        route = route_for(village)
        weight = {"urban": 3.0, "suburban": 2.0}.get(route.area, 1.0)
        places.append(
            Place(
                village.pk,
                _short(village.name),
                village.parent.name,
                village.code[:6],
                route.station.pk,
                route.unit.pk,
                route.area,
                weight,
            )
        )
    officers = list(
        User.objects.filter(is_active=True, roles__code__in=("officer", "unit_chief"))
        .select_related("unit")
        .distinct()
        .order_by("username")
    )
    dispatchers = list(
        User.objects.filter(is_active=True, roles__code="dispatcher")
        .select_related("unit")
        .order_by("username")
    )
    default_dispatcher = next(u for u in dispatchers if u.username == "dispatcher")
    units = {u.pk: u for u in Unit.objects.all()}
    units_by_code = {u.code: u for u in units.values()}
    dispatcher: dict[int, int] = {}
    responders: dict[tuple[int, int], list[int]] = {}
    reviewing: dict[int, int] = {}
    case_team: dict[int, tuple[int, list[int]]] = {}
    for place in places:
        unit, station = units[place.unit_id], units[place.station_id]
        if unit.pk not in dispatcher:
            root = unit.path.split("/")[1]
            own = [d for d in dispatchers if d.unit.path.startswith(unit.operational_unit().path)]
            county = [
                d
                for d in dispatchers
                if d.unit.kind == UnitKind.COMMAND_CENTER and d.unit.path.split("/")[1] == root
            ]
            dispatcher[unit.pk] = (own or county or [default_dispatcher])[0].pk
        if (unit.pk, station.pk) not in responders:
            scope = scope_of_unit(unit)
            reach = [o for o in officers if scope.contains(o.unit.path)]
            local = [o.pk for o in reach if o.unit.path.startswith(station.path)]
            responders[(unit.pk, station.pk)] = local or [o.pk for o in reach] or [officers[0].pk]
        if station.pk not in reviewing:
            review = reviewing_unit_for(station)
            if station.code.startswith("sx"):  # a synthetic county reviews in its own 法制大队
                review = units_by_code[station.code.split("-ps-")[0] + "-fz"]
            reviewing[station.pk] = review.pk
            # The joint station's case team handles its members' cases; elsewhere the station's case team.
            team = (
                review
                if review.kind == UnitKind.CASE_TEAM
                else station.children.filter(kind=UnitKind.CASE_TEAM).first() or station
            )
            team_officers = [o.pk for o in officers if o.unit_id == team.pk] or responders[
                (unit.pk, station.pk)
            ]
            case_team[station.pk] = (team.pk, team_officers)
    keeper = User.objects.filter(roles__code="property_keeper").order_by("pk").first()
    custody = User.objects.filter(roles__code="custody_officer").order_by("pk").first()
    location = PropertyLocation.objects.filter(is_active=True).order_by("code").first()
    if location is None:
        location = PropertyLocation.objects.create(
            code="A-01-01", room="涉案财物管理中心A库", shelf="01", box="01", created_by=keeper
        )
    return Bureau(
        places=places,
        place_cum=list(accumulate(p.weight for p in places)),
        dispatcher=dispatcher,
        responders=responders,
        reviewing=reviewing,
        case_team=case_team,
        custody_user=custody.pk,
        mediator_user=User.objects.filter(roles__code="mediator").order_by("pk").first().pk,
        keeper_user=keeper.pk,
        location_id=location.pk,
        counter_codes={pk: units[pk].code for pk in set(reviewing.values())},
    )


def _clone_counties(counties: int) -> None:
    """K-1 synthetic counties: real Fujian county names and codes, Wuping's townships and villages under the
    new code, one bureau each with a station (command room, case team, three officers) per township."""
    from jingwu.geo.choices import DivisionLevel
    from jingwu.geo.models import Division
    from jingwu.org.choices import UnitKind
    from jingwu.org.models import Role, Unit
    from jingwu.org.reference import township_short_name

    path = (
        Path(__file__).resolve().parent.parent
        / "jingwu"
        / "data"
        / "divisions"
        / "fujian_35_cities_counties.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    code_key = next(k for k in rows[0] if "code" in k.lower())
    name_key = next(k for k in rows[0] if "name" in k.lower())
    candidates = [
        (r[code_key][:6], r[name_key])
        for r in rows
        if r[name_key].endswith("县") and not r[code_key].startswith("350824")
    ]
    wuping = Division.objects.get(code="350824000000")
    townships = list(Division.objects.filter(parent=wuping, level=DivisionLevel.TOWNSHIP).order_by("code"))
    officer_role = Role.objects.get(code="officer")
    dispatcher_role = Role.objects.get(code="dispatcher")
    for number, (county6, county_name) in enumerate(candidates[: counties - 1], start=1):
        prefix = f"sx{county6}"
        if Unit.objects.filter(code=prefix).exists():
            continue
        bureau = Unit(code=prefix, name=f"{county_name}公安局", kind=UnitKind.BUREAU, sort_order=100 + number)
        bureau.path = bureau.compute_path()
        bureau.save()
        command = Unit(code=f"{prefix}-cmd", name="指挥中心", kind=UnitKind.COMMAND_CENTER, parent=bureau)
        command.path = command.compute_path()
        command.save()
        command.commands.add(bureau)
        _user(f"{prefix}-dispatcher", "值班调度", command, dispatcher_role)
        review = Unit(code=f"{prefix}-fz", name="法制大队", kind=UnitKind.BRIGADE, parent=bureau)
        review.path = review.compute_path()
        review.save()
        county = Division.objects.create(
            code=f"{county6}000000", name=county_name, level=wuping.level, parent=wuping.parent
        )
        for township in townships:
            code9 = f"{county6}{township.code[6:9]}"
            station = Unit(
                code=f"{prefix}-ps-{code9}",
                name=f"{township_short_name(township.name)}派出所",
                kind=UnitKind.STATION,
                parent=bureau,
                township_code=f"{code9}000",
            )
            station.path = station.compute_path()
            station.save()
            for suffix, label, kind in (
                ("zh", "综合指挥室", UnitKind.COMMAND_ROOM),
                ("aj", "案件办理队", UnitKind.CASE_TEAM),
            ):
                team = Unit(code=f"{station.code}-{suffix}", name=label, kind=kind, parent=station)
                team.path = team.compute_path()
                team.save()
                if kind == UnitKind.CASE_TEAM:
                    for n in (1, 2, 3):
                        _user(f"{team.code}-{n}", f"民警{n}", team, officer_role)
            town = Division.objects.create(
                code=f"{code9}000", name=township.name, level=township.level, parent=county, station=station
            )
            Division.objects.bulk_create(
                Division(
                    code=f"{county6}{v.code[6:]}", name=v.name, level=v.level, parent=town, station=station
                )
                for v in Division.objects.filter(parent=township).order_by("code")
            )


def _user(username: str, name: str, unit: Any, role: Any) -> None:
    from jingwu.org.models import User

    user = User.objects.create(username=username, full_name=name, unit=unit, is_active=True)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.roles.add(role)


# ----------------------------------------------------------------------------------------------------------
# Writing


class Ids:
    """Explicit primary keys: the next id of each model (known before insert, so rows can point at each
    other and the numbers made from ids are known)."""

    def __init__(self) -> None:
        self._next: dict[Any, int] = {}

    def __call__(self, model: Any) -> int:
        if model not in self._next:
            from django.db.models import Max

            self._next[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


@dataclass
class Batch:
    rows: dict[Any, list[Any]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, row: Row) -> Row:
        self.rows[row._model].append(row)
        return row

    def flush(self, order: list[Any]) -> None:
        from django.db import transaction

        with transaction.atomic():
            for model in order:
                objs = self.rows.pop(model, None)
                if objs:
                    insert_rows(model, objs)
                    self.counts[model._meta.label] += len(objs)
        if self.rows:
            raise RuntimeError(f"rows of unlisted models: {list(self.rows)}")


class Row(SimpleNamespace):
    """A row to insert: the model's attribute names and values (lighter than a model instance, which
    costs more to build than the insert itself)."""

    @property
    def pk(self) -> int:
        return self.id

    def as_engine_event(self) -> dict[str, object]:
        from jingwu.timeline.models import LegalEvent

        return LegalEvent.as_engine_event(self)  # type: ignore[arg-type]


def R(model: Any, **values: Any) -> Row:
    return Row(_model=model, **values)


PLAIN, MOMENT, BLIND, PREPARED = "plain", "moment", "blind", "prepared"
# Field classes whose Python value is what the database driver takes (subclasses such as the encrypted
# text field are not in it: they go through get_db_prep_save).
PLAIN_FIELDS = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


def insert_rows(model: Any, rows: list[Row]) -> None:
    """One INSERT, executemany over the rows. Values are prepared as bulk_create prepares them (encryption
    at rest, JSON, decimals through get_db_prep_save; blind indexes through their pre_save; datetimes as
    the backend stores them); a field not given takes its default. So the rows are what bulk_create would
    have written, without its per-batch SQL compilation."""
    from django.db import connection

    from jingwu.core.encrypted_fields import BlindIndexField

    first = rows[0]
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and not hasattr(first, f.attname))]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    sqlite = connection.vendor == "sqlite"
    plan = []
    for f in fields:
        given = hasattr(first, f.attname)
        if not given and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)):
            raise ValueError(
                f"{model._meta.label}.{f.name}: state the time (no wall clock in generated rows)"
            )
        how = (
            BLIND
            if isinstance(f, BlindIndexField)
            else PLAIN
            if type(f) in PLAIN_FIELDS
            else MOMENT
            if type(f) is models.DateTimeField
            else PREPARED
        )
        plan.append((f, f.attname, None if given else f.get_default(), how))
    params = []
    for row in rows:
        values = []
        for f, name, default, how in plan:
            value = getattr(row, name, default)
            if how is MOMENT:
                # Django's SQLite backend stores naive UTC text; PostgreSQL takes the aware value.
                if sqlite and value is not None:
                    value = str(value.astimezone(UTC).replace(tzinfo=None))
            elif how is BLIND:
                value = f.pre_save(row, True)
            elif how is PREPARED:
                value = f.get_db_prep_save(value, connection)
            values.append(value)
        params.append(values)
    with connection.cursor() as cursor:
        for i in range(0, len(params), 5000):
            cursor.executemany(sql, params[i : i + 5000])


# ----------------------------------------------------------------------------------------------------------
# The generator


def incident_clock_areas() -> set[str]:
    """The areas whose incident timelines can start a clock: the engine is only asked about those (the
    shipped rules have arrival norms for 城区 and 城郊, none for 农村, so most calls need no evaluation)."""
    from jingwu.supervision.services import shipped_rules

    rules = shipped_rules()
    incident_codes = {code for code, e in rules.vocabulary.events.items() if e.subject == "incident"}
    areas: set[str] = set()
    for rule in rules:
        if incident_codes & set(rule.starts_on):
            allowed = dict(rule.start_filter).get("area")
            if allowed is None:
                return {"urban", "suburban", "rural"}
            areas.update(allowed)
    return areas


class Generator:
    def __init__(self, *, size: int, seed: int, today: date, years: float, bureau: Bureau) -> None:
        from jingwu.cases.offences import find_offence
        from jingwu.people.models import Person

        self.size, self.seed, self.today, self.years = size, seed, today, years
        self.rng = random.Random(seed)
        self.bureau = bureau
        self.as_of = datetime(today.year, today.month, today.day, 23, 59, 59, tzinfo=TZ).astimezone(UTC)
        self.calendar = calendar(today, years)
        self.ids = Ids()
        self.batch = Batch()
        self.case_counters: Counter[tuple[int, int]] = Counter()
        self.label_counters: Counter[int] = Counter()
        self.used_id_numbers = {n for n in Person.objects.values_list("id_number", flat=True) if n}
        self.callers: list[int] = []
        self.subjects: list[tuple[str, int, Any, list[Any]]] = []  # for the deadlines
        self.offence = {
            sub: tuple(find_offence(name, kind) for name, kind in ((c, "criminal"), (a, "administrative")))
            for sub, (c, a) in OFFENCES.items()
        }
        self.default_offence = (find_offence("盗窃罪", "criminal"), find_offence("盗窃", "administrative"))
        self._init_counters()
        self.clocked_areas = incident_clock_areas()

    def _init_counters(self) -> None:
        from jingwu.cases.models import CaseNumberCounter
        from jingwu.property.models import LabelCounter

        for row in CaseNumberCounter.objects.all():
            self.case_counters[(row.unit_id, row.year)] = row.last
        for row in LabelCounter.objects.all():
            self.label_counters[row.year] = row.last

    # -- models in write order
    @staticmethod
    def order() -> list[Any]:
        from jingwu.cases.models import Case, CaseActivity, CaseParty, Measure
        from jingwu.custody.models import CustodyStay
        from jingwu.incidents.models import Incident, IncidentStep
        from jingwu.mediation.models import Dispute, DisputeParty, DisputeRoute, MediationSession
        from jingwu.people.models import Person
        from jingwu.property.models import CustodyEvent, PropertyItem
        from jingwu.supervision.models import Deadline
        from jingwu.timeline.models import LegalEvent

        return [
            Person,
            Incident,
            Incident.officers.through,
            IncidentStep,
            Case,
            CaseParty,
            Measure,
            CaseActivity,
            CustodyStay,
            CustodyStay.brought_by.through,
            PropertyItem,
            CustodyEvent,
            Dispute,
            DisputeParty,
            DisputeRoute,
            MediationSession,
            LegalEvent,
            Deadline,
        ]

    def run(self, progress: bool = True) -> Counter[str]:
        rng, cal = self.rng, self.calendar
        day_indexes = sorted(rng.choices(range(len(cal.days)), cum_weights=cal.day_cum, k=self.size))
        started = time.perf_counter()
        for n, day_index in enumerate(day_indexes, start=1):
            self._incident(day_index)
            if n % FLUSH_EVERY == 0 or n == self.size:
                self._deadlines()
                self.batch.flush(self.order())
                if progress:
                    rate = n / (time.perf_counter() - started)
                    print(f"  {n:>9,} incidents  ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        self._counters()
        return self.batch.counts

    # -- incidents
    def _person(self, *, name: str, unit_id: int, by: int, at: datetime, suspect: bool = False) -> int:
        from jingwu.core.demo_data import id_number, mobile
        from jingwu.people.models import Person

        rng = self.rng
        male = rng.random() < (0.82 if suspect else 0.55)
        number = None
        if suspect:
            for _ in range(20):
                candidate = id_number(rng, male=male)
                if candidate not in self.used_id_numbers:
                    self.used_id_numbers.add(candidate)
                    number = candidate
                    break
        pk = self.ids(Person)
        self.batch.add(
            R(
                Person,
                id=pk,
                name=name,
                sex="male" if male else "female",
                id_number=number,
                phone=mobile(rng),
                unit_id=unit_id,
                created_by_id=by,
                created_at=at,
                updated_at=at,
            )
        )
        return pk

    def _incident(self, day_index: int) -> None:
        from jingwu.core.demo_data import chinese_name
        from jingwu.incidents.models import Incident, IncidentStep

        rng, cal, bureau = self.rng, self.calendar, self.bureau
        day = cal.days[day_index]
        weights = WEEKEND_HOUR_WEIGHTS if day.weekday() >= 5 else HOUR_WEIGHTS
        hour = rng.choices(range(24), weights)[0]
        received = _local(day, hour, rng.randrange(60), rng.randrange(60))
        kind = KINDS[bisect(cal.mix(day_index, hour), rng.random() * cal.mix(day_index, hour)[-1])]
        place = bureau.places[bisect(bureau.place_cum, rng.random() * bureau.place_cum[-1])]
        dispatcher = bureau.dispatcher[place.unit_id]
        landmark = rng.choice(LANDMARKS)
        where = f"{place.township}{place.name}{landmark}"
        text = rng.choice(NARRATIVES[kind.subcategory]).format(
            p=where, t=_time_word(hour), i=rng.choice(ITEMS)
        )
        source = rng.choices(("phone_110", "walk_in", "online", "transferred"), (80, 12, 5, 3))[0]
        caller_id = None
        if kind.subcategory != "invalid" and rng.random() < 0.88:
            if self.callers and rng.random() < 0.12:  # repeat callers
                caller_id = self.callers[rng.randrange(len(self.callers))]
            else:
                caller_id = self._person(
                    name=chinese_name(rng), unit_id=place.unit_id, by=dispatcher, at=received
                )
                self.callers.append(caller_id)
        pk = self.ids(Incident)
        number = f"J{place.county}{received.astimezone(TZ):%Y%m%d}{pk:06d}"
        disposition = rng.choices([d for d, _ in kind.dispositions], [w for _, w in kind.dispositions])[0]
        # The steps, each after the one before; none lies after the moment of the load ("today" 23:59:59).
        p = kind.priority
        dispatch_min = _lognormal(rng, {1: 1.6, 2: 4.0, 3: 9.0}[p], 0.7)
        arrive_min = _lognormal(rng, {"urban": 3.6, "suburban": 7.2, "rural": 17.0}[place.area], 0.28)
        ack_min = rng.uniform(0.3, 2.5)
        moments = {"received": received}
        plan = [
            ("dispatched", dispatch_min),
            ("acknowledged", ack_min),
            ("arrived", max(0.5, arrive_min - ack_min)),  # the arrival norm counts from the dispatch
            ("handled", rng.uniform(12, 110)),
            ("closed", rng.uniform(5, 80) if rng.random() < 0.9 else rng.uniform(600, 4000)),
        ]
        at = received
        for step, minutes in plan:
            at = at + timedelta(seconds=round(minutes * 60))
            if at > self.as_of:
                break
            moments[step] = at
        status = list(moments)[-1]
        responders = bureau.responders[(place.unit_id, place.station_id)]
        officer_ids = rng.sample(responders, k=min(len(responders), 2 if p == 1 else rng.choice((1, 2))))
        incident = R(
            Incident,
            id=pk,
            number=number,
            received_at=received,
            source=source,
            caller_id=caller_id,
            village_id=place.village_id,
            address=where,
            area=place.area,
            category=kind.category,
            subcategory=kind.subcategory,
            priority=p,
            narrative=text,
            station_id=place.station_id,
            unit_id=place.unit_id,
            status=status,
            dispatched_at=moments.get("dispatched"),
            acknowledged_at=moments.get("acknowledged"),
            arrived_at=moments.get("arrived"),
            handled_at=moments.get("handled"),
            closed_at=moments.get("closed"),
            disposition=disposition if "handled" in moments else "",
            disposition_note="已做好现场笔录，告知当事人后续处理程序。" if "handled" in moments else "",
            created_by_id=dispatcher,
        )
        self.batch.add(incident)
        through = Incident.officers.through
        if "dispatched" in moments:
            for officer in officer_ids:
                self.batch.add(R(through, incident_id=pk, user_id=officer))
        events = []
        for step, moment in moments.items():
            details: dict[str, Any] = {}
            if step == "dispatched":
                details = {"officer_ids": officer_ids}
            elif step == "handled":
                details = {"disposition": disposition}
            self.batch.add(
                R(
                    IncidentStep,
                    incident_id=pk,
                    kind=step,
                    at=moment,
                    recorded_at=moment,
                    actor_id=officer_ids[0] if step in ("acknowledged", "arrived", "handled") else dispatcher,
                    to_unit_id=place.unit_id if step == "received" else None,
                    details=details,
                )
            )
            code = {
                "received": "incident_received",
                "dispatched": "incident_dispatched",
                "arrived": "incident_arrived",
            }
            if step in code:
                fields = {"area": place.area} if step != "arrived" else {}
                if step == "received":
                    fields["kind"] = kind.category
                events.append(
                    self._event(
                        "incident",
                        pk,
                        code[step],
                        moment,
                        place.unit_id,
                        dispatcher,
                        incident=number,
                        fields=fields,
                    )
                )
        if place.area in self.clocked_areas:
            self.subjects.append(("incident", pk, (place.unit_id, place.station_id, None), events))
        if "handled" not in moments:
            return
        if disposition in (C, A):
            self._case(incident, kind, place, "criminal" if disposition == C else "administrative", caller_id)
        elif disposition == D:
            self._dispute(incident, kind, place, caller_id)

    def _event(
        self,
        subject_type: str,
        subject_id: int,
        code: str,
        at: datetime,
        unit_id: int,
        by: int | None,
        **keys: Any,
    ) -> Any:
        from jingwu.timeline.models import LegalEvent

        fields = keys.pop("fields", None) or {}
        event = R(
            LegalEvent,
            subject_type=subject_type,
            subject_id=subject_id,
            code=code,
            at=at,
            recorded_at=at + timedelta(seconds=self.rng.randrange(5, 600)),
            unit_id=unit_id,
            recorded_by_id=by,
            fields=fields,
            **{"person": "", "item": "", "incident": "", **keys},
        )
        return self.batch.add(event)

    # -- cases
    def _case(self, incident: Any, kind: Kind, place: Place, case_kind: str, caller_id: int | None) -> None:
        from jingwu.cases.models import Case, CaseActivity, CaseParty
        from jingwu.core.demo_data import chinese_name

        rng, bureau = self.rng, self.bureau
        pk = self.ids(Case)
        reviewing = bureau.reviewing[place.station_id]
        team, team_officers = bureau.case_team[place.station_id]
        criminal = case_kind == "criminal"
        offence = self.offence.get(kind.subcategory, self.default_offence)[0 if criminal else 1]
        offence = offence or self.default_offence[0 if criminal else 1]
        accepted = incident.handled_at + timedelta(minutes=rng.randrange(10, 240))
        accepted = min(accepted, self.as_of)
        year = accepted.astimezone(TZ).year
        self.case_counters[(reviewing, year)] += 1
        number = (
            f"{bureau.counter_codes[reviewing].upper()}-{year}-{self.case_counters[(reviewing, year)]:05d}"
        )
        lead = rng.choice(team_officers)
        events: list[Any] = []

        def event(code: str, at: datetime, **keys: Any) -> None:
            events.append(self._event("case", pk, code, at, reviewing, lead, **keys))

        event("report_received", incident.received_at, fields={"incident": incident.number})
        event("case_accepted" if criminal else "admin_case_accepted", accepted)
        case = R(
            Case,
            id=pk,
            number=number,
            kind=case_kind,
            status="accepted",
            title=f"{place.name}{offence.name.removesuffix('罪')}案",
            facts=incident.narrative,
            offence_code="",
            offence="",
            is_major=rng.random() < 0.04,
            source="incident",
            incident_id=incident.pk,
            station_id=place.station_id,
            reviewing_unit_id=reviewing,
            accepted_at=accepted,
            created_by_id=lead,
            updated_at=accepted,
            filed_at=None,
            closed_at=None,
            handling_unit_id=None,
            lead_officer_id=None,
            decision_reason="",
        )
        incident.linked_case_id = pk
        self.batch.add(case)
        self.batch.add(R(CaseActivity, case_id=pk, at=accepted, actor_id=lead, text="受案，进入审查队列"))
        if caller_id:
            self.batch.add(
                R(
                    CaseParty,
                    id=self.ids(CaseParty),
                    case_id=pk,
                    person_id=caller_id,
                    role="reporter",
                    added_at=accepted,
                )
            )
        # 立案 (or 不予立案): usually within the three days of the review, a share of them late.
        delay = (
            _lognormal(rng, 30.0 if criminal else 2.0, 1.0) if rng.random() < 0.92 else rng.uniform(74, 200)
        )
        filed = accepted + timedelta(hours=delay)
        last = accepted
        if filed > self.as_of:
            self.subjects.append(("case", pk, (reviewing, place.station_id, None, case_kind), events))
            return
        case.handling_unit_id, case.lead_officer_id = team, lead
        case.offence_code, case.offence = offence.code, offence.name
        if criminal and rng.random() < 0.08:
            case.status, case.closed_at, case.decision_reason = "not_filed", filed, "经审查，没有犯罪事实。"
            event("decision_not_to_file", filed)
            late = rng.random() > 0.95
            event(
                "not_to_file_notice_served",
                filed + timedelta(days=rng.uniform(3.2, 6) if late else rng.uniform(0.2, 2.5)),
            )
            self._finish_case(case, events, filed, case_kind)
            return
        case.status, case.filed_at = "filed", filed
        event("case_filed" if criminal else "admin_case_filed", filed)
        last = filed
        suspect_key = ""
        if rng.random() < 0.72:  # a suspect identified
            suspect = self._person(name=chinese_name(rng), unit_id=team, by=lead, at=filed, suspect=True)
            party = self.ids(CaseParty)
            self.batch.add(
                R(CaseParty, id=party, case_id=pk, person_id=suspect, role="suspect", added_at=filed)
            )
            suspect_key = f"P{party}"
            last = self._measures(case, events, party, suspect, lead, team, filed, criminal)
            if kind.subcategory in PROPERTY_KINDS and rng.random() < 0.6:
                self._property(case, events, kind, party, lead, filed + timedelta(hours=rng.uniform(1, 20)))
        # The outcome: 移送审查起诉 / 行政处理决定, within the statutory time for most.
        if criminal:
            done = last + timedelta(days=_lognormal(rng, 28, 0.35))
            if done <= self.as_of:
                case.status = "transferred"
                event("transferred_for_prosecution", done)
                closed = done + timedelta(days=rng.uniform(20, 90))
                if closed <= self.as_of and rng.random() < 0.6:
                    case.status, case.closed_at = "closed", closed
                last = done
        else:
            days = rng.uniform(3, 25) if rng.random() < 0.9 else rng.uniform(31, 60)
            done = max(last, accepted + timedelta(days=days))
            if done <= self.as_of:
                case.status = "decided"
                event(
                    "admin_decision_made",
                    done,
                    person=suspect_key,
                    fields={"kind": "penalty" if suspect_key else "other"},
                )
                late = rng.random() > 0.95
                served = done + timedelta(days=rng.uniform(2.2, 5) if late else rng.uniform(0.05, 1.5))
                if suspect_key and served <= self.as_of:
                    event("admin_decision_served", served, person=suspect_key)
                closed = done + timedelta(days=rng.uniform(1, 10))
                if closed <= self.as_of:
                    case.status, case.closed_at = "closed", closed
                last = done
        self._finish_case(case, events, last, case_kind)

    def _finish_case(self, case: Any, events: list[Any], last: datetime, case_kind: str) -> None:
        case.updated_at = max(last, case.closed_at or last)
        self.subjects.append(
            (
                "case",
                case.pk,
                (
                    case.handling_unit_id or case.reviewing_unit_id,
                    case.station_id,
                    case.lead_officer_id,
                    case_kind,
                ),
                events,
            )
        )

    def _measures(
        self,
        case: Any,
        events: list[Any],
        party: int,
        person: int,
        lead: int,
        team: int,
        filed: datetime,
        criminal: bool,
    ) -> datetime:
        """传唤 (most suspects), then for some criminal suspects 刑事拘留 and 取保候审 or 提请逮捕."""
        from jingwu.cases.models import Measure
        from jingwu.custody.models import CustodyStay

        rng = self.rng
        key = f"P{party}"
        reviewing = case.reviewing_unit_id

        def event(code: str, at: datetime, **fields: Any) -> None:
            if at <= self.as_of:
                events.append(
                    self._event("case", case.pk, code, at, reviewing, lead, person=key, fields=fields)
                )

        if rng.random() > 0.7:
            return filed
        arrived = filed + timedelta(hours=rng.uniform(1, 48))
        if arrived > self.as_of:
            return filed
        hours = rng.uniform(2, 7.5) if rng.random() < 0.96 else rng.uniform(8.5, 14)  # a few over the limit
        ended = arrived + timedelta(hours=hours)
        ended = ended if ended <= self.as_of else None
        summons = self.ids(Measure)
        self.batch.add(
            R(
                Measure,
                id=summons,
                case_id=case.pk,
                party_id=party,
                kind="summons",
                started_at=arrived,
                ended_at=ended,
                created_by_id=lead,
            )
        )
        event("summons_arrived", arrived)
        # 通知家属 within the hour after a summons (AD-004), a few late.
        late = rng.random() > 0.94
        event(
            "family_notified",
            arrived + timedelta(hours=rng.uniform(1.2, 3) if late else rng.uniform(0.1, 0.9)),
        )
        if ended is not None:
            event("summons_ended", ended)
        stay = self.ids(CustodyStay)
        entered = arrived + timedelta(minutes=rng.randrange(5, 20))
        exited = ended if ended and ended > entered else None
        self.batch.add(
            R(
                CustodyStay,
                id=stay,
                case_id=case.pk,
                party_id=party,
                person_id=person,
                measure_id=summons,
                basis_document=(
                    f"武公（{'刑' if criminal else '治'}）{'传字' if criminal else '行传字'}"
                    f"〔{arrived.astimezone(TZ).year}〕{summons % 1000}号"
                ),
                entered_at=entered,
                registered_by_id=self.bureau.custody_user,
                status="left" if exited else "inside",
                exited_at=exited,
                exit_destination="released" if exited else "",
                exit_by_id=self.bureau.custody_user if exited else None,
                created_at=entered,
            )
        )
        self.batch.add(R(CustodyStay.brought_by.through, custodystay_id=stay, user_id=lead))
        if ended is None:
            return arrived
        last = ended
        if criminal and rng.random() < 0.4:
            detained = ended
            detention = self.ids(Measure)
            event("criminal_detention_executed", detained)
            event(
                "delivered_to_detention_center",
                detained
                + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.95 else rng.uniform(25, 30)),
            )
            event("interrogation_started", detained + timedelta(hours=rng.uniform(2, 20)))
            event(
                "family_notified",
                detained
                + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.95 else rng.uniform(25, 40)),
            )
            decided = detained + timedelta(
                days=rng.uniform(1, 2.9) if rng.random() < 0.9 else rng.uniform(3.2, 6)
            )
            end = None
            if decided <= self.as_of:
                if rng.random() < 0.5:
                    event("arrest_request_submitted", decided)
                    late = rng.random() > 0.96
                    approved = decided + timedelta(days=rng.uniform(7.2, 9) if late else rng.uniform(2, 6.5))
                    event("arrest_approved", approved)
                    event("arrest_executed", approved + timedelta(hours=rng.uniform(1, 6)))
                    event("arrest_execution_receipt_served", approved + timedelta(days=rng.uniform(0.2, 2.5)))
                    event("family_notified", approved + timedelta(hours=rng.uniform(7, 20)))
                    event("interrogation_started", approved + timedelta(hours=rng.uniform(7, 20)))
                else:
                    event("released", decided, ground="bail")
                    event("bail_started", decided)
                    bail = self.ids(Measure)
                    self.batch.add(
                        R(
                            Measure,
                            id=bail,
                            case_id=case.pk,
                            party_id=party,
                            kind="bail",
                            started_at=decided,
                            created_by_id=lead,
                        )
                    )
                    end = decided
                last = decided
            self.batch.add(
                R(
                    Measure,
                    id=detention,
                    case_id=case.pk,
                    party_id=party,
                    kind="criminal_detention",
                    started_at=detained,
                    ended_at=end,
                    created_by_id=lead,
                )
            )
        return last

    def _property(
        self, case: Any, events: list[Any], kind: Kind, party: int, lead: int, seized: datetime
    ) -> None:
        from jingwu.property.models import CustodyEvent, PropertyItem

        if seized > self.as_of:
            return
        rng = self.rng
        category, description, unit = PROPERTY_KINDS[kind.subcategory]
        year = seized.astimezone(TZ).year
        self.label_counters[year] += 1
        pk = self.ids(PropertyItem)
        handed = seized + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.93 else rng.uniform(25, 60))
        in_room = handed <= self.as_of
        quantity = Decimal(rng.randrange(200, 20000)) if unit == "元" else Decimal(rng.randrange(1, 4))
        self.batch.add(
            R(
                PropertyItem,
                id=pk,
                case_id=case.pk,
                label_code=f"WP-{year}-{self.label_counters[year]:06d}",
                description=description,
                category=category,
                quantity=quantity,
                measure_unit=unit,
                estimated_value=Decimal(rng.randrange(100, 8000)),
                seizure_kind="seized",
                seizure_document=f"武公（财）扣字〔{year}〕{pk % 1000}号",
                seized_at=seized,
                seized_by_id=lead,
                holder_id=party,
                state="in_room" if in_room else "with_officer",
                location_id=self.bureau.location_id if in_room else None,
                state_since=handed if in_room else seized,
                created_by_id=lead,
                created_at=seized,
            )
        )
        key = f"I{pk}"
        self.batch.add(
            R(
                CustodyEvent,
                item_id=pk,
                sequence=1,
                kind="seized",
                at=seized,
                state_after="with_officer",
                handed_over_by="",
                received_by=str(lead),
                reason="依法扣押",
                recorded_by_id=lead,
                recorded_at=seized,
            )
        )
        events.append(
            self._event("case", case.pk, "property_seized", seized, case.reviewing_unit_id, lead, item=key)
        )
        if in_room:
            self.batch.add(
                R(
                    CustodyEvent,
                    item_id=pk,
                    sequence=2,
                    kind="into_room",
                    at=handed,
                    state_after="in_room",
                    location_id=self.bureau.location_id,
                    handed_over_by=str(lead),
                    received_by="涉案财物管理员",
                    reason="移交入库",
                    recorded_by_id=self.bureau.keeper_user,
                    recorded_at=handed,
                )
            )
            for code, at in (
                ("property_handed_to_custodian", handed),
                # 报警务督察备案 within 24 hours (PR-003), a few late.
                (
                    "property_filed_with_inspectorate",
                    handed
                    + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.93 else rng.uniform(25, 50)),
                ),
            ):
                if at <= self.as_of:
                    events.append(
                        self._event("case", case.pk, code, at, case.reviewing_unit_id, lead, item=key)
                    )
                    if code == "property_filed_with_inspectorate":
                        self.batch.rows[PropertyItem][-1].filed_with_inspectorate_at = at

    # -- disputes
    def _dispute(self, incident: Any, kind: Kind, place: Place, caller_id: int | None) -> None:
        from jingwu.core.demo_data import chinese_name
        from jingwu.mediation.models import Dispute, DisputeParty, DisputeRoute, MediationSession

        rng = self.rng
        pk = self.ids(Dispute)
        officer = self.bureau.responders[(place.unit_id, place.station_id)][0]
        registered = min(incident.handled_at + timedelta(minutes=rng.randrange(5, 120)), self.as_of)
        risk = rng.choices(("low", "medium", "high"), (72, 23, 5))[0]
        dispute = R(
            Dispute,
            id=pk,
            number=f"JF{registered.astimezone(TZ).year}{pk:06d}",
            source="incident",
            incident_id=incident.pk,
            kind=DISPUTE_KIND.get(
                kind.subcategory, kind.subcategory if kind.category == "dispute" else "other"
            ),
            relationship=rng.choice(("邻居", "夫妻", "同村村民", "雇佣关系", "亲属", "")),
            village_id=place.village_id,
            address=incident.address,
            description=incident.narrative,
            amount=Decimal(rng.randrange(1000, 80000))
            if kind.subcategory in ("labour", "debt", "consumer")
            else None,
            station_id=place.station_id,
            risk_level=risk,
            risk_suggested=risk,
            risk_reasons=[],
            status="registered",
            registered_at=registered,
            created_by_id=officer,
            updated_at=registered,
            closed_at=None,
            follow_on="",
            failure_reason="",
        )
        incident.linked_dispute_id = pk
        self.batch.add(dispute)
        applicant = caller_id or self._person(
            name=chinese_name(rng), unit_id=place.station_id, by=officer, at=registered
        )
        respondent = self._person(name=chinese_name(rng), unit_id=place.station_id, by=officer, at=registered)
        self.batch.add(R(DisputeParty, dispute_id=pk, person_id=applicant, role="applicant"))
        self.batch.add(R(DisputeParty, dispute_id=pk, person_id=respondent, role="respondent"))
        started = registered + timedelta(hours=rng.uniform(0.5, 48))
        if started > self.as_of:
            return
        route = self.ids(DisputeRoute)
        people = rng.random() < 0.3  # 公调衔接: referred to the people's mediation committee
        self.batch.add(
            R(
                DisputeRoute,
                id=route,
                dispute_id=pk,
                route="people" if people else "police",
                mediator_id=self.bureau.mediator_user if people else None,
                started_at=started,
                started_by_id=officer,
            )
        )
        dispute.status = "in_mediation"
        held = started + timedelta(hours=rng.uniform(2, 120))
        if held > self.as_of:
            return
        result = rng.choices(("agreed", "not_agreed"), (78, 22))[0]
        self.batch.add(
            R(
                MediationSession,
                dispute_id=pk,
                route_id=route,
                held_at=held,
                place=f"{place.township}{place.name}调解室",
                participants="双方当事人、村调委会成员、民警",
                summary="经耐心调解，双方陈述了各自理由。"
                + ("双方自愿达成协议。" if result == "agreed" else "双方分歧较大，未能达成协议。"),
                result=result,
                recorded_by_id=officer,
                recorded_at=held,
            )
        )
        dispute.status = "agreed" if result == "agreed" else "failed"
        dispute.updated_at = held
        closed = held + timedelta(days=rng.uniform(3, 40))
        if closed <= self.as_of and (result == "agreed" or rng.random() < 0.5):
            dispute.status, dispute.closed_at, dispute.updated_at = "closed", closed, closed
            if result != "agreed":
                dispute.follow_on, dispute.failure_reason = "lawsuit", "双方分歧较大"

    # -- deadlines: the engine on each subject's timeline, as deadlines_refresh does after each event
    def _deadlines(self) -> None:
        from jingwu.supervision.models import Deadline
        from jingwu.supervision.services import (
            FINAL_STATUSES,
            _findings,
            _identity,
            _stored_status,
            _title,
            incident_case_kind,
        )

        incident_kind = incident_case_kind()
        for subject_type, subject_id, who, events in self.subjects:
            if not events or not self.with_deadlines:
                continue
            unit_id, station_id, officer_id = who[:3]
            case_kind = who[3] if subject_type == "case" else incident_kind
            events.sort(key=lambda e: e.at)
            seen: set[tuple[str, str]] = set()
            for finding in _findings(events, case_kind, self.as_of):
                rule_id, key = _identity(finding, seen)
                status = _stored_status(finding, None)
                self.batch.add(
                    R(
                        Deadline,
                        subject_type=subject_type,
                        subject_id=subject_id,
                        rule_id=rule_id,
                        key=key,
                        title=_title(finding, rule_id),
                        citation=finding.citation,
                        status=status,
                        due_at=finding.due_at,
                        warn_from=None if status in FINAL_STATUSES else finding.warn_from,
                        message=finding.message,
                        unit_id=unit_id,
                        station_id=station_id,
                        officer_id=officer_id,
                        evaluated_at=self.as_of,
                    )
                )
        self.subjects.clear()

    with_deadlines = True

    def _counters(self) -> None:
        """Bring the numbering counters up to the numbers given, so live numbering continues after them."""
        from jingwu.cases.models import CaseNumberCounter
        from jingwu.property.models import LabelCounter

        for (unit_id, year), last in self.case_counters.items():
            CaseNumberCounter.objects.update_or_create(unit_id=unit_id, year=year, defaults={"last": last})
        for year, last in self.label_counters.items():
            LabelCounter.objects.update_or_create(year=year, defaults={"last": last})


# ----------------------------------------------------------------------------------------------------------
# Entry points


def prepare() -> None:
    """The reference data, the demo accounts and the roster (idempotent)."""
    from jingwu.geo.reference import load_reference_data
    from jingwu.org import demo as org_demo

    load_reference_data()
    org_demo.ensure_demo_accounts()
    org_demo.load(random.Random(DEFAULT_SEED))


def generate(
    *,
    size: int,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    years: float = 1.0,
    counties: int = 1,
    search: bool | None = None,
    rollups: bool = True,
    sweep: bool = True,
    deadlines: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate the bureau into the configured database; returns the counts and timings."""
    from django.db import connection

    from jingwu.incidents.models import Incident

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    began = time.perf_counter()
    say(f"generate: {size:,} incidents, seed {seed}, {years} year(s) to {today}, {counties} county(ies)")
    # PostgreSQL's sequences ignore rollbacks: start every one at its table's maximum id, so the same
    # seed on the same data writes the same ids (rows without an explicit id take theirs from a sequence).
    from django.apps import apps

    _reset_sequences(list(apps.get_models()))
    prepare()
    bureau = _bureau(counties)
    say(f"  {len(bureau.places)} villages, {len(bureau.case_team)} stations")
    generator = Generator(size=size, seed=seed, today=today, years=years, bureau=bureau)
    generator.with_deadlines = deadlines
    order = generator.order()
    # Direct inserts send no post_save: no per-row refresh of deadlines, rollups or the search index.
    setup = time.perf_counter() - began
    counts = generator.run(progress=progress)
    generating = time.perf_counter() - began - setup
    _reset_sequences(order)
    written = time.perf_counter() - began
    extra: dict[str, Any] = {}
    from jingwu.stats.rollup import rebuild

    if rollups:
        t = time.perf_counter()
        extra["stats_rollups"] = rebuild()
        say(f"  stats rollups rebuilt: {extra['stats_rollups']:,} rows in {time.perf_counter() - t:.1f}s")
    if search if search is not None else size <= SEARCH_DEFAULT_LIMIT:
        from jingwu.search.services import search_reindex

        t = time.perf_counter()
        extra["search_index"] = sum(search_reindex().values())
        say(f"  search index rebuilt: {extra['search_index']:,} entries in {time.perf_counter() - t:.1f}s")
    if sweep:
        from jingwu.supervision.services import deadlines_sweep

        t = time.perf_counter()
        result = deadlines_sweep(now=generator.as_of)
        extra["sweep_warnings"], extra["sweep_breaches"] = result.warnings, result.breaches
        took = time.perf_counter() - t
        say(f"  supervision sweep: {result.warnings} warnings, {result.breaches} breaches in {took:.1f}s")
    rows = sum(counts.values())
    return {
        "backend": "postgres" if connection.vendor == "postgresql" else connection.vendor,
        "incidents": Incident.objects.count(),
        "rows": rows,
        "counts": dict(sorted(counts.items())),
        "setup_seconds": round(setup, 2),
        "write_seconds": round(generating, 2),  # generating and inserting the rows, deadlines included
        "until_written_seconds": round(written, 2),
        "seconds": round(time.perf_counter() - began, 2),
        **extra,
    }


def _reset_sequences(models: list[Any]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the ids written."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def digest() -> str:
    """A SHA-256 over the generated tables' rows in id order (the determinism test's fingerprint)."""
    from jingwu.cases.models import Case, CaseParty
    from jingwu.incidents.models import Incident, IncidentStep
    from jingwu.mediation.models import Dispute
    from jingwu.people.models import Person
    from jingwu.property.models import PropertyItem
    from jingwu.supervision.models import Deadline
    from jingwu.timeline.models import LegalEvent

    sha = hashlib.sha256()
    for model in (
        Person,
        Incident,
        IncidentStep,
        Case,
        CaseParty,
        Dispute,
        PropertyItem,
        LegalEvent,
        Deadline,
    ):
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.order_by("pk").values_list(*names):
            sha.update(repr(row).encode())
    return sha.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="incidents to generate")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--years", type=float, default=1.0, help="years of history ending on --today")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=DEFAULT_TODAY, help="the last day (YYYY-MM-DD)"
    )
    parser.add_argument("--counties", type=int, default=1, help="1 = Wuping; K adds K-1 synthetic counties")
    parser.add_argument(
        "--search",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"rebuild the search index (default: when --size <= {SEARCH_DEFAULT_LIMIT:,})",
    )
    parser.add_argument("--sweep", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--deadlines", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--backend", default=None, help="ignored: the database is DATABASE_URL's")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()
    from jingwu.incidents.models import Incident

    if Incident.objects.exists():
        print(
            "generate: the database already holds incidents; use an empty (migrated) database",
            file=sys.stderr,
        )
        return 2
    result = generate(
        size=args.size,
        seed=args.seed,
        today=args.today,
        years=args.years,
        counties=args.counties,
        search=args.search,
        sweep=args.sweep,
        deadlines=args.deadlines,
    )
    from bench.figures import emit

    emit(
        "generate_incidents",
        result.pop("backend"),
        args.size,
        result["rows"] / max(result["write_seconds"], 1e-9),
        "rows/s",
        incidents_per_s=round(args.size / max(result["write_seconds"], 1e-9), 1),
        seed=args.seed,
        **result,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
