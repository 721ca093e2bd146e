"""The chain of custody through the services (issue 6): a full chain from seizure to return to the owner,
each refusal of the chain's rules, append-only storage, the legal events supervision reads (and a late
handover surfacing as a breach at the right minute), and who may change or read the records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry, Outcome
from jingwu.core.errors import Conflict, ServiceError
from jingwu.property import selectors, services
from jingwu.property.choices import CustodyKind, ItemState, SeizureKind
from jingwu.property.models import CustodyEvent, InventoryCheck, PropertyItem
from jingwu.supervision.models import Deadline, DeadlineStatus
from jingwu.supervision.services import deadlines_sweep
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def events_of(item: PropertyItem) -> list[str]:
    return list(
        LegalEvent.objects.filter(subject_type="case", subject_id=item.case_id, item=item.key).values_list(
            "code", flat=True
        )
    )


def move(actor, item, kind, **extra):
    data = {"reason": "测试", "handed_over_by": "甲", "received_by": "乙", **extra}
    return services.item_move(actor=actor, item_id=item.pk, kind=kind, **data)


# --- the full chain -------------------------------------------------------------------------------------


def test_full_chain_from_seizure_to_return_to_owner(users, case, suspect, shelf, register, hand_in) -> None:
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    seized = timezone.now() - timedelta(days=10)
    item = register(seized_at=seized, holder_id=suspect.pk)
    assert item.label_code.startswith(f"WP-{timezone.localtime(seized).year}-")
    assert (item.state, item.location, item.holder) == (ItemState.WITH_OFFICER, None, suspect)
    assert events_of(item) == ["property_seized"]

    hand_in(item, shelf, seized + timedelta(hours=3))
    services.item_file_with_inspectorate(
        actor=users.property_keeper, item_id=item.pk, at=seized + timedelta(hours=4)
    )
    move(
        users.property_keeper,
        item,
        CustodyKind.OUT_FOR_APPRAISAL,
        at=seized + timedelta(days=1),
        destination="武平县价格认证中心",
        document_number="武公（刑）鉴聘字〔2026〕8号",
    )
    item.refresh_from_db()
    assert (item.state, item.location) == (ItemState.OUT, None)
    move(
        users.property_keeper,
        item,
        CustodyKind.RETURNED_TO_ROOM,
        at=seized + timedelta(days=3),
        location_id=shelf.pk,
    )
    item.refresh_from_db()
    assert (item.state, item.location) == (ItemState.IN_ROOM, shelf)
    move(
        users.officer,
        item,
        CustodyKind.RETURN_TO_OWNER,
        at=seized + timedelta(days=5),
        document_number="武公（刑）发还字〔2026〕3号",
        received_by="失主刘某",
    )
    item.refresh_from_db()
    assert (item.state, item.location) == (ItemState.RETURNED, None)

    chain = list(item.events.values_list("sequence", "kind", "state_after"))
    assert chain == [
        (1, "seized", "with_officer"),
        (2, "into_room", "in_room"),
        (3, "out_for_appraisal", "out"),
        (4, "returned_to_room", "in_room"),
        (5, "return_to_owner", "returned"),
    ]
    assert events_of(item) == [
        "property_seized",
        "property_handed_to_custodian",
        "property_filed_with_inspectorate",
    ]
    actions = list(
        AuditEntry.objects.filter(seq__gt=before, object_type="property.propertyitem")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "property.register",
        "property.move",
        "property.file_with_inspectorate",
        "property.move",
        "property.move",
        "property.move",
    ]
    assert selectors.chain_breaks(actor=users.property_keeper) == []


def test_sealed_item_is_registered_not_handed_in(users, admin_case, shelf, register) -> None:
    item = register(
        on=admin_case, seizure_kind=SeizureKind.SEALED, category="other", description="查封的木材加工厂房"
    )
    assert item.state == ItemState.IN_PLACE
    assert events_of(item) == ["property_sealed_or_frozen", "admin_seizure_started"]
    with pytest.raises(Conflict, match="不入库"):
        move(users.property_keeper, item, CustodyKind.INTO_ROOM, location_id=shelf.pk)
    move(users.property_keeper, item, CustodyKind.REGISTERED)
    move(users.officer, item, CustodyKind.RETURN_TO_OWNER, document_number="武公（治）解封字〔2026〕1号")
    assert events_of(item)[2:] == ["property_registered_with_custodian", "admin_seizure_ended"]


def test_unrelated_property_is_released_within_three_days(
    users, case, shelf, register, hand_in, on_commit
) -> None:
    item = on_commit(register, seized_at=timezone.now() - timedelta(days=14))
    hand_in(item, shelf, timezone.now() - timedelta(days=13))
    # Three days counted from the day after (holidays roll over): long past after ten days.
    found = timezone.now() - timedelta(days=10)
    on_commit(
        services.item_found_unrelated,
        actor=users.officer,
        item_id=item.pk,
        reason="经查系嫌疑人合法财产",
        at=found,
    )
    release = Deadline.objects.get(subject_type="case", subject_id=case.pk, rule_id="PR-004", key=item.key)
    deadlines_sweep(now=timezone.now())
    release.refresh_from_db()
    assert release.status == DeadlineStatus.BREACH
    with pytest.raises(Conflict):
        services.item_found_unrelated(actor=users.officer, item_id=item.pk, reason="重复")
    on_commit(
        move,
        actor=users.officer,
        item=item,
        kind=CustodyKind.RETURN_TO_OWNER,
        document_number="武公（刑）解扣字〔2026〕4号",
    )
    assert events_of(item)[-2:] == ["property_found_unrelated", "property_released"]
    release.refresh_from_db()
    assert release.status == DeadlineStatus.MET_LATE


# --- refusals ---------------------------------------------------------------------------------------------


def test_registration_needs_a_seizure_document_and_a_positive_quantity(users, case, register) -> None:
    with pytest.raises(ServiceError) as refused:
        register(seizure_document="  ")
    assert "seizure_document" in refused.value.field_errors
    with pytest.raises(ServiceError) as refused:
        register(quantity=0)
    assert "quantity" in refused.value.field_errors
    assert not PropertyItem.objects.filter(case=case).exists()


def test_a_disposal_needs_a_decision_document(users, shelf, register, hand_in) -> None:
    item = register()
    hand_in(item, shelf)
    for kind in (CustodyKind.RETURN_TO_OWNER, CustodyKind.CONFISCATION, CustodyKind.DESTRUCTION):
        with pytest.raises(ServiceError) as refused:
            move(users.property_keeper, item, kind, document_number="")
        assert refused.value.field_errors == {"document_number": "处置须有决定文书，请填写文号"}
    item.refresh_from_db()
    assert item.state == ItemState.IN_ROOM and item.events.count() == 2


def test_a_disposed_item_cannot_move(users, shelf, other_shelf, register, hand_in) -> None:
    item = register()
    hand_in(item, shelf)
    move(users.property_keeper, item, CustodyKind.DESTRUCTION, document_number="武公（刑）销毁字〔2026〕2号")
    for kind, extra in (
        (CustodyKind.RELOCATED, {"location_id": other_shelf.pk}),
        (CustodyKind.OUT_TO_COURT, {"destination": "武平县人民法院"}),
        (CustodyKind.RETURN_TO_OWNER, {"document_number": "X"}),
    ):
        with pytest.raises(Conflict, match="已处置"):
            move(users.property_keeper, item, kind, **extra)
    assert item.events.count() == 3


def test_an_item_out_cannot_go_out_again_before_it_returns(users, shelf, register, hand_in) -> None:
    item = register()
    hand_in(item, shelf)
    move(users.property_keeper, item, CustodyKind.OUT_FOR_EXAMINATION, destination="龙岩市公安局物证鉴定所")
    with pytest.raises(Conflict, match="归还入库前不能再次出库"):
        move(users.property_keeper, item, CustodyKind.OUT_TO_COURT, destination="武平县人民检察院")
    with pytest.raises(Conflict, match=r"不能重复入库|归还入库"):
        move(users.property_keeper, item, CustodyKind.INTO_ROOM, location_id=shelf.pk)


def test_moving_into_the_room_needs_a_location(users, register) -> None:
    item = register()
    with pytest.raises(ServiceError) as refused:
        move(users.property_keeper, item, CustodyKind.INTO_ROOM, location_id=None)
    assert "location_id" in refused.value.field_errors
    item.refresh_from_db()
    assert item.state == ItemState.WITH_OFFICER


def test_an_item_in_the_room_is_not_handed_in_twice_nor_moved_back_in_time(
    users, shelf, register, hand_in
) -> None:
    item = register()
    hand_in(item, shelf, timezone.now() - timedelta(days=2))
    with pytest.raises(Conflict, match="不能重复入库"):
        hand_in(item, shelf)
    with pytest.raises(ServiceError, match="早于上一条"):
        move(
            users.property_keeper,
            item,
            CustodyKind.OUT_TO_COURT,
            destination="法院",
            at=timezone.now() - timedelta(days=3),
        )


def test_the_chain_is_append_only_in_the_database(users, shelf, register, hand_in) -> None:
    item = register()
    hand_in(item, shelf)
    event = item.events.get(sequence=2)
    for statement in (
        lambda: CustodyEvent.objects.filter(pk=event.pk).update(reason="改写"),
        lambda: CustodyEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    assert CustodyEvent.objects.get(pk=event.pk).reason == "扣押后移交"


# --- supervision ------------------------------------------------------------------------------------------


def test_a_late_handover_is_a_breach_at_the_right_minute(users, case, register, shelf, on_commit) -> None:
    seized = (timezone.now() - timedelta(days=3)).replace(second=0, microsecond=0)
    item = on_commit(register, seized_at=seized)
    deadline = Deadline.objects.get(subject_type="case", subject_id=case.pk, rule_id="PR-001", key=item.key)
    assert deadline.due_at == seized + timedelta(hours=24)

    deadlines_sweep(now=seized + timedelta(hours=23, minutes=59))
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.WARNING
    deadlines_sweep(now=seized + timedelta(hours=24))
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.WARNING  # due at, not yet past
    deadlines_sweep(now=seized + timedelta(hours=24, minutes=1))
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.BREACH

    # The chain-break report sees the same item, and the handover afterwards is "met late".
    found = selectors.chain_breaks(actor=users.property_keeper)
    assert [(a.kind, a.item.pk) for a in found] == [("not_handed_in", item.pk)]
    on_commit(
        services.item_move,
        actor=users.property_keeper,
        item_id=item.pk,
        kind=CustodyKind.INTO_ROOM,
        location_id=shelf.pk,
        handed_over_by="民警",
        received_by="管理员",
        reason="逾期移交",
    )
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MET_LATE
    assert selectors.chain_breaks(actor=users.property_keeper) == []


def test_a_timely_handover_meets_the_deadline(users, case, register, hand_in, shelf, on_commit) -> None:
    seized = timezone.now() - timedelta(hours=5)
    item = on_commit(register, seized_at=seized)
    on_commit(hand_in, item=item, location=shelf, at=seized + timedelta(hours=2))
    deadline = Deadline.objects.get(subject_type="case", subject_id=case.pk, rule_id="PR-001", key=item.key)
    assert deadline.status == DeadlineStatus.MET
    # The filing with the inspectorate (PR-003) now runs from the handover.
    filing = Deadline.objects.get(subject_type="case", subject_id=case.pk, rule_id="PR-003", key=item.key)
    assert filing.due_at == seized + timedelta(hours=26)


# --- chain breaks -----------------------------------------------------------------------------------------


def _legacy(item: PropertyItem, kind: str, at, **fields) -> CustodyEvent:
    """An event as imported from a legacy system: written directly, past the services' checks."""
    sequence = item.events.count() + 1
    return CustodyEvent.objects.create(
        item=item,
        sequence=sequence,
        kind=kind,
        at=at,
        state_after=fields.pop("state_after", ItemState.IN_ROOM),
        handed_over_by="旧系统",
        received_by="旧系统",
        reason="历史数据导入",
        recorded_by=item.created_by,
        **fields,
    )


def test_each_kind_of_chain_break_is_detected(users, case, shelf, other_shelf, register, hand_in) -> None:
    now = timezone.now()
    # An item in two places: handed in on one shelf, then "handed in" on another without leaving.
    twice = register(seized_at=now - timedelta(days=20), description="手机一部")
    hand_in(twice, shelf, now - timedelta(days=19))
    _legacy(twice, CustodyKind.INTO_ROOM, now - timedelta(days=18), location=other_shelf)
    # Out beyond the limit of custody.yaml (appraisal: 30 days).
    out = register(seized_at=now - timedelta(days=60), description="手机两部")
    hand_in(out, shelf, now - timedelta(days=59))
    move(
        users.property_keeper,
        out,
        CustodyKind.OUT_FOR_APPRAISAL,
        at=now - timedelta(days=31),
        destination="价格认证中心",
    )
    recent = register(seized_at=now - timedelta(days=60), description="银行卡三张")
    hand_in(recent, shelf, now - timedelta(days=59))
    move(
        users.property_keeper,
        recent,
        CustodyKind.OUT_FOR_APPRAISAL,
        at=now - timedelta(days=29),
        destination="价格认证中心",
    )
    # A disposal without a decision document, imported from a legacy system; then a move after it.
    legacy = register(seized_at=now - timedelta(days=50), description="现金")
    hand_in(legacy, shelf, now - timedelta(days=49))
    _legacy(legacy, CustodyKind.CONFISCATION, now - timedelta(days=10), state_after=ItemState.CONFISCATED)
    _legacy(legacy, CustodyKind.OUT_TO_COURT, now - timedelta(days=9), state_after=ItemState.OUT)
    # Seized and never handed in beyond the statutory 24 hours; another one still within them.
    late = register(seized_at=now - timedelta(hours=25), description="木材")
    register(seized_at=now - timedelta(hours=23), description="斧头")

    found = {(a.kind.value, a.item.pk) for a in selectors.chain_breaks(actor=users.property_keeper, now=now)}
    assert found == {
        ("two_places", twice.pk),
        ("out_overdue", out.pk),
        ("disposal_without_decision", legacy.pk),
        ("moved_after_disposal", legacy.pk),
        ("not_handed_in", late.pk),
    }
    # Scoped like everything else: 平川's officer sees none of 桃溪's breaks.
    assert selectors.chain_breaks(actor=users.pingchuan_officer, now=now) == []


# --- inventory ------------------------------------------------------------------------------------------


def test_an_inventory_check_records_found_missing_and_unexpected(
    users, shelf, other_shelf, register, hand_in
) -> None:
    on_shelf = [register(description=f"手机{n}") for n in range(3)]
    for item in on_shelf:
        hand_in(item, shelf)
    elsewhere = register(description="电动车")
    hand_in(elsewhere, other_shelf)
    assert set(services.expected_at(shelf)) == set(on_shelf)

    check = services.inventory_check_record(
        actor=users.property_keeper,
        location_id=shelf.pk,
        found_codes=[
            on_shelf[0].label_code,
            on_shelf[1].label_code.lower(),
            elsewhere.label_code,
            "WP-1999-000001",
        ],
        note="月度盘点",
    )
    assert check.expected == sorted(i.label_code for i in on_shelf)
    assert check.missing == [on_shelf[2].label_code]
    assert check.unexpected == sorted([elsewhere.label_code, "WP-1999-000001"])
    assert check.has_discrepancy

    clean = services.inventory_check_record(
        actor=users.property_keeper, location_id=other_shelf.pk, found_codes=[elsewhere.label_code]
    )
    assert (clean.missing, clean.unexpected, clean.has_discrepancy) == ([], [], False)
    with pytest.raises(DatabaseError), transaction.atomic():
        InventoryCheck.objects.filter(pk=check.pk).update(has_discrepancy=False)
    # Only the property room checks its shelves.
    with pytest.raises(PermissionDenied):
        services.inventory_check_record(actor=users.officer, location_id=shelf.pk, found_codes=[])


def test_label_codes_are_sequential_and_unique(register) -> None:
    first, second = register(), register()
    year, serial = first.label_code.rsplit("-", 1)
    assert second.label_code == f"{year}-{int(serial) + 1:06d}"


# --- who may do what ------------------------------------------------------------------------------------


def test_only_the_property_room_and_the_case_officers_change_records(
    users, case, shelf, register, hand_in
) -> None:
    item = register()
    # Another station's officer does not even see it.
    for actor in (users.pingchuan_officer,):
        with pytest.raises(Http404):
            selectors.item_get(actor=actor, item_id=item.pk)
        with pytest.raises(Http404):
            move(actor, item, CustodyKind.INTO_ROOM, location_id=shelf.pk)
    # 武北's officer sees the case (武北 reviews for 桃溪) but is not one of its officers.
    assert selectors.item_get(actor=users.wubei_officer, item_id=item.pk) == item
    with pytest.raises(PermissionDenied):
        move(users.wubei_officer, item, CustodyKind.INTO_ROOM, location_id=shelf.pk)
    assert AuditEntry.objects.filter(
        action="property.manage", outcome=Outcome.DENIED, actor_username="wubei_officer"
    ).exists()
    # Leaders and legal affairs read, and may not write.
    for reader in (users.leader, users.legal_affairs):
        assert selectors.item_get(actor=reader, item_id=item.pk) == item
        with pytest.raises(PermissionDenied):
            move(reader, item, CustodyKind.INTO_ROOM, location_id=shelf.pk)
        with pytest.raises(PermissionDenied):
            services.item_register(
                actor=reader,
                case_id=case.pk,
                description="x",
                category="other",
                quantity=1,
                measure_unit="件",
                seizure_kind="seized",
                seizure_document="x",
            )
    # Mediators and assistants have nothing to do with property.
    for outsider in (users.mediator, users.assistant):
        with pytest.raises(PermissionDenied):
            selectors.item_get(actor=outsider, item_id=item.pk)
        assert not selectors.item_list(actor=outsider).exists()
    # The property keeper (bureau-wide) and the case's officer do.
    hand_in(item, shelf)
    move(users.officer, item, CustodyKind.OUT_TO_COURT, destination="武平县人民检察院")
    item.refresh_from_db()
    assert item.state == ItemState.OUT


def test_procurators_read_the_property_of_criminal_cases_only(users, case, admin_case, register) -> None:
    criminal = register()
    administrative = register(on=admin_case)
    assert list(selectors.item_list(actor=users.procurator)) == [criminal]
    with pytest.raises(Http404):
        selectors.item_get(actor=users.procurator, item_id=administrative.pk)


def test_scanning_a_label_is_a_read_within_the_policy(users, register) -> None:
    item = register()
    assert selectors.item_by_label(actor=users.property_keeper, code=item.label_code.lower()) == item
    assert AuditEntry.objects.filter(
        action="property.scan", object_id=str(item.pk), outcome=Outcome.ALLOWED
    ).exists()
    with pytest.raises(Http404):
        selectors.item_by_label(actor=users.pingchuan_officer, code=item.label_code)
    with pytest.raises(Http404):
        selectors.item_by_label(actor=users.property_keeper, code="WP-1999-999999")


def test_quantity_and_value_are_decimals(register) -> None:
    item = register(quantity="3.6", measure_unit="立方米", estimated_value="4320.50")
    item.refresh_from_db()
    assert (item.quantity, item.estimated_value) == (Decimal("3.6"), Decimal("4320.50"))
