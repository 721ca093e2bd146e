"""The scoring arithmetic (计分) and the scheme's validation: pure Python, no database."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jingwu.quality import scoring
from jingwu.quality.periods import PeriodError, parse_period, period_of
from jingwu.quality.scheme import DEFAULT_SCHEME_PATH, SchemeError, load_scheme, parse_scheme

RAW = yaml.safe_load(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"))
SCHEME = parse_scheme(RAW)
COMPUTED = [item.key for item in SCHEME.computed_items]
D = Decimal


def test_the_project_scheme_loads_with_the_org_unit_kinds() -> None:
    from jingwu.quality.scheme import scheme

    loaded = scheme()
    assert loaded.base == 100 and loaded.version
    assert {g.title_zh for g in loaded.grades} == {"优秀", "达标", "不达标"}
    assert {i.key for i in loaded.manual_items} == {"manual_deduction", "manual_bonus"}


def test_worked_example() -> None:
    """桃溪派出所, a quarter: 12 breaches (−2 each, capped at −20), 3 late steps (−1 each), 3 legal review
    returns (−0.5 each), one return for supplementary investigation (−3), and the brigade's manual items:
    −2 for badly kept interview records, +3 for a provincial model unit."""
    result = scoring.score(
        SCHEME,
        {"deadline_breach": 12, "deadline_late": 3, "review_returned": 3, "supplementary_investigation": 1},
        {"manual_deduction": [D("-2")], "manual_bonus": [D("3")]},
    )
    lines = {line.item.key: line for line in result.lines}
    assert (lines["deadline_breach"].raw, lines["deadline_breach"].points) == (D(-24), D(-20))
    assert lines["deadline_breach"].capped
    assert lines["deadline_late"].points == D(-3) and not lines["deadline_late"].capped
    assert lines["review_returned"].points == D("-1.5")
    assert lines["supplementary_investigation"].points == D(-3)
    assert lines["manual_deduction"].points == D(-2) and lines["manual_bonus"].points == D(3)
    assert lines["notice_received"].points == 0 and lines["notice_received"].count == 0
    # 100 − 20 − 3 − 1.5 − 3 − 2 + 3 = 73.5 → 不达标 (below 80)
    assert result.score == D("73.5") and result.total == D("73.5")
    assert (result.grade.key, result.grade.title_zh) == ("fail", "不达标")
    assert [line.item.key for line in result.main_deductions(2)] == ["deadline_breach", "deadline_late"]
    explained = result.as_dict()
    assert explained["score"] == "73.5" and explained["lines"][0]["raw"] == "-24.0"
    assert [line["key"] for line in explained["lines"]] == [item.key for item in SCHEME.items]


def test_grades_at_the_band_edges() -> None:
    assert scoring.score(SCHEME, {}).grade.key == "excellent"  # 100
    assert scoring.score(SCHEME, {"deadline_breach": 2, "deadline_late": 1}).score == D(95)
    assert scoring.score(SCHEME, {"deadline_breach": 2, "deadline_late": 1}).grade.key == "excellent"  # 95
    returned = scoring.score(SCHEME, {"review_returned": 11})  # 11 × −0.5 = −5.5, under the cap of 10
    assert (returned.score, returned.grade.key) == (D("94.5"), "pass")
    ninety = scoring.score(SCHEME, {"deadline_breach": 5})
    assert (ninety.score, ninety.grade.key) == (D(90), "pass")
    eighty = scoring.score(SCHEME, {"deadline_breach": 10})
    assert (eighty.score, eighty.grade.key) == (D(80), "pass")  # 80 is 达标: bands are [min, max)
    below = scoring.score(SCHEME, {"deadline_breach": 10, "review_returned": 1})
    assert (below.score, below.grade.key) == (D("79.5"), "fail")


def test_bonus_above_the_ceiling_is_held_at_the_ceiling() -> None:
    result = scoring.score(SCHEME, {}, {"manual_bonus": [D(5), D(5)]})
    bonus = next(line for line in result.lines if line.item.key == "manual_bonus")
    assert bonus.raw == D(10) and bonus.points == D(5)  # the item's cap
    assert result.total == D(105) and result.score == D(105)


def test_floor_holds_when_every_item_is_at_its_cap() -> None:
    raw = copy.deepcopy(RAW)
    for item in raw["items"]:
        item["cap"] = 50 if item["points"] < 0 else item["cap"]
    harsh = parse_scheme(raw)
    result = scoring.score(harsh, dict.fromkeys([i.key for i in harsh.computed_items], 1000))
    assert result.total < 0 and result.score == harsh.floor == 0


def test_manual_entries_keep_their_items_sign() -> None:
    """A reversal cancels; a deduction item never adds points, however its entries net out."""
    result = scoring.score(SCHEME, {}, {"manual_deduction": [D(-2), D(3)]})
    line = next(line for line in result.lines if line.item.key == "manual_deduction")
    assert line.raw == D(1) and line.points == 0


def test_unknown_items_and_negative_counts_are_errors() -> None:
    with pytest.raises(KeyError, match="no_such_item"):
        scoring.score(SCHEME, {"no_such_item": 1})
    with pytest.raises(ValueError, match="negative"):
        scoring.score(SCHEME, {"deadline_breach": -1})


def test_rank_shares_places_between_equal_scores() -> None:
    assert scoring.rank({"a": D(90), "b": D(95), "c": D(90), "d": D(70)}) == {"a": 2, "b": 1, "c": 2, "d": 4}


counts_strategy = st.dictionaries(st.sampled_from(COMPUTED), st.integers(min_value=0, max_value=60))
manual_strategy = st.fixed_dictionaries(
    {
        "manual_deduction": st.lists(
            st.integers(min_value=-50, max_value=-1).map(lambda n: D(n) / 10), max_size=8
        ),
        "manual_bonus": st.lists(st.integers(min_value=1, max_value=50).map(lambda n: D(n) / 10), max_size=8),
    }
)


@settings(max_examples=300, deadline=None)
@given(counts=counts_strategy, manual=manual_strategy)
def test_score_stays_within_bounds_and_caps(counts: dict[str, int], manual: dict[str, list[Decimal]]) -> None:
    result = scoring.score(SCHEME, counts, manual)
    assert SCHEME.floor <= result.score <= SCHEME.ceiling
    for line in result.lines:
        assert abs(line.points) <= line.item.cap
        # a deduction never adds, a bonus never takes
        assert (line.points <= 0) if not line.item.is_bonus else (line.points >= 0)
    assert result.grade == SCHEME.grade_for(result.score)
    assert result.total == SCHEME.base + sum((line.points for line in result.lines), D(0))


@settings(max_examples=300, deadline=None)
@given(
    counts=counts_strategy, manual=manual_strategy, item=st.sampled_from(COMPUTED), more=st.integers(1, 30)
)
def test_more_deductions_never_raise_the_score(
    counts: dict[str, int], manual: dict[str, list[Decimal]], item: str, more: int
) -> None:
    before = scoring.score(SCHEME, counts, manual)
    after = scoring.score(SCHEME, {**counts, item: counts.get(item, 0) + more}, manual)
    assert after.score <= before.score
    worse = scoring.score(
        SCHEME, counts, {**manual, "manual_deduction": [*manual["manual_deduction"], D(-1)]}
    )
    assert worse.score <= before.score
    better = scoring.score(SCHEME, counts, {**manual, "manual_bonus": [*manual["manual_bonus"], D(1)]})
    assert better.score >= before.score


# --------------------------------------------------------------------------------------------------
# the scheme's validation


def _broken(mutate) -> dict:  # type: ignore[no-untyped-def]
    raw = copy.deepcopy(RAW)
    mutate(raw)
    return raw


@pytest.mark.parametrize(
    ("mutate", "where", "field"),
    [
        (lambda r: r["items"][0].update(source="gossip"), "deadline_breach", "source"),
        (lambda r: r["items"][0].pop("points"), "deadline_breach", "points"),
        (lambda r: r["items"][0].update(points="much"), "deadline_breach", "points"),
        (lambda r: r["items"][0].update(points=-0.25), "deadline_breach", "points"),
        (lambda r: r["items"][1].update(cap=0), "deadline_late", "cap"),
        (lambda r: r["items"][1].update(cap=0.5), "deadline_late", "cap"),
        (lambda r: r["items"][2].update(key="deadline_breach"), "deadline_breach", "key"),
        (lambda r: r["items"][2].update(weight=3), "review_returned", "weight"),
        (lambda r: r["grades"][1].update(max=96), "grade pass", "max"),  # overlaps 优秀
        (lambda r: r["grades"][1].update(max=90), "grade pass", "max"),  # gap 90–95
        (lambda r: r["grades"][2].update(min=10), "grade fail", "min"),  # 0–10 has no grade
        (lambda r: r["grades"][0].update(max=200), "grade excellent", "max"),
        (lambda r: r.update(base=120), None, "base"),
        (lambda r: r["units"].update(kinds=[]), None, "units.kinds"),
    ],
)
def test_invalid_schemes_are_refused_with_the_place(mutate, where, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemeError) as caught:
        parse_scheme(_broken(mutate))
    assert (caught.value.where, caught.value.field) == (where, field)
    assert "考评方案校验失败" in str(caught.value)


def test_unknown_unit_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scheme.yaml"
    path.write_text(
        yaml.safe_dump(_broken(lambda r: r["units"].update(kinds=["station", "castle"]))), "utf-8"
    )
    with pytest.raises(SchemeError, match="castle"):
        load_scheme(path, known_unit_kinds=["station", "brigade"])


def test_periods() -> None:
    quarter = parse_period("2026-Q3")
    assert (quarter.first.isoformat(), quarter.after.isoformat(), quarter.label) == (
        "2026-07-01",
        "2026-10-01",
        "2026年第3季度",
    )
    assert quarter.start.isoformat() == "2026-07-01T00:00:00+08:00"
    assert parse_period("2026-12").after.isoformat() == "2027-01-01"
    assert parse_period("2026").key == "2026"
    assert period_of(quarter.first, "month").key == "2026-07"
    for bad in ("2026-Q5", "2026-13", "26", "2026-7", ""):
        with pytest.raises(PeriodError):
            parse_period(bad)
