"""Command line: evaluate a case timeline against the statutory deadline rules (期限评估).

    python -m jingwu.supervision.evaluate TIMELINE.json --at 2024-03-06T12:00:00+08:00 \
        [--rules PATH] [--override PATH ...] [--holidays PATH]

Prints a JSON array of ``{"rule", "status", "due_at", "person", "item", "incident"}``: ``due_at`` is absent
while a clock is paused or suppressed; person/item/incident appear only for rules counted per person/item/
incident; error findings carry a ``message``. Exit code 2 on invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from jingwu.core.legaltime import DEFAULT_HOLIDAYS_PATH, TZ, HolidayCalendar, to_local
from jingwu.supervision.engine import Finding, Status, evaluate, parse_moment, timeline_from_dict
from jingwu.supervision.rules import DEFAULT_RULES_PATH, KEY_FIELDS, load_rules


def finding_to_json(finding: Finding) -> dict[str, Any]:
    """The CLI's JSON shape of one finding."""
    out: dict[str, Any] = {"rule": finding.rule_id, "status": str(finding.status)}
    if finding.due_at is not None:
        out["due_at"] = to_local(finding.due_at).isoformat()
    for key in KEY_FIELDS:
        value = getattr(finding, key)
        if finding.per == key or (finding.status is Status.ERROR and value is not None):
            out[key] = value
    if finding.status is Status.ERROR:
        out["message"] = finding.message
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jingwu.supervision.evaluate",
        description="Evaluate a case timeline against the statutory deadline rules.",
    )
    parser.add_argument("timeline", type=Path, help="timeline JSON: {case_kind, events: [{at, event, ...}]}")
    parser.add_argument("--at", help="evaluation moment, ISO-8601 with offset (default: now)")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES_PATH, help="rules YAML")
    parser.add_argument(
        "--override", type=Path, action="append", default=[], help="override YAML, by rule id"
    )
    parser.add_argument("--holidays", type=Path, default=DEFAULT_HOLIDAYS_PATH, help="holiday calendar YAML")
    args = parser.parse_args(argv)

    try:
        at = parse_moment(args.at, "--at") if args.at else datetime.now(TZ)
        rules = load_rules(args.rules, overrides=args.override)
        calendar = HolidayCalendar.from_yaml(args.holidays)
        with open(args.timeline, encoding="utf-8") as fh:
            timeline = timeline_from_dict(json.load(fh))
    except (OSError, ValueError, yaml.YAMLError) as exc:  # incl. TimelineError, RuleValidationError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    findings = evaluate(timeline, at, rules, calendar)
    json.dump([finding_to_json(f) for f in findings], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
