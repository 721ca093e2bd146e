"""The custody log through its services (issue 6, first half): entry under a legal basis, the stay log,
questioning sessions, belongings with photos, the exit with its legal events, every refusal, the overstay
breach at the right minute, and who may write.

Demo accounts (jingwu/org/demo.py): `custody` (执法办案管理中心), `officer` (桃溪社区警务队, leads the test
cases), `chief` (桃溪派出所), `legal_officer` (武北案件办理队), `legal_affairs`, `leader`,
`pingchuan_officer` (平川), `mediator`, `assistant`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry, Outcome
from jingwu.cases import services as case_services
from jingwu.cases.models import Measure
from jingwu.core.errors import Conflict, ServiceError
from jingwu.custody import selectors, services
from jingwu.custody.choices import StayStatus
from jingwu.custody.models import Belonging, CustodyStay, QuestioningSession, StayLogEntry
from jingwu.custody.services import Photo
from jingwu.custody.tests.conftest import PNG, TAOXI_HELPER
from jingwu.supervision.models import Deadline
from jingwu.supervision.services import deadlines_sweep
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db


def events(case_id: int, person: str) -> list[str]:
    return list(
        LegalEvent.objects.filter(subject_type="case", subject_id=case_id, person=person).values_list(
            "code", flat=True
        )
    )


def session(users: Any, stay: CustodyStay, start, end=None, room: str = "xw1", **extra: Any):
    return services.session_add(
        actor=extra.pop("actor", users.custody),
        stay_id=stay.pk,
        kind="interrogation",
        room=room,
        started_at=start,
        ended_at=end,
        officer_ids=extra.pop("officer_ids", [users.officer.pk, users.get(TAOXI_HELPER).pk]),
    )


# --- the full happy path -------------------------------------------------------------------------------


def test_a_summoned_suspect_enters_is_questioned_and_released(users, world, on_commit) -> None:
    case = world.case()
    summoned = world.summon(case, at=timezone.now() - timedelta(hours=4))
    entered = summoned.measure.started_at + timedelta(minutes=10)
    stay = world.enter(summoned, at=entered, note="随身携带手机一部")
    assert (stay.status, stay.person, stay.registered_by, stay.exited_at) == (
        StayStatus.INSIDE,
        summoned.party.person,
        users.custody,
        None,
    )
    assert list(stay.brought_by.all()) == [users.officer]

    # The log: safety check and search, health, information collection — each with time and officer.
    for kind, text, minutes in [
        ("safety_check", "人身安全检查未见异常，未发现违禁物品", 15),
        ("health", "自述身体健康，无传染病史", 20),
        ("info_collection", "采集指纹、人像、DNA信息", 30),
    ]:
        services.stay_log_add(
            actor=users.custody,
            stay_id=stay.pk,
            kind=kind,
            text=text,
            at=entered + timedelta(minutes=minutes),
        )
    belonging = services.belonging_add(
        actor=users.custody,
        stay_id=stay.pk,
        name="手机",
        quantity=1,
        description="黑色华为手机，屏幕有裂痕",
        photos=[Photo("phone.png", PNG, "image/png")],
        at=entered + timedelta(minutes=16),
    )
    [photo] = belonging.photos.all()
    assert (photo.content_type, photo.file_name, photo.verify()) == ("image/png", "phone.png", True)

    # A questioning session by the lead officer and a colleague, in 讯问室一.
    first = session(users, stay, entered + timedelta(minutes=40), entered + timedelta(hours=2))
    assert {o.username for o in first.officers.all()} == {"officer", TAOXI_HELPER}
    services.stay_log_add(
        actor=users.officer,
        stay_id=stay.pk,
        kind="meal_rest",
        text="提供午餐，休息30分钟",
        at=entered + timedelta(hours=2, minutes=10),
    )

    # The screen: inside, with the 12-hour limit of a criminal summons from the rules (CR-001).
    [row] = [r for r in selectors.inside_now(actor=users.custody) if r.stay.pk == stay.pk]
    assert row.limit.title == "刑事传唤、拘传持续时间"
    assert row.limit.due_at == summoned.measure.started_at + timedelta(hours=12)
    assert row.limit.state == "ok" and row.measure_label == "传唤"
    assert "*" in row.id_number or row.id_number == ""

    # Exit: released, belongings returned and signed for; the summons ends with the stay.
    left = on_commit(
        services.stay_exit,
        actor=users.custody,
        stay_id=stay.pk,
        destination="released",
        exited_at=entered + timedelta(hours=3),
        return_all=True,
        received_by="钟永福",
        signature_confirmed=True,
    )
    assert (left.status, left.exit_destination, left.exit_by) == (StayStatus.LEFT, "released", users.custody)
    belonging.refresh_from_db()
    assert (belonging.received_by, belonging.signature_confirmed, belonging.returned_at) == (
        "钟永福",
        True,
        left.exited_at,
    )
    measure = Measure.objects.get(pk=summoned.measure.pk)
    assert measure.ended_at == left.exited_at
    assert events(case.pk, summoned.party.key) == ["summons_arrived", "summons_ended"]
    assert Deadline.objects.get(subject_id=case.pk, rule_id="CR-001", key=summoned.party.key).status == "met"
    assert not [r for r in selectors.inside_now(actor=users.custody) if r.stay.pk == stay.pk]
    assert stay.pk in [s.pk for s in selectors.stay_history(actor=users.custody)]

    texts = list(case.activities.values_list("text", flat=True))
    assert any(
        t.startswith("进入执法办案管理中心：钟永福（传唤，武公（桃）传字〔2026〕18号）") for t in texts
    )
    assert "离开执法办案管理中心：钟永福（释放/离开）" in texts
    actions = list(
        AuditEntry.objects.filter(object_type="custody.custodystay", object_id=str(stay.pk))
        .order_by("seq")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("custody.register", "custody"),
        ("custody.log", "custody"),
        ("custody.log", "custody"),
        ("custody.log", "custody"),
        ("custody.belonging", "custody"),
        ("custody.session", "custody"),
        ("custody.log", "officer"),
        ("custody.return", "custody"),
        ("custody.exit", "custody"),
    ]


def test_an_exit_to_the_detention_house_records_the_delivery_once(users, world, on_commit) -> None:
    case = world.case()
    summoned = world.summon(case, at=timezone.now() - timedelta(hours=6))
    stay = world.enter(summoned)
    exit_at = summoned.measure.started_at + timedelta(hours=5)
    with pytest.raises(Conflict, match="“送看守所”须先在案件中对该当事人采取刑事拘留、逮捕"):
        services.stay_exit(
            actor=users.custody, stay_id=stay.pk, destination="detention_center", exited_at=exit_at
        )

    # 刑事拘留 while inside (approved by the legal officer and the leader), then to 武平县看守所.
    approval = case_services.measure_request(
        actor=users.officer,
        case_id=case.pk,
        party_id=summoned.party.pk,
        kind="criminal_detention",
        started_at=summoned.measure.started_at + timedelta(hours=4),
    )
    for approver in (users.legal_officer, users.leader):
        on_commit(case_services.approval_decide, actor=approver, approval_id=approval.pk, decision="approve")
    on_commit(
        services.stay_exit,
        actor=users.custody,
        stay_id=stay.pk,
        destination="detention_center",
        exited_at=exit_at,
    )
    assert events(case.pk, summoned.party.key) == [
        "summons_arrived",
        "criminal_detention_executed",
        "summons_ended",
        "delivered_to_detention_center",
    ]
    delivered = LegalEvent.objects.get(subject_id=case.pk, code="delivered_to_detention_center")
    assert delivered.at == exit_at and delivered.recorded_by == users.custody
    assert Deadline.objects.get(subject_id=case.pk, rule_id="CR-002", key=summoned.party.key).status == "met"
    # The detention goes on in the detention house.
    assert Measure.objects.get(party=summoned.party, kind="criminal_detention").ended_at is None


def test_a_summons_the_officer_already_ended_is_not_ended_twice(users, world, on_commit) -> None:
    case = world.case()
    summoned = world.summon(case)
    stay = world.enter(summoned)
    ended = summoned.measure.started_at + timedelta(hours=1)
    on_commit(case_services.measure_end, actor=users.officer, measure_id=summoned.measure.pk, ended_at=ended)
    on_commit(services.stay_exit, actor=users.custody, stay_id=stay.pk, destination="released")
    assert events(case.pk, summoned.party.key).count("summons_ended") == 1
    assert Measure.objects.get(pk=summoned.measure.pk).ended_at == ended


# --- the overstay surfaces as a breach at the right minute ------------------------------------------------


def test_an_overstay_under_a_summons_is_a_breach_one_minute_after_the_limit(users, world) -> None:
    case = world.case(accepted_at=timezone.now() - timedelta(days=3))
    entered = (timezone.now() - timedelta(hours=30)).replace(second=0, microsecond=0)
    summoned = world.summon(case, at=entered)
    world.enter(summoned, at=entered)
    limit = timedelta(hours=12)  # CR-001 (刑事诉讼法 第119条第2款), read back from the derived row below
    row = Deadline.objects.get(subject_id=case.pk, rule_id="CR-001", key=summoned.party.key)
    assert row.due_at == entered + limit

    deadlines_sweep(now=entered + limit - timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == "warning"  # amber from warn_from (1 hour before), not yet a breach
    deadlines_sweep(now=entered + limit + timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == "breach"
    [screen] = [
        r for r in selectors.inside_now(actor=users.custody) if r.stay.person_id == summoned.party.person_id
    ]
    assert screen.limit.state == "breach"


def test_the_screen_turns_amber_at_warn_from_and_red_after_the_due_time(users, world) -> None:
    case = world.case(kind="administrative")
    entered = timezone.now() - timedelta(hours=7, minutes=30)
    summoned = world.summon(case, at=entered)
    stay = world.enter(summoned, at=entered)
    # 治安传唤 8 hours (AD-003N, 治安管理处罚法（2025） 第97条), warned 1 hour before.
    limit = selectors.stay_limits([stay])[stay.pk]
    assert limit.due_at == entered + timedelta(hours=8)
    assert limit.state == "warning"
    assert selectors.stay_limits([stay], now=entered + timedelta(hours=6))[stay.pk].state == "ok"
    assert (
        selectors.stay_limits([stay], now=entered + timedelta(hours=8, seconds=1))[stay.pk].state == "breach"
    )


# --- refusals ------------------------------------------------------------------------------------------


def test_a_stay_without_a_legal_basis_document_is_refused(users, world) -> None:
    summoned = world.summon(world.case())
    with pytest.raises(ServiceError, match="没有法律依据文书，不能登记入区") as refused:
        world.enter(summoned, basis_document="  ")
    assert "basis_document" in refused.value.field_errors
    assert not CustodyStay.objects.filter(party=summoned.party).exists()


def test_the_legal_basis_must_be_an_open_measure_that_brings_a_person_in(users, world, on_commit) -> None:
    case = world.case()
    summoned = world.summon(case)
    other = world.summon(case, name="王建华")
    with pytest.raises(ServiceError) as not_his:
        services.stay_register(
            actor=users.custody,
            case_id=case.pk,
            party_id=summoned.party.pk,
            measure_id=other.measure.pk,
            basis_document="武公（桃）传字〔2026〕19号",
            brought_by_ids=[users.officer.pk],
        )
    assert not_his.value.field_errors["measure_id"] == "请选择对该当事人采取的措施"

    # 取保候审 lets a person out, it does not bring one in.
    bail = case_services.measure_request(
        actor=users.officer, case_id=case.pk, party_id=other.party.pk, kind="bail"
    )
    for approver in (users.legal_officer, users.leader):
        on_commit(case_services.approval_decide, actor=approver, approval_id=bail.pk, decision="approve")
    bail_measure = Measure.objects.get(party=other.party, kind="bail")
    with pytest.raises(ServiceError) as not_a_basis:
        services.stay_register(
            actor=users.custody,
            case_id=case.pk,
            party_id=other.party.pk,
            measure_id=bail_measure.pk,
            basis_document="武公（桃）保字〔2026〕3号",
            brought_by_ids=[users.officer.pk],
        )
    assert not_a_basis.value.field_errors["measure_id"].startswith("该措施不能作为入区依据")

    case_services.measure_end(actor=users.officer, measure_id=summoned.measure.pk)
    with pytest.raises(ServiceError) as ended:
        world.enter(summoned, at=timezone.now())
    assert ended.value.field_errors["measure_id"] == "该措施已结束，不能作为入区依据"


def test_an_entry_before_the_measure_started_is_refused(users, world) -> None:
    summoned = world.summon(world.case())
    with pytest.raises(ServiceError) as refused:
        world.enter(summoned, at=summoned.measure.started_at - timedelta(minutes=5))
    assert refused.value.field_errors == {"entered_at": "入区时间不能早于措施开始（到案）时间"}


def test_a_person_cannot_be_inside_twice(users, world) -> None:
    case = world.case()
    summoned = world.summon(case)
    stay = world.enter(summoned)
    with pytest.raises(Conflict, match=r"钟永福已在办案中心内（自.*起），不能重复登记入区"):
        world.enter(summoned)
    # The database refuses it too (partial unique index), whatever the service does.
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyStay.objects.create(
            case=case,
            party=summoned.party,
            person=summoned.party.person,
            measure=summoned.measure,
            basis_document="x",
            entered_at=stay.entered_at,
            registered_by=users.custody,
        )


def test_an_exit_before_the_entry_is_refused(users, world) -> None:
    summoned = world.summon(world.case())
    stay = world.enter(summoned)
    with pytest.raises(ServiceError, match="出区时间不能早于入区时间"):
        services.stay_exit(
            actor=users.custody,
            stay_id=stay.pk,
            destination="released",
            exited_at=stay.entered_at - timedelta(minutes=1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyStay.objects.filter(pk=stay.pk).update(
            status="left", exited_at=stay.entered_at - timedelta(minutes=1)
        )
    stay.refresh_from_db()
    assert stay.status == StayStatus.INSIDE


def test_a_session_needs_two_distinct_officers(users, world) -> None:
    stay = world.enter(world.summon(world.case()))
    start = stay.entered_at + timedelta(minutes=5)
    for ids in ([users.officer.pk], [users.officer.pk, users.officer.pk]):
        with pytest.raises(ServiceError, match="讯问、询问民警不得少于二人"):
            session(users, stay, start, officer_ids=ids)
    # An officer outside the case's units cannot be named.
    with pytest.raises(ServiceError, match="所选民警不在本案办案范围内"):
        session(users, stay, start, officer_ids=[users.officer.pk, users.pingchuan_officer.pk])
    assert not QuestioningSession.objects.filter(stay=stay).exists()


def test_a_session_outside_the_stay_is_refused(users, world) -> None:
    summoned = world.summon(world.case(), at=timezone.now() - timedelta(hours=5))
    stay = world.enter(summoned)
    with pytest.raises(ServiceError, match="讯问/询问须在在区期间内进行"):
        session(users, stay, stay.entered_at - timedelta(minutes=1), stay.entered_at + timedelta(minutes=30))
    exit_at = stay.entered_at + timedelta(hours=2)
    services.stay_exit(actor=users.custody, stay_id=stay.pk, destination="released", exited_at=exit_at)
    with pytest.raises(ServiceError, match="讯问/询问须在在区期间内进行"):
        session(users, stay, exit_at - timedelta(minutes=30), exit_at + timedelta(minutes=1))
    # Within the stay it may still be recorded afterwards (补录), with its end.
    late = session(users, stay, exit_at - timedelta(minutes=60), exit_at - timedelta(minutes=10))
    assert late.ended_at == exit_at - timedelta(minutes=10)


def test_overlapping_sessions_in_one_room_are_refused(users, world) -> None:
    case = world.case()
    first = world.enter(world.summon(case, at=timezone.now() - timedelta(hours=4)))
    second = world.enter(world.summon(case, name="王建华", at=timezone.now() - timedelta(hours=4)))
    start = first.entered_at + timedelta(minutes=30)
    session(users, first, start, start + timedelta(hours=1))
    with pytest.raises(Conflict, match="讯问室一在该时段已有讯问/询问"):
        session(users, second, start + timedelta(minutes=59), start + timedelta(hours=2))
    # Back to back is fine, and another room at the same time too.
    session(users, second, start + timedelta(hours=1), start + timedelta(hours=2))
    session(users, second, start - timedelta(minutes=20), start + timedelta(minutes=40), room="xw2")
    # An open session holds its room until it ends.
    open_ = session(users, first, start + timedelta(hours=2, minutes=30))
    with pytest.raises(Conflict, match="讯问室一"):
        session(users, second, start + timedelta(hours=2, minutes=40), start + timedelta(hours=2, minutes=50))
    with pytest.raises(Conflict, match="尚有未结束的讯问/询问"):
        services.stay_exit(actor=users.custody, stay_id=first.pk, destination="released")
    services.session_end(
        actor=users.custody, session_id=open_.pk, ended_at=start + timedelta(hours=2, minutes=45)
    )
    with pytest.raises(Conflict, match="该讯问/询问已结束"):
        services.session_end(actor=users.custody, session_id=open_.pk)


def test_an_exit_with_unreturned_belongings_needs_a_reason(users, world) -> None:
    stay = world.enter(world.summon(world.case()))
    services.belonging_add(
        actor=users.custody, stay_id=stay.pk, name="现金", quantity=1, description="人民币3200元"
    )
    with pytest.raises(ServiceError, match=r"尚有随身物品未返还（现金），须返还签收或说明未返还原因"):
        services.stay_exit(actor=users.custody, stay_id=stay.pk, destination="released")
    with pytest.raises(ServiceError, match="物品返还须由领取人签字确认"):
        services.stay_exit(
            actor=users.custody,
            stay_id=stay.pk,
            destination="released",
            return_all=True,
            received_by="钟永福",
        )
    left = services.stay_exit(
        actor=users.custody,
        stay_id=stay.pk,
        destination="released",
        unreturned_reason="作为证据移交涉案财物管理",
    )
    assert left.unreturned_reason == "作为证据移交涉案财物管理"
    assert Belonging.objects.get(stay=stay).returned_at is None


def test_belonging_photos_must_be_images_within_the_size_limit(users, world, settings) -> None:
    stay = world.enter(world.summon(world.case()))
    for photo, message in [
        (Photo("note.png", b"%PDF-1.7 not an image", "image/png"), "只能上传JPEG、PNG或WebP格式的照片"),
        (Photo("empty.jpg", b"", "image/jpeg"), "照片文件为空"),
        (Photo("huge.png", PNG + b"\0" * (10 * 2**20), "image/png"), "照片过大"),
    ]:
        with pytest.raises(ServiceError, match=message):
            services.belonging_add(actor=users.custody, stay_id=stay.pk, name="钱包", photos=[photo])
    assert not Belonging.objects.filter(stay=stay).exists()
    jpeg = services.belonging_add(
        actor=users.custody,
        stay_id=stay.pk,
        name="钱包",
        photos=[Photo("wallet", b"\xff\xd8\xff\xe0" + b"1" * 50)],
    )
    assert [(p.content_type, p.file_name) for p in jpeg.photos.all()] == [("image/jpeg", "wallet.jpg")]


def test_log_entries_are_append_only_and_within_the_stay(users, world) -> None:
    stay = world.enter(world.summon(world.case()))
    with pytest.raises(ServiceError, match="记录时间须在在区期间内"):
        services.stay_log_add(
            actor=users.custody,
            stay_id=stay.pk,
            kind="health",
            text="自述健康",
            at=stay.entered_at - timedelta(1),
        )
    entry = services.stay_log_add(
        actor=users.custody, stay_id=stay.pk, kind="counsel_visit", text="律师刘某会见"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        StayLogEntry.objects.filter(pk=entry.pk).update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        StayLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ServiceError) as bad:
        services.stay_log_add(actor=users.custody, stay_id=stay.pk, kind="party", text="")
    assert set(bad.value.field_errors) == {"kind", "text"}


# --- who may write, who may read ---------------------------------------------------------------------------


def test_the_center_and_the_case_officers_write_leaders_and_legal_affairs_read(users, world) -> None:
    summoned = world.summon(world.case())
    # The case's lead officer registers the entry himself.
    stay = world.enter(summoned, actor=users.officer)
    services.stay_log_add(actor=users.custody, stay_id=stay.pk, kind="note", text="情绪稳定")
    services.stay_log_add(actor=users.officer, stay_id=stay.pk, kind="note", text="已告知权利义务")

    # The station chief answers for the case (jingwu.cases.services.is_case_officer): he writes too.
    services.stay_log_add(actor=users.chief, stay_id=stay.pk, kind="note", text="所长到场查看")
    assert selectors.stay_get(actor=users.chief, stay_id=stay.pk).can_manage is True
    for reader in ("leader", "legal_affairs", "legal_officer"):
        user = users.get(reader)
        assert selectors.stay_get(actor=user, stay_id=stay.pk).stay == stay
        assert selectors.stay_get(actor=user, stay_id=stay.pk).can_manage is False
        with pytest.raises(PermissionDenied):
            services.stay_log_add(actor=user, stay_id=stay.pk, kind="note", text="不应写入")
    # An officer of the station who is not on the case reads but does not write.
    helper = users.get(TAOXI_HELPER)
    with pytest.raises(PermissionDenied):
        services.stay_exit(actor=helper, stay_id=stay.pk, destination="released")
    # Another station's officer does not even see it; mediator and assistant have no access at all.
    with pytest.raises(Http404):
        selectors.stay_get(actor=users.pingchuan_officer, stay_id=stay.pk)
    with pytest.raises(Http404):
        services.stay_log_add(actor=users.pingchuan_officer, stay_id=stay.pk, kind="note", text="越权")
    assert selectors.inside_now(actor=users.pingchuan_officer) == []
    for outsider in ("mediator", "assistant"):
        with pytest.raises(PermissionDenied):
            selectors.stay_get(actor=users.get(outsider), stay_id=stay.pk)
        with pytest.raises(PermissionDenied):
            services.stay_log_add(actor=users.get(outsider), stay_id=stay.pk, kind="note", text="越权")
    assert StayLogEntry.objects.filter(stay=stay).count() == 3
    denied = AuditEntry.objects.filter(outcome=Outcome.DENIED, action__startswith="custody.")
    assert {e.actor_username for e in denied} >= {
        "leader",
        "legal_affairs",
        TAOXI_HELPER,
        "pingchuan_officer",
    }


def test_registration_offers_the_open_bases_the_actor_may_write(users, world) -> None:
    case = world.case()
    summoned = world.summon(case, name="钟永福")
    options = selectors.basis_options(actor=users.custody, query="钟永福")
    assert [(o.measure.pk, o.label) for o in options] == [(summoned.measure.pk, "传唤")]
    assert selectors.basis_options(actor=users.custody, query=case.number)[0].case == case
    assert selectors.basis_options(actor=users.leader, query="钟永福") == []  # reads only
    world.enter(summoned)
    assert selectors.basis_options(actor=users.custody, query="钟永福") == []  # already inside
