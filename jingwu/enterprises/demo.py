"""Demo enterprise liaison (警企联系): two industrial parks and seventeen enterprises in Wuping's townships
(平川, 十方, 岩前, 中山, 城厢, 桃溪) with their liaison officers, visits, requests (some handled), nearby
incidents linked, and two warning bulletins — a new telecom-fraud pattern aimed at finance staff
(冒充老板QQ/微信转账) and a typical contract-fraud case (合同诈骗) — pushed through the outbox: most
delivered and some acknowledged, one failed and re-sent, the second still retrying while the SMS
gateway is down.

The enterprises, their people and codes are invented (their codes pass the GB 32100 check); the
high-tech park is Wuping's real 武平高新技术产业园区, the other park is a generic name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.test.utils import override_settings
from django.utils import timezone

from jingwu.core.demo_data import mobile
from jingwu.enterprises import services
from jingwu.enterprises.models import BulletinDelivery, Enterprise
from jingwu.enterprises.services import EnterpriseInput, Targeting
from jingwu.enterprises.uscc import CHARSET, with_check_character
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.notifications.services import MAX_ATTEMPTS, outbox_deliver
from jingwu.org.models import Unit, User

TOWNSHIPS = {
    "平川": "350824001000",
    "中山": "350824101000",
    "岩前": "350824102000",
    "十方": "350824103000",
    "城厢": "350824106000",
    "桃溪": "350824105000",
}
PARKS = [
    ("武平高新技术产业园区", "十方", "省级高新技术产业园区：电子信息、新材料等产业集聚"),
    ("岩前工业集中区", "岩前", "建材、林产品加工企业集中区"),
]


@dataclass(frozen=True)
class Plan:
    name: str
    industry: str
    township: str
    village: str
    contact: str
    park: str = ""
    email: str = ""
    address: str = ""


PLANS = [
    Plan(
        "福建光阳电子科技有限公司",
        "electronics",
        "十方",
        "十方村委会",
        "钟丽萍",
        PARKS[0][0],
        "caiwu@guangyang.example",
        "高新区光电产业园3号厂房",
    ),
    Plan(
        "武平县晶辉光电有限公司",
        "electronics",
        "十方",
        "十方村委会",
        "王建华",
        PARKS[0][0],
        "",
        "高新区科技路8号",
    ),
    Plan(
        "福建稀源新材料有限公司",
        "materials",
        "十方",
        "黎明村委会",
        "林秀英",
        PARKS[0][0],
        "finance@xiyuan.example",
        "高新区新材料园",
    ),
    Plan(
        "武平县恒远纺织有限公司",
        "textile",
        "十方",
        "黎明村委会",
        "刘春梅",
        PARKS[0][0],
        "",
        "高新区纺织园2栋",
    ),
    Plan(
        "武平县华宇精密模具有限公司",
        "electronics",
        "十方",
        "三坊村委会",
        "李国平",
        PARKS[0][0],
        "",
        "高新区标准厂房B区",
    ),
    Plan(
        "武平县岩前建材有限公司",
        "construction",
        "岩前",
        "灵岩村委会",
        "蓝志明",
        PARKS[1][0],
        "",
        "岩前工业集中区1号",
    ),
    Plan(
        "武平县绿源木业有限公司",
        "forestry",
        "岩前",
        "大布村委会",
        "邱文才",
        PARKS[1][0],
        "",
        "岩前工业集中区5号",
    ),
    Plan("武平县福鑫矿业有限公司", "mining", "岩前", "东峰村委会", "练海波", "", "", "东峰村矿区"),
    Plan(
        "武平县绿韵茶业有限公司",
        "food",
        "平川",
        "东城社区居委会",
        "钟美华",
        "",
        "lvyun@tea.example",
        "东城路36号",
    ),
    Plan("武平县金穗商贸有限公司", "logistics", "平川", "城南社区居委会", "谢永强", "", "", "城南商贸城A区"),
    Plan(
        "武平县鑫源小额贷款有限公司",
        "finance",
        "平川",
        "河西社区居委会",
        "饶晓玲",
        "",
        "xinyuan@loan.example",
        "河西路12号二楼",
    ),
    Plan("武平县梁野酒店管理有限公司", "tourism", "城厢", "梁野社区居委会", "曾德胜", "", "", "梁野大道88号"),
    Plan("武平县城厢竹木制品厂", "forestry", "城厢", "灵通村委会", "朱福生", "", "", "灵通村竹木加工点"),
    Plan("武平县中山百香果食品有限公司", "food", "中山", "新城村委会", "赖秀琴", "", "", "新城村食品加工厂"),
    Plan("武平县客家物流有限公司", "logistics", "中山", "城中村委会", "王志坚", "", "", "城中村物流园"),
    Plan("武平县桃溪绿茶专业合作社", "food", "桃溪", "桃溪村委会", "钟福来", "", "", "桃溪村茶叶加工厂"),
    Plan("武平县桃溪水电站有限公司", "other", "桃溪", "亭头村委会", "刘远东", "", "", "亭头村电站"),
]

VISIT_TOPICS = [
    "通报近期冒充老板、冒充客户诈骗案情，督促财务人员落实大额转账电话核实、双人复核制度。",
    "了解企业生产经营情况和用工情况，宣传《反电信网络诈骗法》，发放防诈宣传手册。",
    "检查厂区内部安全保卫制度落实情况，指导完善门卫值班和外来人员车辆登记。",
    "走访企业负责人，听取对周边治安环境的意见，协调解决员工上下班交通安全问题。",
    "节前安全检查：消防设施、视频监控、仓库及财务室防盗措施。",
]
VISIT_CHECKS = [
    ["payment_check", "anti_fraud_training"],
    ["anti_fraud_training"],
    ["internal_security", "gate", "cctv"],
    ["internal_security"],
    ["fire", "cctv", "internal_security"],
]
FINDINGS = [
    "",
    "",
    "二号仓库消防通道堆放纸箱，已要求当日清理。",
    "",
    "财务室防盗门锁损坏，已要求三日内更换。",
]
REQUESTS = [
    (
        "traffic",
        "上下班高峰厂区门口货车乱停，员工电动车通行不安全，请求协助疏导。",
        "已协调交警中队在早晚高峰派员疏导，并在厂区门口划设临时停车区。",
    ),
    (
        "permit",
        "新招外省员工二十余人，请求集中办理居住证。",
        "已安排社区民警上门集中采集信息，居住证已全部办结。",
    ),
    ("security", "夜间厂区围墙外多次有人翻越，怀疑盗窃废旧物资，请求加强巡逻。", ""),
    (
        "dispute",
        "与外包施工队存在工程款纠纷，对方扬言到厂区聚集，请求提前介入。",
        "已约谈双方负责人，引导通过人民调解委员会解决，双方已达成分期支付协议。",
    ),
    ("fraud", "财务人员疑似接到冒充老板的QQ好友申请，请求民警上门开展反诈培训。", ""),
    (
        "security",
        "企业新建仓库，请求指导视频监控点位设置。",
        "已会同技防人员现场勘察，建议增设4个监控点位，企业已采纳。",
    ),
    ("other", "请求派员到企业开展一次全员普法讲座。", ""),
]
BULLETIN_FRAUD = (
    "警惕冒充老板QQ/微信要求财务转账诈骗",
    "近期我县出现不法分子冒充企业老板诈骗案件：骗子盗用或仿冒老板的QQ、微信头像和昵称，以“拉工作群”"
    "或添加好友的方式联系企业财务人员，随后以“急需支付货款、保证金”等理由要求立即转账到指定账户，"
    "并称“正在开会不方便接电话”。\n防范提示：一、凡是通过QQ、微信要求转账的，务必通过电话或当面向老板本人"
    "核实；二、大额转账严格执行双人复核；三、发现可疑情况立即拨打110或96110反诈专线。",
)
BULLETIN_CONTRACT = (
    "典型案例：冒充央企“项目方”合同诈骗",
    "某县一建材企业负责人经“中间人”介绍，结识自称某央企子公司项目负责人的男子，对方出示伪造的中标通知书"
    "和合同专用章，以“分包工程需先交履约保证金”为由，骗取保证金60万元后失联。\n防范提示：签订合同前通过"
    "国家企业信用信息公示系统核实对方主体信息；保证金须转入对方公司对公账户；对“先交钱后给项目”的要求"
    "高度警惕，发现被骗及时报警。",
)


def _uscc(rng: random.Random) -> str:
    return with_check_character("91350824MA" + "".join(rng.choice(CHARSET) for _ in range(7)))


def _officer_for(station: Unit) -> User:
    """Who registers and looks after the enterprises of a station: a demo account there, else the roster."""
    staff = User.objects.filter(is_active=True, roles__code="officer", unit__path__startswith=station.path)
    demo = staff.filter(username__in=["officer", "pingchuan_officer"]).order_by("username").first()
    return demo or staff.order_by("username").first()


def _chief_for(station: Unit) -> User | None:
    return (
        User.objects.filter(is_active=True, roles__code="unit_chief", unit__path__startswith=station.path)
        .order_by("username")
        .first()
    )


def load(rng: random.Random) -> int:
    if Enterprise.objects.exists():
        return 0
    leader = User.objects.get(username="leader")
    now = timezone.now()
    today = timezone.localdate()
    townships = {name: Division.objects.get(code=code) for name, code in TOWNSHIPS.items()}
    parks = {
        name: services.park_create(actor=leader, name=name, township_id=townships[town].pk, description=text)
        for name, town, text in PARKS
    }
    created: list[Enterprise] = []
    for plan in PLANS:
        village = Division.objects.get(
            parent=townships[plan.township], name=plan.village, level=DivisionLevel.VILLAGE
        )
        station = services.station_of(village)
        officer = _officer_for(station)
        enterprise = services.enterprise_create(
            actor=officer,
            data=EnterpriseInput(
                name=plan.name,
                uscc=_uscc(rng),
                industry=plan.industry,
                village_id=village.pk,
                contact_name=plan.contact,
                contact_phone=mobile(rng),
                contact_email=plan.email,
                address=plan.address,
                park_id=parks[plan.park].pk if plan.park else None,
                liaison_id=officer.pk,
            ),
        )
        created.append(enterprise)
        # 走访: one to three visits over the last three months.
        for n in range(rng.randint(1, 3)):
            k = rng.randrange(len(VISIT_TOPICS))
            services.visit_record(
                actor=officer,
                enterprise_id=enterprise.pk,
                topics=VISIT_TOPICS[k],
                checks=VISIT_CHECKS[k],
                findings=FINDINGS[k],
                visited_on=today - timedelta(days=rng.randint(5, 85) - n),
            )
    # 企业诉求: some handled, some open.
    for index, (kind, summary, handled) in enumerate(REQUESTS):
        enterprise = created[(index * 5 + 2) % len(created)]
        officer = enterprise.liaison
        raised = today - timedelta(days=rng.randint(10, 40))
        request = services.request_record(
            actor=officer, enterprise_id=enterprise.pk, kind=kind, summary=summary, raised_on=raised
        )
        if handled:
            services.request_handle(
                actor=officer,
                request_id=request.pk,
                handling_note=handled,
                handled_on=min(today, raised + timedelta(days=rng.randint(2, 9))),
            )
    linked = _link_incidents(rng, created, now)
    _bulletins(leader, townships)
    return len(created) + linked


def _link_incidents(rng: random.Random, enterprises: list[Enterprise], now: datetime) -> int:
    """Nearby incidents (same township, last 90 days) of the kinds that touch a business."""
    kinds = ["theft", "ebike_theft", "fraud", "telecom_fraud", "labour", "fight", "building_fire"]
    linked = 0
    for enterprise in enterprises:
        near = list(
            Incident.objects.filter(
                village__parent=enterprise.township,
                subcategory__in=kinds,
                received_at__gte=now - timedelta(days=services.LINKABLE_DAYS),
            ).order_by("-received_at")[:3]
        )
        if not near or rng.random() < 0.4:
            continue
        for incident in near[: rng.randint(1, 2)]:
            services.incident_link(
                actor=enterprise.liaison,
                enterprise_id=enterprise.pk,
                incident_id=incident.pk,
                note="发生在企业周边" if incident.village_id != enterprise.village_id else "发生在企业所在村",
            )
            linked += 1
    return linked


def _bulletins(leader: User, townships: dict[str, Division]) -> None:
    """Two bulletins through the outbox, delivered with a stand-in SMS gateway (see module docstring)."""
    fraud = services.bulletin_issue(
        actor=leader,
        title=BULLETIN_FRAUD[0],
        body=BULLETIN_FRAUD[1],
        kind="fraud_pattern",
        targeting=Targeting(township_ids=tuple(townships[t].pk for t in ("平川", "十方", "桃溪"))),
    )
    deliveries = list(
        BulletinDelivery.objects.filter(bulletin=fraud).select_related("enterprise__liaison").order_by("id")
    )
    # One number's operator refuses the messages until the outbox gives up; the others go through.
    unlucky = next(d for d in deliveries if d.channel == "sms")
    refuse = f"sh -c 'test \"$1\" != {unlucky.address}' sh {{phone}}"
    with override_settings(JINGWU_SMS_COMMAND=refuse):
        for _ in range(MAX_ATTEMPTS):
            outbox_deliver()
    # The liaison officer re-sends it after calling the enterprise; this time it goes through.
    services.delivery_resend(actor=unlucky.enterprise.liaison, delivery_id=unlucky.pk)
    with override_settings(JINGWU_SMS_COMMAND="true"):
        outbox_deliver()
    # Acknowledgements recorded by the liaison officers after a phone call.
    for delivery in deliveries[1::2]:
        services.delivery_acknowledge(
            actor=delivery.enterprise.liaison,
            delivery_id=delivery.pk,
            method="phone",
            note="已电话确认，财务人员已组织学习",
        )
    # The contract-fraud case goes to the industries that sign large contracts; the SMS gateway is down.
    contract = services.bulletin_issue(
        actor=leader,
        title=BULLETIN_CONTRACT[0],
        body=BULLETIN_CONTRACT[1],
        kind="typical_case",
        targeting=Targeting(industries=("construction", "mining", "forestry", "materials", "logistics")),
    )
    with override_settings(JINGWU_SMS_COMMAND="false"):
        outbox_deliver()
    # One of them is told in person by its liaison officer during a visit.
    first = BulletinDelivery.objects.filter(bulletin=contract).select_related("enterprise__liaison").first()
    services.delivery_acknowledge(
        actor=first.enterprise.liaison, delivery_id=first.pk, method="in_person", note="走访时当面告知负责人"
    )
