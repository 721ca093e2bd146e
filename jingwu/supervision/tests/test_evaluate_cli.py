"""The evaluate command, run as a subprocess like an operator would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
TIMELINES = Path(__file__).resolve().parent / "timelines"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jingwu.supervision.evaluate", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_findings_as_json() -> None:
    # events are listed out of order in the file on purpose
    result = cli(TIMELINES / "detention_notification.json", "--at", "2024-03-02T09:30:00+08:00")
    assert result.returncode == 0, result.stderr
    findings = {f["rule"]: f for f in json.loads(result.stdout)}
    # CR-002 met (delivered 18:00 <= 03-02 10:00); CR-004 met at 09:00
    assert findings["CR-002"] == {
        "rule": "CR-002",
        "status": "met",
        "due_at": "2024-03-02T10:00:00+08:00",
        "person": "P1",
    }
    assert findings["CR-004"]["status"] == "met"
    # CR-003 suppressed by the recorded exception: no due_at key at all
    assert findings["CR-003"] == {"rule": "CR-003", "status": "suppressed", "person": "P1"}
    # CR-005: 3 days, detention day not counted -> 03-04 23:59:59
    assert findings["CR-005"] == {
        "rule": "CR-005",
        "status": "pending",
        "due_at": "2024-03-04T23:59:59+08:00",
        "person": "P1",
    }
    # FL-001 is per case: 24 h from 10:30 -> warning from 08:30; no person/item/incident keys
    assert findings["FL-001"] == {
        "rule": "FL-001",
        "status": "warning",
        "due_at": "2024-03-02T10:30:00+08:00",
    }


def test_cli_converts_other_offsets_and_reports_error_findings(tmp_path: Path) -> None:
    timeline = tmp_path / "t.json"
    timeline.write_text(
        json.dumps(
            {
                "case_kind": "criminal",
                "events": [
                    # 02:00 UTC = 10:00 Shanghai
                    {
                        "at": "2024-03-01T02:00:00+00:00",
                        "event": "criminal_detention_executed",
                        "person": "P1",
                    },
                    {"at": "2024-03-01T03:00:00+00:00", "event": "no_such_event", "person": "P1"},
                ],
            }
        ),
        encoding="utf-8",
    )
    result = cli(timeline, "--at", "2024-03-01T12:00:00Z")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    [error] = [f for f in findings if f["status"] == "error"]
    assert error["rule"] is None and "no_such_event" in error["message"] and error["person"] == "P1"
    cr002 = next(f for f in findings if f["rule"] == "CR-002")
    assert cr002["due_at"] == "2024-03-02T10:00:00+08:00"
    assert cr002["status"] == "pending"  # 12:00 UTC is 20:00 in Shanghai, before the 08:00 warning


def test_cli_uses_given_rules_and_holidays_files(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """
rules:
- id: LOCAL-RECUSAL
  title_zh: 回避决定（测试：3日可顺延）
  per: case
  starts_on: [recusal_requested]
  met_by: [recusal_decided]
  period: {value: 3, unit: day}
  counting: days_excl_start
  rolls_over_holidays: true
  applies: {case_kind: [administrative]}
""",
        encoding="utf-8",
    )
    holidays = tmp_path / "holidays.yaml"
    # a calendar where 2024-03-04 (Monday) is declared an off day
    holidays.write_text(
        "years:\n  2024:\n    holidays:\n    - {name: X, off_days: [2024-03-04]}\n", encoding="utf-8"
    )
    timeline = tmp_path / "t.json"
    timeline.write_text(
        json.dumps(
            {
                "case_kind": "administrative",
                "events": [{"at": "2024-03-01T09:00:00+08:00", "event": "recusal_requested"}],
            }
        ),
        encoding="utf-8",
    )
    result = cli(timeline, "--at", "2024-03-02T09:00:00+08:00", "--rules", rules, "--holidays", holidays)
    assert result.returncode == 0, result.stderr
    # Fri 03-01 + 3 days = Mon 03-04, declared off -> rolled to Tue 03-05
    assert json.loads(result.stdout) == [
        {"rule": "LOCAL-RECUSAL", "status": "pending", "due_at": "2024-03-05T23:59:59+08:00"}
    ]


@pytest.mark.parametrize(
    ("content", "args", "text"),
    [
        ("{not json", (), "error"),
        ('{"case_kind": "civil", "events": []}', (), "case_kind"),
        (
            '{"case_kind": "criminal", "events": [{"at": "2024-03-01T10:00:00", "event": "released"}]}',
            (),
            "offset",
        ),
        ('{"case_kind": "criminal", "events": []}', ("--at", "2024-03-01T10:00:00"), "--at"),
        ('{"case_kind": "criminal", "events": []}', ("--rules", "/nonexistent/rules.yaml"), "rules.yaml"),
    ],
)
def test_cli_exits_2_on_invalid_input(tmp_path: Path, content: str, args: tuple[str, ...], text: str) -> None:
    timeline = tmp_path / "t.json"
    timeline.write_text(content, encoding="utf-8")
    result = cli(timeline, *(args or ("--at", "2024-03-02T09:00:00+08:00")))
    assert result.returncode == 2
    assert text in result.stderr
    assert result.stdout == ""


def test_cli_rejects_an_invalid_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n- {id: BAD-1, title_zh: x}\n", encoding="utf-8")
    timeline = tmp_path / "t.json"
    timeline.write_text('{"case_kind": "criminal", "events": []}', encoding="utf-8")
    result = cli(timeline, "--rules", rules)
    assert result.returncode == 2
    assert "BAD-1" in result.stderr and "missing required field" in result.stderr


def test_cli_missing_timeline_file() -> None:
    result = cli("/nonexistent/timeline.json")
    assert result.returncode == 2
    assert "timeline.json" in result.stderr
