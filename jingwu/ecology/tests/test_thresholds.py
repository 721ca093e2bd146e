"""The threshold check of forest crimes (法释〔2023〕8号) on worked examples, and the patrol-due rule."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from jingwu.ecology.rules import finding_kinds, patrol_due
from jingwu.ecology.thresholds import assess, thresholds


def test_the_values_come_from_the_rules_data() -> None:
    data = thresholds()
    assert data.for_charge("盗伐林木罪").values["standing_volume_m3"] == 5
    assert data.for_charge("盗伐林木罪").values["saplings"] == 200
    assert data.for_charge("滥伐林木罪").values["standing_volume_m3"] == 20
    assert data.for_charge("滥伐林木罪").values["saplings"] == 1000
    land = data.for_charge("非法占用农用地罪")
    assert (land.values["public_welfare_forest_mu"], land.values["commercial_forest_mu"]) == (5, 10)
    assert "破坏森林资源刑事案件适用法律若干问题的解释第5条" in data.for_charge("滥伐林木罪").citation


@pytest.mark.parametrize(
    ("charge", "quantities", "met", "level"),
    [
        # 以上包括本数: exactly 20 m³ of excessive logging is 数量较大.
        ("滥伐林木罪", {"standing_volume_m3": "20"}, True, "数量较大"),
        ("滥伐林木罪", {"standing_volume_m3": "19.999"}, False, ""),
        ("滥伐林木罪", {"standing_volume_m3": "25"}, True, "数量较大"),
        # 数量巨大 = 5 times for excessive logging.
        ("滥伐林木罪", {"standing_volume_m3": "100"}, True, "数量巨大"),
        # Theft of trees: 5 m³ or 200 saplings; 10× and 50× for the higher levels.
        ("盗伐林木罪", {"standing_volume_m3": "4.9"}, False, ""),
        ("盗伐林木罪", {"saplings": 200}, True, "数量较大"),
        ("盗伐林木罪", {"standing_volume_m3": "50"}, True, "数量巨大"),
        ("盗伐林木罪", {"standing_volume_m3": "250"}, True, "数量特别巨大"),
        # 折算合计: 4 m³ (4/5) + 40 saplings (40/200) = exactly one threshold.
        ("盗伐林木罪", {"standing_volume_m3": "4", "saplings": 40}, True, "数量较大"),
        ("盗伐林木罪", {"standing_volume_m3": "4", "saplings": 39}, False, ""),
        # Value in yuan is an alternative of its own: 20 000 yuan for theft.
        ("盗伐林木罪", {"standing_volume_m3": "1", "value_cny": "20000"}, True, "数量较大"),
        # Land: 5 mu of public-welfare forest or 10 mu of commercial forest, or in proportion.
        ("非法占用农用地罪", {"public_welfare_forest_mu": "5"}, True, "数量较大，造成林地大量毁坏"),
        ("非法占用农用地罪", {"commercial_forest_mu": "9"}, False, ""),
        ("非法占用农用地罪", {"public_welfare_forest_mu": "2.5", "commercial_forest_mu": "5"}, True, None),
        # Two administrative penalties within two years: half the threshold suffices (第1条第1款第4项).
        ("非法占用农用地罪", {"commercial_forest_mu": "5", "prior_admin_penalties": 2}, True, None),
        ("非法占用农用地罪", {"commercial_forest_mu": "5", "prior_admin_penalties": 1}, False, ""),
    ],
)
def test_worked_examples(charge: str, quantities: dict, met: bool, level: str | None) -> None:
    found = assess(charge, quantities)
    assert found is not None
    assert found.met is met, found.explanation
    if level is not None:
        assert found.level == level


def test_the_lines_and_the_ratio_shown_beside_the_facts() -> None:
    found = assess("滥伐林木罪", {"standing_volume_m3": "8.6"})
    assert found is not None and not found.met
    assert found.ratio == Fraction(43, 100)
    volume = next(line for line in found.lines if line.key == "standing_volume_m3")
    assert (volume.threshold, volume.met) == (20, False)
    assert "未达立案追诉标准" in found.explanation and "43%" in found.explanation


def test_a_charge_without_quantity_thresholds_has_no_assessment() -> None:
    assert assess("失火罪", {"standing_volume_m3": "100"}) is None


def test_finding_kinds_fit_the_incident_taxonomy_and_the_charges() -> None:
    kinds = finding_kinds()
    assert {"illegal_logging", "fire_hazard", "land_occupation", "wildlife", "other"} <= set(kinds)
    assert kinds["illegal_logging"].subcategory == "illegal_logging"


@pytest.mark.parametrize(
    ("last", "every", "today", "due", "overdue", "late"),
    [
        (date(2026, 11, 1), 7, date(2026, 11, 8), date(2026, 11, 8), False, 0),  # due today: not yet late
        (date(2026, 11, 1), 7, date(2026, 11, 9), date(2026, 11, 8), True, 1),
        (date(2026, 11, 1), 14, date(2026, 11, 9), date(2026, 11, 15), False, 0),
        (None, 7, date(2026, 11, 20), date(2026, 11, 17), True, 3),  # never patrolled: from its creation
    ],
)
def test_patrol_due(last, every, today, due, overdue, late) -> None:
    found = patrol_due(last_on=last, every_days=every, today=today, since=date(2026, 11, 10))
    assert (found.due_on, found.overdue, found.days_overdue) == (due, overdue, late)
