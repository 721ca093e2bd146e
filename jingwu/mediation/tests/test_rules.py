"""The pure parts: the rules data and its checks, the risk suggestion (each signal), and the time to apply
for judicial confirmation on a worked example across the National Day holiday."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from jingwu.core.legaltime import HolidayCalendar
from jingwu.mediation.periods import confirmation_due
from jingwu.mediation.risk import suggest_risk
from jingwu.mediation.rules import RULES_YAML, RulesError, dispute_types, rules

CALENDAR = HolidayCalendar.from_yaml()


def test_the_shipped_data_loads():
    assert list(dispute_types()) == [
        "neighbour",
        "family",
        "land_forest",
        "labour",
        "debt",
        "commercial",
        "traffic",
        "other",
    ]
    assert dispute_types()["labour"].referral == "labour_arbitration"
    police = rules().police
    assert police.eligible["A-beating"] == "殴打他人" and "A-theft" not in police.eligible
    assert "治安管理处罚法（2012）第9条" in police.citation
    assert rules().confirmation.period.value == 30


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(RULES_YAML.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["risk"]["threat_words"].update(level="extreme"), "level must be medium or high"),
        (lambda d: d["risk"]["parties"].update(medium_at=12), "medium_at <= high_at"),
        (
            lambda d: d["police_mediation"]["eligible_offences"].append(
                {"code": "A-beating", "name": "殴打"}
            ),
            "duplicate code",
        ),
        (
            lambda d: d["police_mediation"]["eligible_offences"].__setitem__(
                0, {"code": "A-beating", "name": "打人"}
            ),
            "differs from admin_offences.yaml",
        ),
        (lambda d: d["judicial_confirmation"].update(counting="working_days"), "days_excl_start"),
        (lambda d: d.pop("follow_up"), "follow_up.within_days"),
    ],
)
def test_a_broken_rules_file_is_refused_with_the_entry_named(tmp_path, change, message):
    with pytest.raises(RulesError, match=message):
        rules.__wrapped__(_broken(tmp_path, change))


def test_a_type_must_name_a_known_referral_body(tmp_path):
    path = tmp_path / "types.yaml"
    path.write_text("types:\n  - {code: x, name: 某纠纷, referral: nowhere}\n", encoding="utf-8")
    with pytest.raises(RulesError, match="unknown referral body 'nowhere'"):
        dispute_types.__wrapped__(path)


# --------------------------------------------------------------------------------------------------
# the risk suggestion


def test_no_signal_is_low():
    suggestion = suggest_risk(description="两户因排水沟发生口角。", prior_disputes=0, party_count=2)
    assert suggestion.level == "low" and suggestion.reasons == ("未发现风险信号",)


def test_threat_words_suggest_high():
    suggestion = suggest_risk(description="一方扬言要放火烧房。", prior_disputes=0, party_count=2)
    assert suggestion.level == "high"
    assert suggestion.reasons == ("描述中有威胁/极端言行：扬言、放火、烧房",)


def test_violence_words_suggest_medium():
    suggestion = suggest_risk(description="双方发生推搡。", prior_disputes=0, party_count=2)
    assert suggestion.level == "medium" and "推搡" in suggestion.reasons[0]


@pytest.mark.parametrize(("prior", "level"), [(0, "low"), (1, "medium"), (2, "high"), (5, "high")])
def test_repeated_disputes_between_the_same_parties(prior, level):
    suggestion = suggest_risk(description="口角。", prior_disputes=prior, party_count=2)
    assert suggestion.level == level
    if prior:
        assert f"已有{prior}起纠纷" in suggestion.reasons[0]


@pytest.mark.parametrize(("count", "level"), [(4, "low"), (5, "medium"), (9, "medium"), (10, "high")])
def test_the_number_of_parties(count, level):
    assert suggest_risk(description="口角。", prior_disputes=0, party_count=count).level == level


def test_the_highest_signal_wins_and_every_reason_is_given():
    suggestion = suggest_risk(description="双方推搡。", prior_disputes=2, party_count=6)
    assert suggestion.level == "high" and len(suggestion.reasons) == 3


# --------------------------------------------------------------------------------------------------
# judicial confirmation: 人民调解法 第33条, counted per 民事诉讼法 第85条


def test_thirty_days_not_counting_the_effective_day():
    # Effective 2026-06-01 (Monday): day 1 is 06-02, day 30 is 07-01 (Wednesday, a working day).
    due = confirmation_due(date(2026, 6, 1), CALENDAR)
    assert (due.due_on, due.rolled, due.unchecked) == (date(2026, 7, 1), False, False)


def test_a_period_ending_in_the_national_day_holiday_rolls_to_the_first_working_day():
    # Effective 2026-09-03: day 30 is 10-03, inside 国庆节 (10-01 to 10-07 off); the first day after the
    # holiday is 10-08 (Thursday), which is the last day to apply.
    due = confirmation_due(date(2026, 9, 3), CALENDAR)
    assert (due.due_on, due.rolled) == (date(2026, 10, 8), True)
    assert due.due_at.hour == 23 and due.due_at.minute == 59


def test_a_period_ending_on_a_weekend_rolls_to_monday():
    # Effective 2026-10-15: day 30 is 11-14, a Saturday (GEN-005: weekends are rest days) → Monday 11-16.
    assert confirmation_due(date(2026, 10, 15), CALENDAR).due_on == date(2026, 11, 16)


def test_a_year_without_a_holiday_calendar_is_shown_unrolled():
    due = confirmation_due(date(2026, 12, 20), CALENDAR)  # day 30 is 2027-01-19; 2027 is not loaded
    assert (due.due_on, due.unchecked) == (date(2027, 1, 19), True)
