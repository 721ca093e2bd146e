"""The data file of enterprise liaison is checked on load: a broken entry names itself."""

from __future__ import annotations

import copy

import pytest
import yaml

from jingwu.enterprises.config import DATA_YAML, ConfigError, config, parse


def raw() -> dict:
    return yaml.safe_load(DATA_YAML.read_text(encoding="utf-8"))


def test_the_shipped_file_loads() -> None:
    loaded = config()
    assert loaded.county_units == ("wp-za",)
    assert (
        loaded.bulletin_kinds["fraud_pattern"] == "电诈新手法" and "payment_check" in loaded.security_checks
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["industries"].append({"code": "food", "name": "重复"}),
            r"industries\[\d+\]: duplicate code",
        ),
        (lambda d: d["bulletin_kinds"].append({"code": "Bad-Code", "name": "x"}), "must be lower-case"),
        (lambda d: d["security_checks"].append({"code": "x1", "name": " "}), "name must be a non-empty"),
        (lambda d: d.update(request_kinds=[]), "'request_kinds' must be a non-empty list"),
        (lambda d: d.update(extra=1), "unknown keys"),
    ],
)
def test_broken_entries_are_refused(change, message) -> None:
    data = copy.deepcopy(raw())
    change(data)
    with pytest.raises(ConfigError, match=message):
        parse(data)
