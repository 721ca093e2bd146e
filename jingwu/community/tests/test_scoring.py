"""The monthly scoring of the six kinds of community staff (六大员绩效): each rule of the scheme, a worked
example, and properties (caps respected, more work never lowers a score)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingwu.community.performance import (
    SOURCES,
    SchemeError,
    parse_kinds,
    parse_scheme,
    rank,
    scheme,
    score,
    staff_kinds,
)

D = Decimal


def test_the_scheme_and_the_six_kinds_load() -> None:
    kinds = staff_kinds()
    assert [k.name for k in kinds.values()] == [
        "警务助理",
        "综治协管员",
        "治保主任",
        "人民调解员",
        "网格员",
        "护林员",
    ]
    assert kinds["police_assistant"].logs_in and not kinds["forest_ranger"].logs_in
    current = scheme()
    assert {i.key: (i.points, i.cap) for i in current.items} == {
        "patrol": (D(1), D(20)),
        "visit": (D("0.5"), D(10)),
        "hazard_found": (D(1), D(10)),
        "hazard_fixed": (D(2), D(10)),
        "report": (D("0.5"), D(5)),
        "report_adopted": (D(3), D(15)),
        "daily_log": (D("0.2"), D(5)),
    }


def test_worked_example_for_a_police_assistant() -> None:
    """蓝小军 in November: 23 patrols (capped at 20), 9 visits (4.5), 2 hazards found (2) and 1 fixed (2),
    3 reports (1.5) of which 2 adopted (6), 26 days of log (5.2 → capped at 5), and the chief's +3."""
    result = score(
        scheme(),
        "police_assistant",
        {
            "patrol": 23,
            "visit": 9,
            "hazard_found": 2,
            "hazard_fixed": 1,
            "report": 3,
            "report_adopted": 2,
            "daily_log": 26,
        },
        [D(3)],
    )
    lines = {line.item.key: line for line in result.lines}
    assert lines["patrol"].raw == D(23) and lines["patrol"].points == D(20) and lines["patrol"].capped
    assert lines["visit"].points == D("4.5")
    assert lines["hazard_found"].points == D(2)
    assert lines["hazard_fixed"].points == D(2)
    assert lines["report"].points == D("1.5")
    assert lines["report_adopted"].points == D(6)
    assert lines["daily_log"].points == D(5) and lines["daily_log"].capped
    assert result.work == D("41.0")
    assert result.adjustment == D(3)
    assert result.score == D("44.0")


@pytest.mark.parametrize(
    ("source", "count", "expected"),
    [
        ("patrol", 1, D(1)),
        ("patrol", 20, D(20)),
        ("patrol", 21, D(20)),  # 每次+1，上限20
        ("visit", 1, D("0.5")),
        ("visit", 25, D(10)),  # 每次+0.5，上限10
        ("hazard_found", 3, D(3)),
        ("hazard_found", 11, D(10)),
        ("hazard_fixed", 1, D(2)),
        ("hazard_fixed", 6, D(10)),  # 每次+2，上限10
        ("report", 4, D(2)),
        ("report", 11, D(5)),
        ("report_adopted", 1, D(3)),
        ("report_adopted", 6, D(15)),  # 每次+3，上限15
        ("daily_log", 10, D(2)),
        ("daily_log", 31, D(5)),
    ],
)
def test_each_rule(source: str, count: int, expected: Decimal) -> None:
    assert score(scheme(), "police_assistant", {source: count}).score == expected


def test_an_item_limited_to_some_kinds_adds_nothing_for_the_others() -> None:
    ranger = score(scheme(), "forest_ranger", {"daily_log": 20, "patrol": 2})
    assert "daily_log" not in {line.item.key for line in ranger.lines}
    assert ranger.score == D(2)
    assert score(scheme(), "grid_worker", {"daily_log": 20}).score == D(4)


def test_adjustments_are_held_within_the_cap() -> None:
    assert score(scheme(), "mediator", {"patrol": 5}, [D(8), D(7)]).score == D(15)  # +15 → +10
    assert score(scheme(), "mediator", {"patrol": 5}, [D(-8), D(-7)]).score == D(-5)  # −15 → −10
    assert score(scheme(), "mediator", {}, [D(4), D(-1)]).adjustment == D(3)


def test_unknown_sources_and_negative_counts_are_errors() -> None:
    with pytest.raises(KeyError):
        score(scheme(), "police_assistant", {"arrests": 1})
    with pytest.raises(ValueError, match="negative"):
        score(scheme(), "police_assistant", {"patrol": -1})


def test_rank_shares_places() -> None:
    assert rank({"a": D(30), "b": D(41), "c": D(30), "d": D(2)}) == {"b": 1, "a": 2, "c": 2, "d": 4}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"key": "x", "title_zh": "x", "source": "arrests", "points": 1, "cap": 2}, "unknown source"),
        ({"key": "x", "title_zh": "x", "source": "patrol", "points": 0, "cap": 2}, "positive"),
        ({"key": "x", "title_zh": "x", "source": "patrol", "points": 3, "cap": 2}, "cap"),
        ({"key": "x", "title_zh": "x", "source": "patrol", "points": "0.25", "cap": 2}, "decimal"),
        (
            {"key": "x", "title_zh": "x", "source": "patrol", "points": 1, "cap": 2, "kinds": ["police"]},
            "staff kind",
        ),
        (
            {"key": "x", "title_zh": "x", "source": "patrol", "points": 1, "cap": 2, "weight": 1},
            "unknown field",
        ),
    ],
)
def test_a_broken_scheme_stops_with_a_clear_error(item: dict, message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        parse_scheme({"items": [item]}, ["police_assistant"])


def test_a_broken_kinds_file_stops() -> None:
    with pytest.raises(SchemeError, match="duplicate"):
        parse_kinds({"kinds": [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]})


counts = st.fixed_dictionaries({source: st.integers(min_value=0, max_value=60) for source in SOURCES})
kinds = st.sampled_from(sorted(staff_kinds()))
adjustments = st.lists(st.integers(min_value=-10, max_value=10).map(Decimal), max_size=4)


@settings(max_examples=200, deadline=None)
@given(kind=kinds, counts=counts, adjustments=adjustments)
def test_caps_are_respected(kind: str, counts: dict[str, int], adjustments: list[Decimal]) -> None:
    current = scheme()
    result = score(current, kind, counts, adjustments)
    for line in result.lines:
        assert D(0) <= line.points <= line.item.cap
        assert line.points == min(line.item.points * line.count, line.item.cap)
    assert abs(result.adjustment) <= current.adjustment_cap
    assert result.work <= sum((i.cap for i in current.items_for(kind)), D(0))
    assert result.score == result.work + result.adjustment


@settings(max_examples=200, deadline=None)
@given(
    kind=kinds, counts=counts, source=st.sampled_from(SOURCES), more=st.integers(min_value=1, max_value=30)
)
def test_more_recorded_work_never_lowers_a_score(
    kind: str, counts: dict[str, int], source: str, more: int
) -> None:
    before = score(scheme(), kind, counts).score
    after = score(scheme(), kind, {**counts, source: counts[source] + more}).score
    assert after >= before
