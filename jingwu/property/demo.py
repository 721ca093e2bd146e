"""Demo property (涉案财物): the property room's locations and items on the demo cases, each with a
realistic chain — a stolen 电动车 of a 桃溪 theft returned to its owner on a 发还 decision, phones of a
fraud case on shelf A-02-03 (one out for price appraisal), the cash of that case in the safe, and timber
of an illegal-logging case in a 湘店/大禾 forest still with the officers after the statutory 24 hours (so
supervision and the chain-break report show it)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.choices import CaseKind, CaseSource, PartyRole
from jingwu.cases.models import Case, CaseParty
from jingwu.cases.offences import find_offence
from jingwu.org.models import Unit, User
from jingwu.property import services
from jingwu.property.choices import CustodyKind, PropertyCategory, SeizureKind
from jingwu.property.models import PropertyItem, PropertyLocation

TAOXI = "wp-ps-350824105"
FOREST_STATIONS = ("wp-ps-350824113", "wp-ps-350824114")  # 湘店, 大禾 (members of 武北)
LOCATIONS = [  # room, shelf, box, description
    ("A", "01", "01", "一号库 一般物品"),
    ("A", "01", "02", "一号库 一般物品"),
    ("A", "02", "03", "一号库 电子产品"),
    ("B", "01", "01", "贵重物品保险柜"),
    ("C", "01", "", "车辆停放区"),
    ("D", "01", "", "林产品堆放场"),
]


def _user(name: str) -> User:
    return User.objects.select_related("unit").get(username=name)


def _case(subcategory: str, stations: tuple[str, ...] | None, kind: str, title: str, facts: str) -> Case:
    """A demo case of that kind of incident with a lead officer, or a new walk-in case like it."""
    cases = Case.objects.filter(
        incident__subcategory=subcategory, kind=kind, lead_officer__isnull=False
    ).select_related("station", "reviewing_unit", "handling_unit", "lead_officer")
    if stations:
        cases = cases.filter(station__code__in=stations)
    found = cases.order_by("accepted_at", "id").first()
    if found is not None:
        return found
    station = Unit.objects.get(code=(stations or (TAOXI,))[0])
    officer = _user("wubei_officer")
    case = case_services.case_accept(
        actor=officer,
        kind=kind,
        title=title,
        facts=facts,
        source=CaseSource.WALK_IN,
        station_id=station.pk,
        accepted_at=timezone.now() - timedelta(days=6),
    )
    offence = find_offence("盗窃罪" if subcategory == "ebike_theft" else "诈骗罪", CaseKind.CRIMINAL)
    if kind == CaseKind.ADMINISTRATIVE:
        offence = find_offence("违反规定在野外用火", CaseKind.ADMINISTRATIVE)
    return case_services.case_assign(
        actor=_user("legal_affairs"),
        case_id=case.pk,
        version=case.version,
        kind=kind,
        offence_code=offence.code if offence else "",
        is_major=False,
        lead_officer_id=officer.pk,
    )


def _party(case: Case, role: str) -> CaseParty | None:
    return case.parties.filter(role=role).select_related("person").order_by("id").first()


def _register(case: Case, at: datetime, number: str, **fields: Any) -> PropertyItem:
    officer = case.lead_officer
    suspect = _party(case, PartyRole.SUSPECT)
    return services.item_register(
        actor=officer,
        case_id=case.pk,
        seized_at=at,
        seizure_document=number,
        holder_id=suspect.pk if suspect else None,
        **fields,
    )


def _hand_in(item: PropertyItem, keeper: User, location: PropertyLocation, at: datetime) -> None:
    services.item_move(
        actor=keeper,
        item_id=item.pk,
        kind=CustodyKind.INTO_ROOM,
        at=at,
        location_id=location.pk,
        handed_over_by=item.seized_by.full_name,
        received_by=keeper.full_name,
        reason="扣押后移交涉案财物管理人员，当面清点、拍照、贴签",
    )
    services.item_file_with_inspectorate(actor=keeper, item_id=item.pk, at=at + timedelta(hours=2))


def load(rng: random.Random) -> int:
    if PropertyItem.objects.exists():
        return 0
    keeper = _user("property_keeper")
    for room, shelf, box, description in LOCATIONS:
        services.location_create(actor=keeper, room=room, shelf=shelf, box=box, description=description)
    where = {loc.code: loc for loc in PropertyLocation.objects.all()}
    now = timezone.now().replace(second=0, microsecond=0)
    year = timezone.localtime(now).year
    created = 0

    theft = _case(
        "ebike_theft",
        (TAOXI,),
        CaseKind.CRIMINAL,
        "桃溪村电动车被盗案",
        "报案人称其停放在桃溪村菜市场的蓝色雅迪电动车被盗。",
    )
    seized = now - timedelta(days=5, hours=rng.randrange(1, 6))
    ebike = _register(
        theft,
        seized,
        f"武公（刑）扣字〔{year}〕{rng.randrange(10, 90)}号",
        description="蓝色雅迪电动车一辆，车架号LYD2024093318，前筐有划痕",
        category=PropertyCategory.VEHICLE,
        quantity=1,
        measure_unit="辆",
        estimated_value="2800",
        seizure_kind=SeizureKind.SEIZED,
        seized_place="桃溪镇新街废品收购站",
    )
    _hand_in(ebike, keeper, where["C-01"], seized + timedelta(hours=3))
    owner = _party(theft, PartyRole.REPORTER) or _party(theft, PartyRole.VICTIM)
    services.item_move(
        actor=keeper,
        item_id=ebike.pk,
        kind=CustodyKind.RETURN_TO_OWNER,
        at=seized + timedelta(days=2, hours=4),
        handed_over_by=keeper.full_name,
        received_by=owner.person.name if owner else "失主",
        reason="经辨认确属被害人所有，拍照固定证据后发还",
        document_number=f"武公（刑）发还字〔{year}〕{rng.randrange(3, 30)}号",
    )
    created += 1

    fraud = _case(
        "telecom_fraud",
        None,
        CaseKind.CRIMINAL,
        "冒充客服电信诈骗案",
        "报案人称接到冒充客服电话，按对方要求转账后发现被骗。",
    )
    seized = now - timedelta(days=3, hours=rng.randrange(1, 6))
    document = f"武公（刑）扣字〔{year}〕{rng.randrange(90, 160)}号"
    phones = _register(
        fraud,
        seized,
        document,
        description="黑色华为Mate 60手机两部（含SIM卡），用于拨打诈骗电话",
        category=PropertyCategory.ELECTRONICS,
        quantity=2,
        measure_unit="部",
        estimated_value="9000",
        seizure_kind=SeizureKind.SEIZED,
        seized_place="嫌疑人租住处",
    )
    bank_cards = _register(
        fraud,
        seized,
        document,
        description="银行卡七张、U盾三个",
        category=PropertyCategory.DOCUMENTS,
        quantity=10,
        measure_unit="件",
        seizure_kind=SeizureKind.SEIZED,
        seized_place="嫌疑人租住处",
    )
    cash = _register(
        fraud,
        seized,
        document,
        description="人民币现金（百元券）",
        category=PropertyCategory.CASH,
        quantity=12600,
        measure_unit="元",
        estimated_value="12600",
        seizure_kind=SeizureKind.SEIZED,
        seized_place="嫌疑人随身背包",
    )
    _hand_in(phones, keeper, where["A-02-03"], seized + timedelta(hours=5))
    _hand_in(bank_cards, keeper, where["A-02-03"], seized + timedelta(hours=5))
    _hand_in(cash, keeper, where["B-01-01"], seized + timedelta(hours=5))
    services.item_move(
        actor=keeper,
        item_id=phones.pk,
        kind=CustodyKind.OUT_FOR_APPRAISAL,
        at=now - timedelta(days=1, hours=2),
        handed_over_by=keeper.full_name,
        received_by=fraud.lead_officer.full_name,
        destination="武平县价格认证中心",
        reason="涉案手机价格认定",
        document_number=f"武公（刑）鉴聘字〔{year}〕{rng.randrange(5, 40)}号",
    )
    created += 3

    logging = _case(
        "illegal_logging",
        FOREST_STATIONS,
        CaseKind.ADMINISTRATIVE,
        "湘店村无证采伐林木案",
        "护林员发现湘店村后山有人无证砍伐杉木。",
    )
    _register(
        logging,
        now - timedelta(hours=30 + rng.randrange(0, 6)),
        f"武公（林）行扣字〔{year}〕{rng.randrange(2, 20)}号",
        description="杉木原木48根，径级12–18厘米，已编号喷漆",
        category=PropertyCategory.TIMBER,
        quantity="3.6",
        measure_unit="立方米",
        estimated_value="4320",
        seizure_kind=SeizureKind.SEIZED,
        seized_place=f"{logging.station.name.removesuffix('派出所')}后山林区",
    )
    created += 1
    return created
