"""Demo of ecological policing (生态警务) in Wuping, a key forest county: forest zones of 梁野山, 湘店, 大禾
and 桃溪 with their three levels of forest police chiefs, two months of patrols (one zone overdue), findings
(one handed on as an incident of 盗伐林木 in 大禾), two transfers from 武平县林业局 (one filed — 滥伐林木
25 立方米 in 湘店; one refused — below the threshold) and the 2026 守青山、护绿水 campaign."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.offences import find_offence
from jingwu.core.demo_data import chinese_name
from jingwu.ecology import services
from jingwu.ecology.models import Campaign, ForestZone
from jingwu.ecology.services import FindingInput
from jingwu.geo.models import Division
from jingwu.org.models import Role, Unit, User

FOREST_STAFF = ("roster-wp-st-1", "roster-wp-st-2", "roster-wp-st-3")
FOREST_CHIEF = "roster-wp-st-chief"

# (code, name, township, villages, area in mu, every N days, description)
ZONES = (
    (
        "LQ-CX-01",
        "梁野山国家级自然保护区（城厢片）",
        "350824106000",
        ["350824106209", "350824106213", "350824106216"],
        "84900",
        7,
        "梁野山国家级自然保护区核心区及缓冲区，南方红豆杉、伯乐树等珍稀植物集中分布，防火重点区域。",
    ),
    (
        "LQ-YQ-01",
        "梁野山北麓（岩前片）",
        "350824102000",
        ["350824102201", "350824102203", "350824102207"],
        "26500",
        10,
        "梁野山北麓生态公益林，毗邻灵岩寺景区，游客野外用火风险较高。",
    ),
    (
        "LQ-XD-01",
        "湘店七里—尧山林区",
        "350824113000",
        ["350824113201", "350824113203", "350824113205"],
        "41200",
        7,
        "武平县集体林权制度改革发源地周边商品林区，杉木、马尾松为主，采伐作业点多。",
    ),
    (
        "LQ-DH-01",
        "大禾龙坑—帽布林区",
        "350824114000",
        ["350824114205", "350824114210", "350824114211"],
        "38700",
        7,
        "闽粤赣交界山区，林区道路通往江西会昌，盗伐林木及木材非法运输易发。",
    ),
    (
        "LQ-TX-01",
        "桃溪亭头—小澜林区",
        "350824105000",
        ["350824105203", "350824105213", "350824105210"],
        "19800",
        14,
        "桃溪镇西部山林，毛竹与杉木混交林，山林权属纠纷多发。",
    ),
)


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def ensure_forest_staff(rng: random.Random | None = None) -> list[User]:
    """The forest police brigade's officers and its chief (no usable password: they stand for the staff)."""
    rng = rng or random.Random(3508)
    unit = Unit.objects.get(code=services.FOREST_POLICE_UNIT)
    staff = []
    for username in (*FOREST_STAFF, FOREST_CHIEF):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=chinese_name(rng),
                unit=unit,
                badge_number=f"35{rng.randrange(10**4, 10**5)}",
            )
            user.set_unusable_password()
            user.save()
            user.roles.add(Role.objects.get(code="unit_chief" if username == FOREST_CHIEF else "officer"))
        staff.append(user)
    return staff


def _station_chief(zone: ForestZone) -> User:
    """The chief of the zone's station (or of the joint station commanding it)."""
    station = zone.station
    for user in User.objects.filter(roles__code="unit_chief", is_active=True).select_related("unit"):
        if user.unit.code in {station.code, *station.commanded_by.values_list("code", flat=True)}:
            return user
    return _user(FOREST_CHIEF)


def _village_officer(zone: ForestZone) -> User:
    return User.objects.filter(
        roles__code="officer", unit__code=f"{zone.station.code}-sq", is_active=True
    ).order_by("username").first() or _user(FOREST_STAFF[0])


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def load(rng: random.Random) -> int:
    if ForestZone.objects.exists():
        return 0
    forest = ensure_forest_staff(rng)
    brigade_chief = _user(FOREST_CHIEF)
    leader = _user("leader")
    today = timezone.localdate()
    created = 0
    zones: dict[str, ForestZone] = {}
    for code, name, township, villages, area, every, description in ZONES:
        zone = services.zone_create(
            actor=leader,
            code=code,
            name=name,
            township_id=Division.objects.get(code=township).pk,
            village_ids=list(Division.objects.filter(code__in=villages).values_list("pk", flat=True)),
            patrol_every_days=every,
            area_mu=Decimal(area),
            description=description,
        )
        # Set up well before the patrols (the records date from the forest chief system's launch).
        ForestZone.objects.filter(pk=zone.pk).update(created_at=timezone.now() - timedelta(days=400))
        zone.refresh_from_db()
        zones[code] = zone
        start = today - timedelta(days=300)
        services.chief_assign(
            actor=leader, zone_id=zone.pk, level="county", user_id=brigade_chief.pk, started_on=start
        )
        services.chief_assign(
            actor=leader, zone_id=zone.pk, level="township", user_id=_station_chief(zone).pk, started_on=start
        )
        services.chief_assign(
            actor=leader,
            zone_id=zone.pk,
            level="village",
            user_id=_village_officer(zone).pk,
            started_on=start,
        )
        created += 4
    # A change of village chief in 大禾 (history kept).
    dahe = zones["LQ-DH-01"]
    services.chief_assign(
        actor=leader,
        zone_id=dahe.pk,
        level="village",
        user_id=forest[1].pk,
        started_on=today - timedelta(days=45),
        note="原村级警长调岗",
    )
    routes = {
        "LQ-CX-01": "保护区管理站—梁野山古母石—云礤村—防火瞭望台—原路返回",
        "LQ-YQ-01": "灵岩村—将军村林道—伏虎村后山防火林带",
        "LQ-XD-01": "七里村—尧山村采伐作业点—湘洋村木材检查站",
        "LQ-DH-01": "龙坑村—帽布村林道—坪坑村省界卡口",
        "LQ-TX-01": "亭头村—小澜村—湘坑村竹林",
    }
    # Two months of patrols, counted back from the last one; 桃溪's last was 20 days ago, so with its
    # 14-day cycle it is overdue.
    for code, zone in zones.items():
        day = today - timedelta(days=20 if code == "LQ-TX-01" else rng.randrange(1, 4))
        while day >= today - timedelta(days=60):
            officers = [forest[rng.randrange(len(forest) - 1)], _village_officer(zone)]
            start = _moment(day, rng.choice([8, 9, 14]), rng.choice([0, 15, 30]))
            services.patrol_record(
                actor=officers[0],
                zone_id=zone.pk,
                started_at=start,
                ended_at=start + timedelta(hours=rng.choice([3, 4, 5])),
                officer_ids=[o.pk for o in officers],
                route_text=routes[code],
                route_points=[[25.09 + rng.random() / 20, 116.05 + rng.random() / 20] for _ in range(4)],
                summary="沿途检查林木采伐、野外用火情况，宣传森林防火和野生动物保护法规，未见异常。",
            )
            created += 1
            day -= timedelta(days=max(3, zone.patrol_every_days - rng.randrange(3)))
    # Patrols with findings: illegal logging in 大禾 (handed on as an incident), a fire hazard in 岩前.
    officer = forest[0]
    found = services.patrol_record(
        actor=officer,
        zone_id=dahe.pk,
        started_at=_moment(today - timedelta(days=9), 8, 30),
        ended_at=_moment(today - timedelta(days=9), 13, 0),
        officer_ids=[officer.pk, forest[1].pk],
        route_text=routes["LQ-DH-01"],
        summary="在帽布村后龙山发现新伐杉木桩，现场留有油锯锯屑及拖运痕迹。",
        findings=[
            FindingInput(
                "illegal_logging",
                "帽布村后龙山杉木林内发现新伐伐桩23个（胸径18—26厘米），未见采伐许可公示，疑似盗伐林木。",
                Division.objects.get(code="350824114210").pk,
            )
        ],
    )
    services.finding_to_incident(actor=officer, finding_id=found.findings.get().pk)
    yanqian = zones["LQ-YQ-01"]
    services.patrol_record(
        actor=officer,
        zone_id=yanqian.pk,
        started_at=_moment(today - timedelta(days=5), 14, 0),
        ended_at=_moment(today - timedelta(days=5), 17, 30),
        officer_ids=[officer.pk],
        route_text=routes["LQ-YQ-01"],
        summary="将军村林缘发现农户堆烧田埂杂草，已当场扑灭并教育。",
        findings=[
            FindingInput(
                "fire_hazard",
                "将军村后山林缘有农户炼山堆烧杂草，余火未熄，距林缘不足30米，已当场扑灭并责令写下保证书。",
                Division.objects.get(code="350824102203").pk,
            ),
            FindingInput("wildlife", "伏虎村防火林带发现红外相机拍到的黄麂活动痕迹，未见捕猎工具。"),
        ],
    )
    created += 2
    created += _transfers(today)
    created += _campaigns(today)
    return created


def _transfers(today: date) -> int:
    agency = Unit.objects.get(code="ext-lyj")
    officer, legal_officer = _user("wubei_officer"), _user("legal_officer")
    chief = User.objects.get(username="roster-wp-wb-chief")
    # Recent, so that the decisions the demo takes now fall within the 3 days of the review.
    received = _moment(today - timedelta(days=2), 10, 0)
    filed = services.transfer_receive(
        actor=officer,
        agency_id=agency.pk,
        letter_number="武林移〔2026〕7号",
        township_id=Division.objects.get(code="350824113000").pk,
        place="湘店镇七里村“黄泥坑”山场",
        offence_code=find_offence("滥伐林木罪", "criminal").code,  # type: ignore[union-attr]
        facts=(
            "2026年9月，钟某某在取得采伐许可证（采伐蓄积12立方米）后，超出许可范围在湘店镇七里村“黄泥坑”山场"
            "采伐杉木，经武平县林业局委托鉴定，超许可采伐立木蓄积25立方米。"
        ),
        materials="涉嫌犯罪案件移送书、涉嫌犯罪案件情况的调查报告、林木采伐许可证复印件、伐区调查设计书、"
        "林木蓄积鉴定意见、现场勘验笔录及照片、询问笔录3份",
        received_at=received,
        quantities={"standing_volume_m3": "25", "value_cny": "28000"},
    )
    reviewing = services.transfer_decide(
        actor=legal_officer,
        transfer_id=filed.pk,
        decision="accept",
        reason="超许可采伐立木蓄积25立方米，达到滥伐林木罪“数量较大”的立案追诉标准（20立方米）。",
        lead_officer_id=officer.pk,
    )
    approval = reviewing.case.approvals.get(status="pending")
    case_services.approval_decide(actor=chief, approval_id=approval.pk, decision="approve")
    services.transfer_notify(
        actor=officer,
        transfer_id=filed.pk,
        notice_number="武公（武北）立通字〔2026〕21号",
        issued_on=today,
        served_at=timezone.now(),
        received_by="林业局法规股 王某",
    )
    refused = services.transfer_receive(
        actor=officer,
        agency_id=agency.pk,
        letter_number="武林移〔2026〕9号",
        township_id=Division.objects.get(code="350824105000").pk,
        place="桃溪镇小澜村“竹子坳”",
        offence_code=find_offence("滥伐林木罪", "criminal").code,  # type: ignore[union-attr]
        facts="刘某某未办理采伐许可证，在自家承包山场采伐杉木，经鉴定立木蓄积8.6立方米。",
        materials="涉嫌犯罪案件移送书、调查报告、林木蓄积鉴定意见、现场照片",
        received_at=_moment(today - timedelta(days=1), 15, 30),
        quantities={"standing_volume_m3": "8.6", "value_cny": "9800"},
    )
    services.transfer_decide(
        actor=legal_officer,
        transfer_id=refused.pk,
        decision="refuse",
        reason="滥伐立木蓄积8.6立方米，未达滥伐林木罪“数量较大”的立案追诉标准（20立方米），"
        "不构成犯罪；建议由林业主管部门依照森林法第76条给予行政处罚。",
    )
    approval = refused.case.approvals.get(status="pending")
    case_services.approval_decide(actor=chief, approval_id=approval.pk, decision="approve")
    services.transfer_notify(
        actor=officer,
        transfer_id=refused.pk,
        notice_number="武公（武北）不立通字〔2026〕4号",
        issued_on=today,
        served_at=timezone.now(),
        received_by="林业局法规股 王某",
    )
    return 2


def _campaigns(today: date) -> int:
    leader = _user("leader")
    codes = [
        find_offence(name, "criminal").code  # type: ignore[union-attr]
        for name in (
            "盗伐林木罪",
            "滥伐林木罪",
            "非法收购、运输盗伐、滥伐的林木罪",
            "非法占用农用地罪",
            "失火罪",
            "非法猎捕、杀害珍贵、濒危野生动物罪",
        )
    ]
    services.campaign_create(
        actor=leader,
        name="2026年“守青山、护绿水”专项行动",
        starts_on=date(today.year, 3, 1),
        ends_on=date(today.year, 12, 31),
        offence_codes=codes,
        incident_kinds=["fire_forest/illegal_logging", "fire_forest/forest_fire", "fire_forest/outdoor_fire"],
        description="严厉打击盗伐滥伐林木、非法占用林地、野外违规用火及破坏野生动植物资源违法犯罪，"
        "守护梁野山国家级自然保护区和全县重点生态区位。",
    )
    theft, brawl = find_offence("盗窃罪", "criminal"), find_offence("故意伤害罪", "criminal")
    services.campaign_create(
        actor=leader,
        name=f"{today.year}年夏季治安打击整治行动",
        starts_on=date(today.year, 6, 1),
        ends_on=date(today.year, 9, 30),
        offence_codes=[theft.code, brawl.code],  # type: ignore[union-attr]
        incident_kinds=["public_order", "criminal/theft", "criminal/ebike_theft"],
        township_ids=list(
            Division.objects.filter(code__in=["350824001000", "350824106000", "350824102000"]).values_list(
                "pk", flat=True
            )
        ),
        description="夏季夜间治安巡防，严打盗窃、斗殴等多发性违法犯罪。",
    )
    return Campaign.objects.count()
