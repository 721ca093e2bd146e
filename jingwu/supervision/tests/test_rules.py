"""Loading, validating and overriding the rule file."""

from pathlib import Path

import pytest
import yaml

from jingwu.core.legaltime import LAST_DAY_START, Counting, Period, Unit
from jingwu.supervision.rules import (
    DEFAULT_RULES_PATH,
    RuleValidationError,
    load_rules,
    merge_override,
)


def test_shipped_rules_load_cleanly() -> None:
    rules = load_rules()
    shipped = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))["rules"]
    assert len(rules) == len(shipped) == 83
    assert rules.ids == tuple(r["id"] for r in shipped)


def test_shipped_rules_are_parsed_faithfully() -> None:
    rules = load_rules()
    cr005 = rules.get("CR-005")
    assert cr005.period == Period(3, Unit.DAY)
    assert cr005.counting is Counting.DAYS_EXCL_START
    assert cr005.rolls_over_holidays is False
    assert [e.to for e in cr005.extensions] == [Period(7, Unit.DAY), Period(30, Unit.DAY)]
    assert cr005.extensions[0].warn_before == LAST_DAY_START

    cr012 = rules.get("CR-012")
    assert [e.add for e in cr012.extensions] == [
        Period(1, Unit.MONTH),
        Period(2, Unit.MONTH),
        Period(2, Unit.MONTH),
    ]
    assert cr012.pauses[0].filter == (("kind", ("psychiatric",)),)
    assert [r.from_event for r in cr012.restarts] == ["other_major_crime_discovered", "identity_established"]

    assert rules.get("CR-013").relative_to == "CR-012"
    assert rules.get("CR-003").unsuppress_grace == Period(1, Unit.HOUR)
    assert rules.get("AD-006N").extensions[0].max_times == 2
    # the law version of a versioned rule comes from the versioned source it cites
    assert rules.get("AD-003").applies.law_versions == ("PSAPL2012",)
    assert rules.get("AD-003N").applies.law_versions == ("PSAPL2025",)
    assert str(rules.get("AD-003N").applies.valid_from) == "2026-01-01"
    assert rules.get("AD-004").applies.law_versions == ()  # not versioned: applies under both laws


BASE_RULE = {
    "id": "T-001",
    "title_zh": "测试规则",
    "per": "person",
    "starts_on": ["criminal_detention_executed"],
    "met_by": ["family_notified"],
    "period": {"value": 24, "unit": "hour"},
    "counting": "hours_exact",
    "applies": {"case_kind": ["criminal"]},
}


def write_rules(tmp_path: Path, *rules: dict, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"rules": list(rules)}, allow_unicode=True), encoding="utf-8")
    return path


def rule(**changes) -> dict:
    result = {**BASE_RULE, **changes}
    return {k: v for k, v in result.items() if v is not None}


def test_a_minimal_rule_file_loads(tmp_path: Path) -> None:
    rules = load_rules(write_rules(tmp_path, rule()))
    assert rules.ids == ("T-001",)
    assert rules.get("T-001").warn_before is None


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"starts_on": ["criminal_detention_executd"]}, "starts_on[0]", "unknown event code"),
        ({"met_by": []}, "met_by", "at least one"),
        ({"counting": "fortnights"}, "counting", "unknown counting mode"),
        ({"period": None}, "period", "missing required field"),
        ({"period": {"value": 24, "unit": "hours"}}, "period.unit", "bad unit"),
        ({"period": {"value": 0, "unit": "hour"}}, "period.value", "positive"),
        ({"period": {"value": 3, "unit": "day"}}, "period.unit", "does not fit counting"),
        ({"per": "family"}, "per", "must be one of"),
        ({"applies": {"case_kind": ["civil"]}}, "applies.case_kind", "unknown case kind"),
        (
            {"applies": {"case_kind": ["criminal"], "valid_from": "2026-01-01", "valid_until": "2025-12-31"}},
            "applies.valid_until",
            "before valid_from",
        ),
        ({"perod": {"value": 1, "unit": "hour"}}, "perod", "unknown key"),
        ({"start_filter": {"colour": ["red"]}}, "start_filter.colour", "unknown event field"),
        (
            {
                "extended_by": [
                    {
                        "event": "summons_extended",
                        "to": {"value": 48, "unit": "hour"},
                        "add": {"value": 1, "unit": "hour"},
                    }
                ]
            },
            "extended_by[0]",
            "exactly one",
        ),
        (
            {"extended_by": [{"event": "summons_extended", "add": {"value": 2, "unit": "day"}}]},
            "extended_by[0].add.unit",
            "unit",
        ),
        ({"paused_by": [{"event": "appraisal_started"}]}, "paused_by[0].resumed_by", "unknown event code"),
        ({"warn_before": {"value": 1, "unit": "month"}}, "warn_before.unit", "not allowed"),
        ({"rolls_over_holidays": "yes"}, "rolls_over_holidays", "true or false"),
        ({"unsuppressed_by": ["notification_exception_lifted"]}, "unsuppressed_by", "without suppressed_by"),
        (
            {"counting": "before_other_deadline", "period": {"value": 7, "unit": "day"}},
            "relative_to",
            "needs the id",
        ),
    ],
)
def test_validation_errors_name_rule_and_field(tmp_path: Path, changes: dict, field: str, text: str) -> None:
    path = write_rules(tmp_path, rule(**changes))
    with pytest.raises(RuleValidationError) as info:
        load_rules(path)
    assert info.value.rule_id == "T-001"
    assert info.value.field == field
    assert text in str(info.value)
    assert "T-001" in str(info.value)


def test_duplicate_rule_id(tmp_path: Path) -> None:
    with pytest.raises(RuleValidationError, match="duplicate rule id") as info:
        load_rules(write_rules(tmp_path, rule(), rule()))
    assert info.value.rule_id == "T-001"


def test_before_other_deadline_must_reference_a_known_rule(tmp_path: Path) -> None:
    dependent = rule(
        id="T-002", counting="before_other_deadline", period={"value": 7, "unit": "day"}, relative_to="T-999"
    )
    with pytest.raises(RuleValidationError, match="unknown rule 'T-999'") as info:
        load_rules(write_rules(tmp_path, rule(), dependent))
    assert (info.value.rule_id, info.value.field) == ("T-002", "relative_to")


def test_before_other_deadline_cycle_is_rejected(tmp_path: Path) -> None:
    a = rule(
        id="T-A", counting="before_other_deadline", period={"value": 1, "unit": "day"}, relative_to="T-B"
    )
    b = rule(
        id="T-B", counting="before_other_deadline", period={"value": 1, "unit": "day"}, relative_to="T-A"
    )
    with pytest.raises(RuleValidationError, match="circular"):
        load_rules(write_rules(tmp_path, a, b))


def test_missing_id_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(RuleValidationError, match="missing or empty rule id"):
        load_rules(write_rules(tmp_path, rule(id=None)))
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleValidationError, match="not valid YAML"):
        load_rules(bad)


def test_override_corrects_a_period_and_adds_a_local_rule(tmp_path: Path) -> None:
    override = tmp_path / "local.yaml"
    override.write_text(
        """
rules:
- id: AD-004
  period: {value: 2, unit: hour}
- id: D110-LOCAL-RURAL
  title_zh: 处警到场时限——农村（县局规定）
  kind: dispatch
  per: incident
  starts_on: [incident_dispatched]
  start_filter: {area: [rural]}
  met_by: [incident_arrived]
  period: {value: 30, unit: minute}
  counting: hours_exact
  warn_before: {value: 5, unit: minute}
  applies: {case_kind: [criminal, administrative]}
  citation: [{source: POLICY, article: 县局规定}]
""",
        encoding="utf-8",
    )
    base = load_rules()
    merged = merge_override(base, override)
    assert len(merged) == len(base) + 1
    assert merged.get("AD-004").period == Period(2, Unit.HOUR)
    assert merged.get("AD-004").met_by == base.get("AD-004").met_by  # untouched keys stay
    assert base.get("AD-004").period == Period(1, Unit.HOUR)  # the base set is not mutated
    assert merged.get("D110-LOCAL-RURAL").period == Period(30, Unit.MINUTE)
    # the same through load_rules(overrides=...)
    assert load_rules(overrides=[override]).get("AD-004").period == Period(2, Unit.HOUR)


def test_invalid_override_is_rejected(tmp_path: Path) -> None:
    override = write_rules(tmp_path, {"id": "CR-002", "counting": "days"}, name="o.yaml")
    with pytest.raises(RuleValidationError, match="unknown counting mode") as info:
        merge_override(load_rules(), override)
    assert info.value.rule_id == "CR-002"
    incomplete = write_rules(tmp_path, {"id": "NEW-1", "title_zh": "缺字段"}, name="o2.yaml")
    with pytest.raises(RuleValidationError, match="missing required field"):
        merge_override(load_rules(), incomplete)


def test_unknown_citation_source_is_rejected(tmp_path: Path) -> None:
    override = write_rules(
        tmp_path, {"id": "CR-002", "citation": [{"source": "NOPE", "article": "1"}]}, name="o.yaml"
    )
    with pytest.raises(RuleValidationError, match="unknown source 'NOPE'"):
        merge_override(load_rules(), override)
