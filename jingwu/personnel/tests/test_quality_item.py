"""Legal training feeds the law-enforcement quality evaluation (执法质量考评) as the configurable item
`legal_training` of jingwu/quality/data/scheme.yaml: each officer who missed or failed a required legal
course by its due day counts once for his unit, in the period of the due day (issue 13)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from jingwu.personnel import services
from jingwu.personnel.tests.conftest import PINGCHUAN, TAOXI, unit
from jingwu.quality import selectors as quality
from jingwu.quality.periods import parse_period
from jingwu.quality.scheme import scheme

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 8, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
Q2, Q3 = parse_period("2025-Q2"), parse_period("2025-Q3")


def line(rows, code: str) -> dict:
    row = next(r for r in rows if r.unit.code == code)
    return next(item for item in row.lines if item["key"] == "legal_training")


@pytest.fixture
def results(legal_course, user_of):
    """Everyone in 桃溪 passes except officer (fails, 52) and one roster officer (absent); in 平川
    everyone passes but one who is excused."""
    personnel = user_of("personnel")
    for enrolment in legal_course.enrolments.select_related("officer", "unit"):
        name = enrolment.officer.username
        if name == "officer":
            services.attendance_record(
                actor=personnel, enrolment_id=enrolment.pk, status="attended", score="52"
            )
        elif name == f"roster-{TAOXI}-sq-1":
            services.attendance_record(actor=personnel, enrolment_id=enrolment.pk, status="absent")
        elif name == f"roster-{PINGCHUAN}-aj-1":
            services.attendance_record(
                actor=personnel, enrolment_id=enrolment.pk, status="exempt", note="借调"
            )
        else:
            services.attendance_record(
                actor=personnel, enrolment_id=enrolment.pk, status="attended", score="80"
            )
    return legal_course


def test_the_item_is_in_the_scheme() -> None:
    item = next(i for i in scheme().items if i.key == "legal_training")
    assert item.source == "legal_training" and item.points < 0 and item.cap > 0


def test_misses_and_failures_count_for_the_officers_unit(results) -> None:
    _, rows = quality.compute(Q2, now=NOW)
    taoxi = line(rows, TAOXI)
    assert taoxi["count"] == 2
    assert Decimal(taoxi["points"]) == 2 * scheme().item("legal_training").points
    assert line(rows, PINGCHUAN)["count"] == 0  # the exempt officer does not count
    # The due day (2025-05-31) is in Q2: nothing in Q3.
    _, later = quality.compute(Q3, now=NOW)
    assert line(later, TAOXI)["count"] == 0


def test_the_item_appears_in_the_units_explanation(results, user_of) -> None:
    found = quality.explanation(actor=user_of("legal_affairs"), unit_id=unit(TAOXI).pk, period=Q2, now=NOW)
    records = found.records["legal_training"]
    officer = user_of("officer")
    assert {r["detail"] for r in records} == {"考核不合格（52.0分）", "到期未参训"}
    assert any(r["subject"] == f"{officer.full_name} 新修订《治安管理处罚法》专题培训" for r in records)
    assert all(r["at"] == "2025-05-31" for r in records)
    lines = {item["key"]: item for item in found.row.lines}
    assert lines["legal_training"]["count"] == 2 and lines["legal_training"]["title"].startswith(
        "民警未按期完成法律培训"
    )


def test_a_due_day_not_yet_passed_does_not_count(legal_course) -> None:
    # Nobody recorded yet; on the due day itself the course is still open.
    _, rows = quality.compute(Q2, now=datetime(2025, 5, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert line(rows, TAOXI)["count"] == 0
    _, rows = quality.compute(Q2, now=NOW)
    assert (
        line(rows, TAOXI)["count"]
        == legal_course.enrolments.filter(unit__path__startswith=unit(TAOXI).path).count()
    )


def test_other_kinds_of_course_do_not_count(user_of) -> None:
    course = services.course_create(
        actor=user_of("personnel"),
        title="急救技能培训",
        kind="first_aid",
        starts_on=date(2025, 5, 6),
        due_on=date(2025, 5, 31),
        unit_ids=[unit(TAOXI).pk],
    )
    assert not course.is_legal_training
    _, rows = quality.compute(Q2, now=NOW)
    assert line(rows, TAOXI)["count"] == 0
