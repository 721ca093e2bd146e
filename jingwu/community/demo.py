"""Demo community policing (社区警务): every village of Wuping gets its police assistant and community officer
(a few are left without one, so the gaps show), the `assistant` demo account (蓝小军) looks after 桃溪村;
a month and more of grid work in 桃溪, 湘店, 大禾, 永平 and 中山 by the assistants and the other community
staff (六大员), hazards found and fixed, information reports turned into incidents and a dispute, the
chief's adjustments, the 2026 six-no assessments (one community failing on a telecom-fraud case, one
passing with a justification) and two dialogue meetings with their concerns and tasks.

Everything goes through the services, so the demo records are audited like real ones.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from jingwu.access.roles import Role
from jingwu.cases import services as case_services
from jingwu.cases.choices import CaseKind, CaseSource
from jingwu.cases.offences import find_offence
from jingwu.community import services
from jingwu.community.choices import AssignmentKind, Verdict
from jingwu.community.evidence import evidence_for
from jingwu.community.models import Assignment, StaffMember
from jingwu.community.services import ConcernInput, CriterionVerdict
from jingwu.community.sixno import criteria
from jingwu.core.demo_data import chinese_name, mobile
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.services import incident_create
from jingwu.mediation.services import PartyInput
from jingwu.org.choices import UnitKind
from jingwu.org.models import Role as RoleRow
from jingwu.org.models import Unit, User

ASSISTANT_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会: the `assistant` demo account's village
# Villages left without an assistant (or officer) so that the chief's list of gaps is not empty.
NO_ASSISTANT = {"350824105215", "350824113206", "350824101209"}  # 桃溪新兰村, 湘店湘湖村, 中山上峰村
NO_OFFICER = {"350824105214"}  # 桃溪新华村
FEATURED = ("350824105000", "350824113000", "350824114000", "350824110000", "350824101000")
OTHER_KINDS = ("governance_coordinator", "security_director", "mediator", "grid_worker", "forest_ranger")

PATROL_PLACES = [
    "村部—祠堂—小学—村道沿线",
    "集镇街道—农贸市场—卫生所",
    "后山林区防火通道—水库坝首",
    "溪边游泳高发水域—漫水桥",
    "烟叶烤房集中区—村道岔口",
]
PATROL_NOTES = [
    "沿线巡查未见异常，提醒烤房业主注意用火用电安全。",
    "夜间巡逻，劝离在溪边逗留的两名未成年人。",
    "检查防火通道和扑火工具存放点，工具齐全。",
    "巡查中向村民发放防范电信网络诈骗宣传单二十余份。",
    "重点查看独居老人住户周边，门窗完好。",
]
VISIT_NOTES = [
    "了解家庭近况，宣传反诈知识，指导安装国家反诈中心APP。",
    "走访留守老人，检查家中用电线路，提醒不要私拉乱接。",
    "走访外出务工返乡人员，登记联系方式。",
    "了解邻里关系，双方因宅基地界址有过口角，已提醒村调委会关注。",
    "走访刑满释放人员家庭，情况稳定。",
]
HAZARDS = [
    ("electrical", "村道边电杆", "村道边电线老化，外皮破损，雨天有漏电危险。", "已联系供电所更换线路"),
    ("forest_fire", "后山林区", "山林防火通道堵塞，被倒伏毛竹和杂物占用约五十米。", "组织村民清理通道"),
    ("fire", "老街木结构民房", "老街木结构民房之间堆放柴草，消防通道不畅。", "督促住户清理柴草"),
    ("water", "溪边漫水桥", "溪边漫水桥护栏缺失，夏季有儿童在此戏水。", "村委会设置警示牌和临时护栏"),
    ("traffic", "村口急弯", "村口急弯处无减速带和反光镜，夜间视线差。", "公路站加装凸面镜"),
    ("geological", "村后边坡", "村后边坡雨后出现裂缝，坡下有两户住房。", "已通知住户撤离并上报自然资源所"),
]
REPORTS = [
    (
        "fraud",
        "有村民疑似出租出借银行卡",
        "听村民反映，本村有年轻人在外帮人“跑分”，把自己的银行卡借给外地人使用，每月收取好处费。",
    ),
    (
        "dispute",
        "两户因宅基地滴水檐发生争执",
        "两户相邻村民因新建房屋滴水檐越界发生争吵，一方扬言要拆对方屋檐，需提前介入。",
    ),
    (
        "public_order",
        "村尾空房夜间有人聚集打牌",
        "近一周每晚十点后村尾一空置民房有陌生车辆停放、多人聚集，疑似聚众赌博。",
    ),
    (
        "person",
        "精神障碍患者近期情绪不稳",
        "村里一名登记在册的精神障碍患者近期停药，多次在村部吵闹，家属请求帮助。",
    ),
    ("other", "外来人员收购旧手机", "有外地人员骑三轮车在村里高价收购旧手机、旧电话卡，村民有疑虑。"),
]
LOG_TEXT = [
    "上午巡逻村道和学校周边，下午入户走访三户，宣传防范电信诈骗。",
    "协助社区民警核查流动人口两人；检查烤房用电情况。",
    "参加镇综治中心例会；走访独居老人，处理邻里小矛盾一起。",
    "整理本周巡逻记录；督促隐患整改，拍照留存。",
]


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    moment = datetime.combine(day, time(hour, minute), ZoneInfo(settings.TIME_ZONE))
    return min(moment, timezone.now() - timedelta(minutes=5))


def _villages() -> list[Division]:
    return list(
        Division.objects.filter(level=DivisionLevel.VILLAGE, station__isnull=False)
        .select_related("parent", "station")
        .order_by("code")
    )


def _chief_of(station: Unit) -> User:
    if station.code == "wp-ps-350824105":
        return _user("chief")
    return _user(f"roster-{station.code}-chief")


def _assign_everyone(rng: random.Random, start: datetime) -> int:
    """An assistant and a community officer for every village (but the few left open)."""
    assistant_role = RoleRow.objects.get(code=Role.ASSISTANT)
    demo_assistant = _user("assistant")
    created = 0
    starts = (start - timedelta(days=400)).date()
    officers_of: dict[int, list[User]] = {}
    for village in _villages():
        station = village.station
        chief = _chief_of(station)
        team = Unit.objects.filter(parent=station, kind=UnitKind.COMMUNITY_TEAM).first()
        if team is None:
            continue
        if village.code not in NO_ASSISTANT:
            if village.code == ASSISTANT_VILLAGE:
                assistant = demo_assistant
            else:
                assistant = User(username=f"roster-zl-{village.code}", full_name=chinese_name(rng), unit=team)
                assistant.set_unusable_password()
                assistant.save()
                assistant.roles.add(assistant_role)
            services.assignment_set(
                actor=chief,
                village_id=village.pk,
                kind=AssignmentKind.ASSISTANT,
                user_id=assistant.pk,
                starts_on=starts,
            )
            created += 1
        if village.code not in NO_OFFICER:
            pool = officers_of.setdefault(
                station.pk,
                list(
                    User.objects.filter(unit=team, roles__code=Role.OFFICER, is_active=True).order_by(
                        "username"
                    )
                ),
            )
            if pool:
                # 李志强 (the `officer` demo account) is 桃溪村's community officer, beside 蓝小军.
                officer = (
                    _user("officer")
                    if village.code == ASSISTANT_VILLAGE
                    else pool[int(village.code[-2:]) % len(pool)]
                )
                services.assignment_set(
                    actor=chief,
                    village_id=village.pk,
                    kind=AssignmentKind.OFFICER,
                    user_id=officer.pk,
                    starts_on=starts,
                )
                created += 1
    return created


def _history(rng: random.Random) -> None:
    """桃溪村 had another assistant before 蓝小军: the history shows the hand-over."""
    village = Division.objects.get(code="350824105202")  # 新礤村: a change of assistant last spring
    current = Assignment.objects.get(village=village, kind=AssignmentKind.ASSISTANT, ends_on__isnull=True)
    team = current.user.unit
    newcomer = User(username="roster-zl-350824105202-b", full_name=chinese_name(rng), unit=team)
    newcomer.set_unusable_password()
    newcomer.save()
    newcomer.roles.add(RoleRow.objects.get(code=Role.ASSISTANT))
    services.assignment_set(
        actor=_user("chief"),
        village_id=village.pk,
        kind=AssignmentKind.ASSISTANT,
        user_id=newcomer.pk,
        starts_on=timezone.localdate() - timedelta(days=200),
        note="原警务助理调任镇综治中心",
    )


def _staff(rng: random.Random) -> list[StaffMember]:
    """The other five kinds of 六大员 in the featured townships' villages."""
    members = []
    for village in [v for v in _villages() if v.parent.code in FEATURED]:
        chief = _chief_of(village.station)
        count = 2 if village.parent.code == "350824105000" else 1
        for index in range(count):
            kind = OTHER_KINDS[(int(village.code[-2:]) + index) % len(OTHER_KINDS)]
            members.append(
                services.staff_register(
                    actor=chief, name=chinese_name(rng), kind=kind, village_id=village.pk, phone=mobile(rng)
                )
            )
    return members


def _officer_for(village: Division) -> User:
    held = Assignment.objects.filter(
        village=village, kind=AssignmentKind.OFFICER, ends_on__isnull=True
    ).first()
    return held.user if held else _chief_of(village.station)


def _work(rng: random.Random) -> int:
    """About five weeks of grid work by the staff of the featured townships."""
    created = 0
    staff = StaffMember.objects.filter(village__parent__code__in=FEATURED, is_active=True).select_related(
        "village__station", "user"
    )
    for member in staff.order_by("village__code", "pk"):
        actor = member.user or _officer_for(member.village)
        staff_id = None if member.user else member.pk
        for _ in range(rng.randrange(3, 10)):
            services.activity_record(
                actor=actor,
                kind="patrol",
                place=rng.choice(PATROL_PLACES),
                summary=rng.choice(PATROL_NOTES),
                occurred_at=_at(rng.randrange(0, 36), rng.choice((9, 15, 20))),
                staff_id=staff_id,
            )
            created += 1
        for _ in range(rng.randrange(1, 5)):
            services.activity_record(
                actor=actor,
                kind="visit",
                place=f"{member.village.name.removesuffix('村委会')}村{rng.randrange(1, 12)}组",
                household=chinese_name(rng),
                summary=rng.choice(VISIT_NOTES),
                occurred_at=_at(rng.randrange(0, 36), rng.choice((10, 16))),
                staff_id=staff_id,
            )
            created += 1
        if rng.random() < 0.45:
            category, place, text, fix = rng.choice(HAZARDS)
            days = rng.randrange(3, 36)
            hazard = services.hazard_report(
                actor=actor,
                category=category,
                place=f"{member.village.name.removesuffix('村委会')}村{place}",
                description=text,
                found_at=_at(days, 11),
                staff_id=staff_id,
            )
            created += 1
            if rng.random() < 0.6:
                services.hazard_fix(
                    actor=actor,
                    hazard_id=hazard.pk,
                    fixed_on=timezone.localdate() - timedelta(days=rng.randrange(0, days)),
                    note=fix,
                )
        if member.user and rng.random() < 0.5:
            category, title, content = rng.choice(REPORTS)
            report = services.report_submit(
                actor=actor,
                category=category,
                title=title,
                content=content,
                reported_at=_at(rng.randrange(2, 30), 17),
            )
            created += 1
            if rng.random() < 0.4:
                services.report_decide(
                    actor=_officer_for(member.village),
                    report_id=report.pk,
                    adopted=rng.random() < 0.5,
                    note=rng.choice(["已移交镇综治中心跟踪处理", "经核实情况不属实，不予采用"]),
                )
    return created


def _demo_assistant(rng: random.Random) -> int:
    """蓝小军's own month in 桃溪村: the assistant the visitor logs in as."""
    assistant, officer = _user("assistant"), _user("officer")
    for days in range(1, 30, 2):
        services.activity_record(
            actor=assistant,
            kind="patrol",
            place=rng.choice(PATROL_PLACES),
            summary=rng.choice(PATROL_NOTES),
            occurred_at=_at(days, 20, 30),
        )
        services.daily_log_save(
            actor=assistant, content=rng.choice(LOG_TEXT), day=timezone.localdate() - timedelta(days=days)
        )
    for days in (3, 8, 15):
        services.activity_record(
            actor=assistant,
            kind="visit",
            place=f"桃溪村{days}组",
            household=chinese_name(rng),
            summary=rng.choice(VISIT_NOTES),
            occurred_at=_at(days, 10),
        )
    wire = services.hazard_report(
        actor=assistant,
        category="electrical",
        place="桃溪村村道边（老供销社对面）",
        description="村道边电线老化，外皮开裂下垂，离地不足两米，雨天有漏电危险。",
        found_at=_at(12, 9),
    )
    services.hazard_fix(
        actor=assistant,
        hazard_id=wire.pk,
        fixed_on=timezone.localdate() - timedelta(days=6),
        note="供电所已更换线路并抬高架设",
    )
    services.hazard_report(
        actor=assistant,
        category="forest_fire",
        place="桃溪村后山（风水林一带）",
        description="山林防火通道堵塞，倒伏毛竹和废弃杂物占道约六十米，扑火车辆无法通行。",
        found_at=_at(4, 15),
    )
    fraud = services.report_submit(
        actor=assistant,
        category="fraud",
        title="村民接到冒充客服电话",
        content="村民钟某反映接到自称快递客服的电话，称包裹丢失要理赔，让其下载会议软件共享屏幕，钟某已挂断但对方多次来电。",
        reported_at=_at(9, 18),
    )
    services.report_to_incident(
        actor=officer,
        report_id=fraud.pk,
        category="criminal",
        subcategory="telecom_fraud",
        note="转警情，民警上门反诈劝阻",
    )
    dispute = services.report_submit(
        actor=assistant,
        category="dispute",
        title="两户因水圳改道发生争吵",
        content="桃溪村两户村民因一方将灌溉水圳改道经过另一方责任田发生争吵，双方情绪激动。当事人：刘某生、钟某华。",
        reported_at=_at(6, 17),
    )
    services.report_to_dispute(
        actor=officer,
        report_id=dispute.pk,
        kind="neighbour",
        relationship="同村村民",
        parties=[
            PartyInput(role="applicant", name="刘明生", phone="13859012345"),
            PartyInput(role="respondent", name="钟建华"),
        ],
    )
    services.report_submit(
        actor=assistant,
        category="public_order",
        title="村尾空房夜间有人聚集",
        content="近几晚十点后村尾一空置民房有外地车辆停放、多人进出，疑似聚众赌博，请派出所关注。",
        reported_at=_at(1, 21),
    )
    return 25


def _adjustments() -> int:
    chief = _user("chief")
    month = f"{timezone.localdate():%Y-%m}"
    done = 0
    assistant = StaffMember.objects.get(user__username="assistant")
    services.adjustment_record(
        actor=chief,
        staff_id=assistant.pk,
        month=month,
        points=3,
        reason="协助抓获盗窃电动车嫌疑人一名，提供关键线索",
    )
    done += 1
    other = StaffMember.objects.filter(station=chief.unit, user__isnull=True).order_by("pk").first()
    if other is not None:
        services.adjustment_record(
            actor=chief,
            staff_id=other.pk,
            month=month,
            points=-2,
            reason="月内两次巡逻记录与实际不符，经核实予以扣分",
        )
        done += 1
    return done


def _sixno(rng: random.Random) -> int:
    """2026 six-no assessments: 新礤村 fails 无电诈窝点 (a 帮信 case), 亭头村 passes with a justification."""
    chief, dispatcher, handler = _user("chief"), _user("wubei_dispatcher"), _user("wubei_officer")
    today = timezone.localdate()
    year = today.year
    # Keep the demo's cases inside this year, whatever day of the year the demo is loaded.
    into_year = (today - today.replace(month=1, day=1)).days
    xincai = Division.objects.get(code="350824105202")
    tingtou = Division.objects.get(code="350824105203")
    den = incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code=xincai.code,
        category="criminal",
        subcategory="telecom_fraud",
        narrative="群众举报新礤村一出租屋内有多人使用大量手机卡、电脑昼夜拨打电话，疑为电诈窝点。",
        received_at=_at(min(70, into_year), 22),
        caller_name="匿名群众",
    ).incident
    offence = find_offence("帮助信息网络犯罪活动罪", CaseKind.CRIMINAL)
    case_services.case_accept(
        actor=handler,
        kind=CaseKind.CRIMINAL,
        title="新礤村帮助信息网络犯罪活动案",
        facts="经查，犯罪嫌疑人在新礤村租用民房，为境外诈骗团伙提供手机卡“养卡”和语音转接服务。",
        source=CaseSource.INCIDENT,
        incident_id=den.pk,
        offence_code=offence.code if offence else "",
        accepted_at=_at(min(69, into_year), 23),
    )
    incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code=tingtou.code,
        category="criminal",
        subcategory="telecom_fraud",
        narrative="亭头村村民刘某报警称接到冒充公检法电话，被骗转账人民币两万元。",
        received_at=_at(min(50, into_year), 15),
        caller_name="刘桂英",
    )
    created = 0
    for community, special in (
        (
            xincai,
            {
                "no_fraud_den": CriterionVerdict(
                    Verdict.FAIL, "本村发现为境外诈骗团伙提供“养卡”服务的窝点，已立案侦办"
                )
            },
        ),
        (
            tingtou,
            {
                "no_fraud_den": CriterionVerdict(
                    Verdict.PASS,
                    "本年度一起电诈警情的受害人为本村村民，诈骗行为人在境外，本村无诈骗窝点；已开展入户反诈宣传",
                )
            },
        ),
    ):
        evidence = evidence_for(community, year)
        verdicts = {}
        for item in criteria().items:
            if item.key in special:
                verdicts[item.key] = special[item.key]
            elif evidence[item.key]:
                numbers = "、".join(evidence[item.key].numbers()[:3])
                verdicts[item.key] = CriterionVerdict(
                    Verdict.PASS, f"经核查，{numbers}为一般警情，已妥善处置，未造成严重后果"
                )
            else:
                verdicts[item.key] = CriterionVerdict(Verdict.PASS)
        services.sixno_assess(
            actor=chief, community_id=community.pk, year=year, verdicts=verdicts, conclude=True
        )
        created += 1
    # 桃溪村: started, not concluded.
    taoxi = Division.objects.get(code=ASSISTANT_VILLAGE)
    evidence = evidence_for(taoxi, year)
    services.sixno_assess(
        actor=chief,
        community_id=taoxi.pk,
        year=year,
        verdicts={
            item.key: CriterionVerdict(Verdict.PASS)
            for item in criteria().items[2:4]
            if not evidence[item.key]
        },
    )
    return created + 1


def _meetings() -> int:
    officer, wubei = _user("officer"), _user("wubei_officer")
    taoxi = Division.objects.get(code=ASSISTANT_VILLAGE)
    xiangdian = Division.objects.get(code="350824113204")  # 湘店镇 店下村
    first = services.meeting_record(
        actor=officer,
        village_id=taoxi.pk,
        held_on=timezone.localdate() - timedelta(days=20),
        place="桃溪村村部会议室",
        attendees="桃溪社区警务队民警、警务助理蓝小军、村两委成员、村民代表",
        attendee_count=26,
        summary="通报近期电信诈骗和盗窃电动车警情，听取村民对治安的意见建议。",
        concerns=[
            ConcernInput("村口到小学路段没有路灯，晚上学生放学不安全", "村民代表钟某"),
            ConcernInput("邻居家养的狗经常咬人，协商多次没有结果", "刘某英"),
            ConcernInput("希望民警多到村里宣传防诈骗，老人容易上当", "村民代表林某"),
            ConcernInput("电动车充电有人从楼上拉线，怕引起火灾", "王某"),
        ],
    )
    concerns = list(first.concerns.order_by("pk"))
    services.concern_to_task(
        actor=officer,
        concern_id=concerns[0].pk,
        title="协调村委会在村口至小学路段安装路灯",
        owner_id=_user("assistant").pk,
        due_on=timezone.localdate() - timedelta(days=5),
    )
    services.concern_to_dispute(
        actor=officer,
        concern_id=concerns[1].pk,
        kind="neighbour",
        relationship="邻居",
        parties=[
            PartyInput(role="applicant", name="刘秀英", phone="13959087766"),
            PartyInput(role="respondent", name="钟福生"),
        ],
    )
    services.concern_answer(
        actor=officer,
        concern_id=concerns[2].pk,
        answer="当场答复：每月安排一次反诈宣传进村，下周起在村部设宣传点",
    )
    second = services.meeting_record(
        actor=wubei,
        village_id=xiangdian.pk,
        held_on=timezone.localdate() - timedelta(days=8),
        place="店下村文化活动中心",
        attendees="武北区域联合派出所民警、湘店镇综治中心、店下村干部、群众代表",
        attendee_count=31,
        summary="围绕山林防火和农村道路交通安全听取群众意见。",
        concerns=[
            ConcernInput("山上防火通道被竹子堵了，万一起火车子进不去", "护林员"),
            ConcernInput("赶圩日三轮车载人多，路口容易出事", "村民丘某"),
        ],
    )
    items = list(second.concerns.order_by("pk"))
    services.concern_to_task(
        actor=wubei,
        concern_id=items[0].pk,
        title="组织清理店下村后山防火通道",
        owner_id=_officer_for(xiangdian).pk,
        due_on=timezone.localdate() + timedelta(days=10),
    )
    return 2


def load(rng: random.Random) -> int:
    if Assignment.objects.exists():
        return 0
    created = _assign_everyone(rng, timezone.now())
    _history(rng)
    created += len(_staff(rng))
    created += _work(rng)
    created += _demo_assistant(rng)
    created += _adjustments()
    created += _sixno(rng)
    created += _meetings()
    return created
