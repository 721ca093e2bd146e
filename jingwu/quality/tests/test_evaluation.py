"""The evaluation over a constructed dataset: each computed source counted for the right unit and period,
caps, grades, manual items, scoping, the Excel export and publishing (issue 5, 执法质量考评)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.org.models import User
from jingwu.quality import selectors, services
from jingwu.quality.periods import parse_period
from jingwu.quality.tests.conftest import NOW, PINGCHUAN, Q2, TAOXI, WUBEI, local, unit

pytestmark = pytest.mark.django_db

D = Decimal


def user(name: str) -> User:
    return User.objects.select_related("unit").get(username=name)


def lines_of(rows: list[selectors.Row], code: str) -> dict[str, dict]:
    row = next(r for r in rows if r.unit.code == code)
    return {line["key"]: line for line in row.lines}


def row_of(rows: list[selectors.Row], code: str) -> selectors.Row:
    return next(r for r in rows if r.unit.code == code)


def test_deadlines_count_for_the_unit_and_period_of_their_due_time(build) -> None:
    taoxi_case = build.case(f"{TAOXI}-sq")  # a team's case counts for its station
    pingchuan_case = build.case(PINGCHUAN)
    build.deadline(taoxi_case, f"{TAOXI}-sq", "breach", local(2025, 5, 10, 12, 0))
    build.deadline(taoxi_case, TAOXI, "met_late", local(2025, 6, 30, 23, 59))
    build.deadline(taoxi_case, TAOXI, "met", local(2025, 5, 11, 12, 0))  # met on time: nothing
    build.deadline(taoxi_case, TAOXI, "breach", local(2025, 7, 1, 0, 0))  # next quarter
    build.deadline(taoxi_case, TAOXI, "breach", local(2025, 3, 31, 23, 59))  # previous quarter
    build.deadline(pingchuan_case, PINGCHUAN, "breach", local(2025, 4, 1, 0, 0))
    _, rows = selectors.compute(Q2, now=NOW)
    taoxi, pingchuan = lines_of(rows, TAOXI), lines_of(rows, PINGCHUAN)
    assert (taoxi["deadline_breach"]["count"], taoxi["deadline_late"]["count"]) == (1, 1)
    assert (pingchuan["deadline_breach"]["count"], pingchuan["deadline_late"]["count"]) == (1, 0)
    assert row_of(rows, TAOXI).score == D(97) and row_of(rows, PINGCHUAN).score == D(98)
    assert lines_of(rows, WUBEI)["deadline_breach"]["count"] == 0
    # the whole year holds all three breaches of 桃溪
    _, year = selectors.compute(parse_period("2025"), now=NOW)
    assert lines_of(year, TAOXI)["deadline_breach"]["count"] == 3


def test_the_drill_down_names_the_cases(build) -> None:
    case = build.case(TAOXI, title="桃溪村电动车被盗案")
    build.deadline(case, TAOXI, "breach", local(2025, 5, 10, 12, 0))
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    [record] = found.records["deadline_breach"]
    assert record["url"] == f"/cases/{case.pk}/"
    assert record["subject"] == f"{case.number} 桃溪村电动车被盗案"
    assert "CR-002" in record["detail"] and record["citation"] == "刑事诉讼法 第91条"
    assert found.records["deadline_late"] == []


def test_legal_review_returns_count_for_the_handling_unit(build) -> None:
    wubei_case = build.case(WUBEI)
    unassigned = build.case(None, reviewing="wp-wb-aj")  # not yet assigned: the reviewing unit answers
    build.approval_returned(wubei_case, local(2025, 5, 3, 10, 0), roles=["legal_officer", "leader"], step=0)
    build.approval_returned(
        unassigned, local(2025, 5, 4, 10, 0), roles=["legal_officer", "unit_chief"], step=0
    )
    # returned by the unit chief, not in legal review: not this item
    build.approval_returned(
        wubei_case, local(2025, 5, 5, 10, 0), roles=["legal_officer", "unit_chief"], step=1
    )
    build.approval_returned(wubei_case, local(2025, 7, 5, 10, 0), roles=["legal_officer"], step=0)  # Q3
    _, rows = selectors.compute(Q2, now=NOW)
    line = lines_of(rows, WUBEI)["review_returned"]
    assert (line["count"], line["points"]) == (2, "-1.0")
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(WUBEI).pk, period=Q2, now=NOW)
    assert [r["url"] for r in found.records["review_returned"]] == [
        f"/cases/{wubei_case.pk}/",
        f"/cases/{unassigned.pk}/",
    ]
    assert "证据链不完整" in found.records["review_returned"][0]["detail"]


def test_supplementary_investigation_returns_count_for_the_handling_unit(build) -> None:
    case = build.case(TAOXI)
    other = build.case(PINGCHUAN)
    build.supplementary(case, local(2025, 6, 1, 9, 0))
    build.supplementary(case, local(2025, 6, 20, 9, 0))  # returned twice: counted twice
    build.supplementary(other, local(2025, 8, 1, 9, 0))  # Q3
    _, rows = selectors.compute(Q2, now=NOW)
    assert lines_of(rows, TAOXI)["supplementary_investigation"]["points"] == "-6.0"
    assert lines_of(rows, PINGCHUAN)["supplementary_investigation"]["count"] == 0
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    assert len(found.records["supplementary_investigation"]) == 2


def test_notices_and_overdue_rectification(build) -> None:
    case = build.case(TAOXI)
    build.notice(
        case, TAOXI, issued_at=local(2025, 4, 10, 9, 0), rectify_by=date(2025, 4, 20)
    )  # never accepted
    build.notice(
        case,
        TAOXI,
        issued_at=local(2025, 5, 1, 9, 0),
        rectify_by=date(2025, 5, 10),
        status="accepted",
        accepted_at=local(2025, 5, 10, 18, 0),  # on the last day: on time
    )
    build.notice(
        case,
        TAOXI,
        kind="procurator_opinion",
        issued_at=local(2025, 5, 2, 9, 0),
        rectify_by=date(2025, 5, 12),
        status="accepted",
        accepted_at=local(2025, 5, 13, 0, 30),  # accepted after the day: overdue
    )
    build.notice(case, PINGCHUAN, issued_at=local(2025, 7, 2, 9, 0), rectify_by=date(2025, 7, 12))  # Q3
    _, rows = selectors.compute(Q2, now=NOW)
    taoxi = lines_of(rows, TAOXI)
    assert taoxi["notice_received"]["count"] == 2
    assert taoxi["procurator_opinion"]["count"] == 1
    assert taoxi["rectification_overdue"]["count"] == 2
    assert lines_of(rows, PINGCHUAN)["notice_received"]["count"] == 0
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    details = [r["detail"] for r in found.records["rectification_overdue"]]
    assert any("尚未验收通过" in d for d in details) and any("2025-05-13验收通过" in d for d in details)


def test_a_rectification_day_not_yet_passed_is_not_overdue(build) -> None:
    case = build.case(TAOXI)
    build.notice(case, TAOXI, issued_at=local(2025, 8, 1, 9, 0), rectify_by=date(2025, 8, 15))
    _, rows = selectors.compute(parse_period("2025-08"), now=NOW)  # NOW is 2025-08-15 10:00
    assert lines_of(rows, TAOXI)["rectification_overdue"]["count"] == 0
    _, later = selectors.compute(parse_period("2025-08"), now=local(2025, 8, 16, 0, 1))
    assert lines_of(later, TAOXI)["rectification_overdue"]["count"] == 1


def test_caps_grades_and_ranks(build) -> None:
    case = build.case(PINGCHUAN)
    for day in range(1, 13):
        build.deadline(case, PINGCHUAN, "breach", local(2025, 5, day, 12, 0))
    _, rows = selectors.compute(Q2, now=NOW)
    line = lines_of(rows, PINGCHUAN)["deadline_breach"]
    assert (line["count"], line["raw"], line["points"], line["capped"]) == (12, "-24.0", "-20.0", True)
    pingchuan = row_of(rows, PINGCHUAN)
    assert (pingchuan.score, pingchuan.grade, pingchuan.grade_title) == (D(80), "pass", "达标")
    assert pingchuan.rank == len(rows) == rows[-1].rank  # the only unit below 100, last
    assert {r.rank for r in rows if r.unit.code != PINGCHUAN} == {1}
    units = {r.unit.code for r in rows}
    assert {TAOXI, PINGCHUAN, WUBEI, "wp-xz"} <= units
    assert not units & {"wp-fz", "wp-zx", "wp-cmd", "wp", f"{TAOXI}-sq"}  # not evaluated


def test_the_ranking_is_a_handful_of_queries_whatever_the_data(build) -> None:
    for code in (TAOXI, PINGCHUAN, WUBEI):
        case = build.case(code)
        build.deadline(case, code, "breach", local(2025, 5, 10, 12, 0))
        build.supplementary(case, local(2025, 5, 11, 12, 0))
        build.approval_returned(case, local(2025, 5, 12, 12, 0), roles=["legal_officer"], step=0)
    with CaptureQueriesContext(connection) as queries:
        selectors.compute(parse_period("2025"), now=NOW)
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]


# --------------------------------------------------------------------------------------------------
# manual items


def add(actor: str = "legal_affairs", **overrides):  # type: ignore[no-untyped-def]
    fields = {
        "unit_id": unit(TAOXI).pk,
        "item_key": "manual_deduction",
        "points": "-2",
        "occurred_on": date(2025, 5, 20),
        "reason": "案卷评查发现询问笔录未记明起止时间，不规范",
        "now": NOW,
    }
    return services.adjustment_create(actor=user(actor), **{**fields, **overrides})


def test_manual_items_count_and_are_audited(build) -> None:
    entry = add()
    add(item_key="manual_bonus", points="3", reason="获评省级执法示范单位")
    _, rows = selectors.compute(Q2, now=NOW)
    taoxi = lines_of(rows, TAOXI)
    assert (taoxi["manual_deduction"]["points"], taoxi["manual_bonus"]["points"]) == ("-2.0", "3.0")
    assert row_of(rows, TAOXI).score == D("101.0")
    audit = AuditEntry.objects.filter(action="quality.adjustment.create", object_id=str(entry.pk)).get()
    assert audit.actor_username == "legal_affairs" and "询问笔录" in str(audit.changes)
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    assert [r["detail"] for r in found.records["manual_deduction"]] == [entry.reason]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": "   "}, "reason", "请写明事实与理由"),
        ({"points": "3"}, "points", "应为负数（扣分）"),
        ({"item_key": "manual_bonus", "points": "-1"}, "points", "应为正数（加分）"),
        ({"points": "-6"}, "points", "每条最多5分"),
        ({"points": "-0.25"}, "points", "一位小数"),
        ({"item_key": "deadline_breach"}, "item_key", "不是人工考评项目"),
        ({"occurred_on": date(2025, 8, 16)}, "occurred_on", "不能晚于今天"),
    ],
)
def test_manual_items_are_validated_in_chinese(build, overrides, field, message) -> None:
    with pytest.raises(ServiceError) as refused:
        add(**overrides)
    assert message in refused.value.field_errors[field]


def test_manual_items_only_for_evaluated_units_and_their_own_cases(build) -> None:
    with pytest.raises(ServiceError, match="不参加执法质量考评"):
        add(unit_id=unit("wp-fz").pk)
    other = build.case(PINGCHUAN)
    with pytest.raises(ServiceError, match="不是被考评单位办理的案件"):
        add(case_id=other.pk)
    own = build.case(f"{TAOXI}-sq")
    assert add(case_id=own.pk).case_id == own.pk


@pytest.mark.parametrize("username", ["chief", "legal_officer", "leader", "officer"])
def test_only_legal_affairs_enters_manual_items(build, username) -> None:
    with pytest.raises(PermissionDenied):
        add(actor=username)


def test_a_reversal_cancels_an_entry_and_keeps_both(build) -> None:
    entry = add()
    with pytest.raises(ServiceError, match="事实与理由"):
        services.adjustment_reverse(actor=user("legal_affairs"), adjustment_id=entry.pk, reason="")
    reversal = services.adjustment_reverse(
        actor=user("legal_affairs"), adjustment_id=entry.pk, reason="录入单位有误"
    )
    assert reversal.points == D(2) and reversal.reverses_id == entry.pk
    _, rows = selectors.compute(Q2, now=NOW)
    assert row_of(rows, TAOXI).score == D(100)
    assert lines_of(rows, TAOXI)["manual_deduction"]["count"] == 0
    with pytest.raises(Conflict):
        services.adjustment_reverse(actor=user("legal_affairs"), adjustment_id=entry.pk, reason="再次撤销")
    with pytest.raises(ServiceError, match="不能再撤销"):
        services.adjustment_reverse(actor=user("legal_affairs"), adjustment_id=reversal.pk, reason="撤销撤销")


# --------------------------------------------------------------------------------------------------
# scope


def test_a_chief_sees_only_their_unit_with_its_bureau_wide_rank(build) -> None:
    case = build.case(TAOXI)
    build.deadline(case, TAOXI, "breach", local(2025, 5, 10, 12, 0))
    result = selectors.ranking(actor=user("chief"), period=Q2, now=NOW)
    assert [r.unit.code for r in result.rows] == [TAOXI]
    assert result.rows[0].rank == result.total_units > 1
    with pytest.raises(Http404):
        selectors.explanation(actor=user("chief"), unit_id=unit(PINGCHUAN).pk, period=Q2, now=NOW)


def test_the_wubei_legal_officer_sees_the_joint_station_and_its_members(build) -> None:
    result = selectors.ranking(actor=user("legal_officer"), period=Q2, now=NOW)
    codes = {r.unit.code for r in result.rows}
    assert WUBEI in codes and TAOXI in codes and PINGCHUAN not in codes
    assert len(codes) == 5


@pytest.mark.parametrize("username", ["officer", "mediator", "procurator", "dispatcher", "auditor"])
def test_other_roles_see_nothing(build, username) -> None:
    with pytest.raises(PermissionDenied):
        selectors.ranking(actor=user(username), period=Q2, now=NOW)


# --------------------------------------------------------------------------------------------------
# publishing


def test_publishing_freezes_the_results(build) -> None:
    case = build.case(TAOXI)
    build.deadline(case, TAOXI, "breach", local(2025, 5, 10, 12, 0))
    add()
    publication = services.period_publish(actor=user("legal_affairs"), period=Q2, now=NOW)
    assert publication.scheme_version and publication.evaluations.count() == len(
        selectors.compute(Q2, now=NOW)[1]
    )
    assert AuditEntry.objects.filter(action="quality.publish", object_id=str(publication.pk)).exists()
    # Later changes do not move a published ranking …
    build.deadline(case, TAOXI, "breach", local(2025, 5, 11, 12, 0))
    result = selectors.ranking(actor=user("legal_affairs"), period=Q2)
    assert result.final and row_of(result.rows, TAOXI).score == D(96)
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2)
    assert len(found.records["deadline_breach"]) == 1
    assert found.records["manual_deduction"][0]["points"] == "-2.0"
    # … while the live computation of the same quarter would
    assert row_of(selectors.compute(Q2, now=NOW)[1], TAOXI).score == D(94)
    # and nothing dated inside it may be added (also not via its month), nor published twice
    with pytest.raises(Conflict, match="已发布"):
        add(occurred_on=date(2025, 6, 1))
    with pytest.raises(Conflict):
        services.period_publish(actor=user("legal_affairs"), period=Q2, now=NOW)
    assert add(occurred_on=date(2025, 7, 1)).pk  # the next quarter is open


def test_a_running_period_cannot_be_published(build) -> None:
    with pytest.raises(ServiceError, match="尚未结束"):
        services.period_publish(actor=user("legal_affairs"), period=parse_period("2025-08"), now=NOW)
    with pytest.raises(PermissionDenied):
        services.period_publish(actor=user("leader"), period=Q2, now=NOW)


def test_without_the_notice_model_its_items_are_skipped_with_a_note(build, monkeypatch) -> None:
    from jingwu.quality import sources

    case = build.case(TAOXI)
    build.notice(case, TAOXI, issued_at=local(2025, 4, 10, 9, 0), rectify_by=date(2025, 4, 20))
    monkeypatch.setattr(sources, "notice_model", lambda: None)
    result = selectors.ranking(actor=user("legal_affairs"), period=Q2, now=NOW)
    [note] = result.notes
    assert "执法监督通知书尚未启用" in note and "逾期未整改" in note
    assert row_of(result.rows, TAOXI).score == D(100)
    found = selectors.explanation(actor=user("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    assert "notice_received" not in found.records
