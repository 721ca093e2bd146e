"""Worked scenarios for the deadline engine.

Every expected due date is counted by hand in the comments from the cited article and holidays.yaml.
"""

import random
from datetime import datetime
from pathlib import Path

import pytest

from jingwu.core.legaltime import TZ, HolidayCalendar
from jingwu.supervision.engine import (
    Finding,
    LegalEvent,
    Status,
    Timeline,
    TimelineError,
    evaluate,
    timeline_from_dict,
)
from jingwu.supervision.rules import RuleSet, load_rules, merge_override

RULES = load_rules()
CAL = HolidayCalendar.from_yaml()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def ev(at: datetime, code: str, **fields) -> LegalEvent:
    keys = {k: fields.pop(k) for k in ("person", "item", "incident", "recorded_at") if k in fields}
    return LegalEvent(at=at, code=code, fields=fields, **keys)


def run(events, at: datetime, case_kind: str = "criminal", rules: RuleSet = RULES) -> list[Finding]:
    return evaluate(Timeline(case_kind, tuple(events)), at, rules, CAL)


def by_rule(findings: list[Finding], key: str | None = None) -> dict[str, Finding]:
    """Findings of clocks (not errors) by rule id; with ``key`` only that person/item/incident."""
    result = {}
    for f in findings:
        if (
            f.rule_id
            and f.status is not Status.ERROR
            and (key is None or key in (f.person, f.item, f.incident))
        ):
            assert f.rule_id not in result, f"two clocks for {f.rule_id}"
            result[f.rule_id] = f
    return result


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status is Status.ERROR]


# ------------------------------------------------------------------------------------------------ detention

DETAINED = sh(2024, 9, 27, 10)  # Friday, just before National Day 2024


def detention(*more: LegalEvent) -> list[LegalEvent]:
    return [ev(DETAINED, "criminal_detention_executed", person="P1"), *more]


def test_detention_opens_cr002_to_cr005_with_the_law_s_due_dates() -> None:
    found = by_rule(run(detention(), sh(2024, 9, 27, 12)))
    # CR-002/003/004 (刑诉法第85条第2款、第86条): 24 hours to the second -> 09-28 10:00:00
    for rule in ("CR-002", "CR-003", "CR-004"):
        assert found[rule].due_at == sh(2024, 9, 28, 10)
        assert found[rule].warn_from == sh(2024, 9, 28, 8)  # 2 h window
        assert found[rule].status is Status.PENDING
        assert found[rule].person == "P1"
    # CR-005 (第91条): 3 days, detention day not counted -> 09-30 23:59:59
    assert found["CR-005"].due_at == sh(2024, 9, 30, 23, 59, 59)
    assert found["CR-005"].warn_from == sh(2024, 9, 30, 0, 0)  # last_day_start
    assert set(found) == {"CR-002", "CR-003", "CR-004", "CR-005"}
    assert found["CR-002"].citation.startswith("CPL2018 第85条第2款")


def test_detention_met_and_met_late() -> None:
    events = detention(
        ev(sh(2024, 9, 27, 18), "delivered_to_detention_center", person="P1"),
        ev(sh(2024, 9, 28, 10, 0, 0), "interrogation_started", person="P1"),  # exactly at due: met
        ev(sh(2024, 9, 28, 10, 0, 1), "family_notified", person="P1"),  # one second late
    )
    found = by_rule(run(events, sh(2024, 9, 29, 9)))
    assert found["CR-002"].status is Status.MET
    assert found["CR-004"].status is Status.MET
    assert found["CR-003"].status is Status.MET_LATE
    assert found["CR-003"].due_at == sh(2024, 9, 28, 10)


def test_extension_to_7_days_is_not_rolled_over_national_day() -> None:
    # 第91条第2款 "延长一日至四日": extend_days 4 -> total 7 days -> 10-04 23:59:59, a holiday, but custody
    # never rolls (第105条第4款).
    events = detention(
        ev(sh(2024, 9, 30, 20), "arrest_request_deadline_extended", person="P1", extend_days=4)
    )
    found = by_rule(run(events, sh(2024, 10, 3, 23, 59, 59)))
    assert found["CR-005"].due_at == sh(2024, 10, 4, 23, 59, 59)
    assert found["CR-005"].status is Status.PENDING
    assert by_rule(run(events, sh(2024, 10, 4, 0, 0)))["CR-005"].status is Status.WARNING
    assert by_rule(run(events, sh(2024, 10, 5, 0, 0)))["CR-005"].status is Status.BREACH


def test_extension_by_two_days_counts_from_the_original_start() -> None:
    # extend_days 2 on a 3-day clock -> total 5 days from 09-27 -> 10-02 23:59:59 (clarification 1: ≤ 7)
    events = detention(ev(sh(2024, 9, 29, 9), "arrest_request_deadline_extended", person="P1", extend_days=2))
    assert by_rule(run(events, sh(2024, 9, 30, 9)))["CR-005"].due_at == sh(2024, 10, 2, 23, 59, 59)


def test_extension_to_30_days_takes_the_30_day_window() -> None:
    # 流窜作案: extend_to_days 30 -> 09-27 + 30 = 10-27 23:59:59; window 3 days -> from 10-24 23:59:59
    events = detention(
        ev(sh(2024, 9, 30, 20), "arrest_request_deadline_extended", person="P1", extend_to_days=7),
        ev(sh(2024, 10, 4, 9), "arrest_request_deadline_extended", person="P1", extend_to_days=30),
    )
    cr005 = by_rule(run(events, sh(2024, 10, 25, 9)))["CR-005"]
    assert cr005.due_at == sh(2024, 10, 27, 23, 59, 59)
    assert cr005.warn_from == sh(2024, 10, 24, 23, 59, 59)
    assert cr005.status is Status.WARNING


def test_late_extension_does_not_cure_the_breach() -> None:
    # GEN-006: the extension is approved one second after 09-30 23:59:59 -> ignored
    events = detention(
        ev(sh(2024, 10, 1, 0, 0, 0), "arrest_request_deadline_extended", person="P1", extend_to_days=7),
        ev(sh(2024, 10, 2, 9), "arrest_request_submitted", person="P1"),
    )
    cr005 = by_rule(run(events, sh(2024, 10, 1, 12)))["CR-005"]
    assert cr005.status is Status.BREACH
    assert cr005.due_at == sh(2024, 9, 30, 23, 59, 59)
    assert "late extension" in cr005.message
    # submitting later is met_late, not met, although it is within the 7 days asked for
    assert by_rule(run(events, sh(2024, 10, 3, 12)))["CR-005"].status is Status.MET_LATE


def test_extension_beyond_every_option_is_ignored_and_missing_amount_is_an_error() -> None:
    events = detention(
        ev(sh(2024, 9, 28, 9), "arrest_request_deadline_extended", person="P1", extend_to_days=40),
        ev(sh(2024, 9, 28, 10), "arrest_request_deadline_extended", person="P1", ground="no amount"),
    )
    findings = run(events, sh(2024, 9, 29, 9))
    cr005 = by_rule(findings)["CR-005"]
    assert cr005.due_at == sh(2024, 9, 30, 23, 59, 59)  # unchanged 3 days
    assert "exceeds every lawful option" in cr005.message
    [error] = errors(findings)
    assert error.rule_id == "CR-005" and error.person == "P1"
    assert "no usable amount" in error.message


def test_release_cancels_and_a_late_release_leaves_the_breach() -> None:
    # released 09-28 11:00: after CR-002's due (10:00) -> CR-002 stays breach;
    # before CR-005's due -> cancelled
    events = detention(ev(sh(2024, 9, 28, 11), "released", person="P1"))
    found = by_rule(run(events, sh(2024, 9, 28, 12)))
    assert found["CR-002"].status is Status.BREACH
    assert "does not cancel" in found["CR-002"].message
    assert found["CR-005"].status is Status.CANCELLED
    early = by_rule(run(detention(ev(sh(2024, 9, 27, 15), "released", person="P1")), sh(2024, 10, 9)))
    assert {f.status for f in early.values()} == {Status.CANCELLED}


def test_warning_and_breach_at_exact_seconds() -> None:
    # CR-002: due 09-28 10:00:00, warning from 08:00:00; breach only strictly after due_at
    events = detention()
    assert by_rule(run(events, sh(2024, 9, 28, 7, 59, 59)))["CR-002"].status is Status.PENDING
    assert by_rule(run(events, sh(2024, 9, 28, 8, 0, 0)))["CR-002"].status is Status.WARNING
    assert by_rule(run(events, sh(2024, 9, 28, 10, 0, 0)))["CR-002"].status is Status.WARNING
    assert by_rule(run(events, sh(2024, 9, 28, 10, 0, 1)))["CR-002"].status is Status.BREACH


def test_each_person_has_own_clock() -> None:
    events = [
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 1, 14), "criminal_detention_executed", person="P2"),
        ev(sh(2024, 3, 1, 16), "family_notified", person="P1"),
    ]
    findings = run(events, sh(2024, 3, 2, 12))
    assert by_rule(findings, "P1")["CR-003"].status is Status.MET
    assert by_rule(findings, "P2")["CR-003"].status is Status.WARNING  # due 03-02 14:00, window from 12:00
    assert by_rule(findings, "P2")["CR-003"].due_at == sh(2024, 3, 2, 14)


# --------------------------------------------------------------------------------------------------- arrest


ARRESTED = sh(2022, 12, 28, 10)


def test_arrest_two_months_plus_one_month_extension() -> None:
    # 刑诉法第156条: 2 months from 12-28 -> 2023-02-28 23:59:59. 第156条 +1 month, totalled from the start
    # (clarification 2): 12-28 + 3 months = 2023-03-28 23:59:59 — never 03-31 (02-28 being February's end).
    arrest = [ev(ARRESTED, "arrest_executed", person="P1")]
    before = by_rule(run(arrest, sh(2023, 1, 5)))
    assert before["CR-012"].due_at == sh(2023, 2, 28, 23, 59, 59)
    assert before["CR-012"].warn_from == sh(2023, 2, 21, 23, 59, 59)  # 7 days
    # CR-013: request 7 days before CR-012's end -> 02-21 23:59:59, warned 3 days before
    assert before["CR-013"].due_at == sh(2023, 2, 21, 23, 59, 59)
    assert before["CR-013"].warn_from == sh(2023, 2, 18, 23, 59, 59)

    events = [
        *arrest,
        ev(sh(2023, 2, 20, 9), "investigation_custody_extension_requested", person="P1"),
        ev(sh(2023, 2, 27, 9), "investigation_custody_extension_approved", person="P1", add_months=1),
    ]
    found = by_rule(run(events, sh(2023, 3, 22)))
    assert found["CR-012"].due_at == sh(2023, 3, 28, 23, 59, 59)
    assert found["CR-012"].status is Status.WARNING  # from 03-21 23:59:59
    assert found["CR-013"].status is Status.MET
    assert by_rule(run(events, sh(2023, 3, 29)))["CR-012"].status is Status.BREACH


def test_arrest_extension_after_the_two_months_is_ignored() -> None:
    events = [
        ev(ARRESTED, "arrest_executed", person="P1"),
        ev(sh(2023, 3, 1, 9), "investigation_custody_extension_approved", person="P1", add_months=1),
        ev(sh(2023, 3, 10, 9), "transferred_for_prosecution"),  # case-level: applies to P1's clocks
    ]
    found = by_rule(run(events, sh(2023, 3, 20)))
    assert found["CR-012"].status is Status.MET_LATE
    assert found["CR-012"].due_at == sh(2023, 2, 28, 23, 59, 59)
    # CR-013 was due 02-21 23:59:59; the transfer on 03-10 comes after it and cannot cancel the breach
    assert found["CR-013"].status is Status.BREACH
    assert found["CR-013"].due_at == sh(2023, 2, 21, 23, 59, 59)


def test_psychiatric_appraisal_pauses_custody_by_whole_days() -> None:
    # 第149条: psychiatric appraisal not counted. Arrest 2024-03-05 -> 05-05 23:59:59; paused 03-10 14:00 to
    # 03-25 09:00 = 15 whole days -> 05-20 23:59:59; CR-013 -> 05-13 23:59:59.
    events = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 3, 10, 14), "appraisal_started", kind="psychiatric"),
        ev(sh(2024, 3, 25, 9), "appraisal_ended", kind="psychiatric"),
    ]
    paused = by_rule(run(events, sh(2024, 3, 20)))
    assert paused["CR-012"].status is Status.PENDING and paused["CR-012"].due_at is None
    assert paused["CR-013"].status is Status.PENDING and paused["CR-013"].due_at is None  # clarification 5
    assert paused["CR-011"].due_at == sh(2024, 3, 6, 9)  # hours rule without pause is unaffected
    resumed = by_rule(run(events, sh(2024, 4, 1)))
    assert resumed["CR-012"].due_at == sh(2024, 5, 20, 23, 59, 59)
    assert resumed["CR-013"].due_at == sh(2024, 5, 13, 23, 59, 59)


def test_other_appraisals_do_not_pause_and_the_filter_applies_to_resume() -> None:
    injury = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 3, 10, 14), "appraisal_started", kind="injury"),
        ev(sh(2024, 3, 25, 9), "appraisal_ended", kind="injury"),
    ]
    assert by_rule(run(injury, sh(2024, 4, 1)))["CR-012"].due_at == sh(2024, 5, 5, 23, 59, 59)
    # an injury appraisal ending does not resume a psychiatric pause (clarification 6)
    mixed = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 3, 10, 14), "appraisal_started", kind="psychiatric"),
        ev(sh(2024, 3, 12, 9), "appraisal_started", kind="injury"),
        ev(sh(2024, 3, 15, 9), "appraisal_ended", kind="injury"),
    ]
    assert by_rule(run(mixed, sh(2024, 4, 1)))["CR-012"].due_at is None


def test_restart_from_discovery_of_other_crime_latest_wins() -> None:
    # 第160条: recomputed from the discovery day 04-10 -> 06-10 23:59:59; a later recomputation from the
    # identity established on 04-20 wins -> 06-20 23:59:59 (clarification 7). CR-014: 5 days from 04-10.
    events = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 4, 10, 9), "other_major_crime_discovered", person="P1"),
        ev(sh(2024, 4, 12, 9), "investigation_custody_recomputed", person="P1", approved_by="局长"),
    ]
    found = by_rule(run(events, sh(2024, 4, 13)))
    assert found["CR-012"].due_at == sh(2024, 6, 10, 23, 59, 59)
    assert found["CR-014"].status is Status.MET
    more = [
        *events,
        ev(sh(2024, 4, 20, 9), "identity_established", person="P1"),
        ev(sh(2024, 4, 22, 9), "investigation_custody_recomputed", person="P1", approved_by="局长"),
    ]
    assert by_rule(run(more, sh(2024, 4, 23)))["CR-012"].due_at == sh(2024, 6, 20, 23, 59, 59)


def test_restart_after_due_does_not_cure() -> None:
    events = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 5, 1, 9), "other_major_crime_discovered", person="P1"),
        ev(sh(2024, 5, 6, 9), "investigation_custody_recomputed", person="P1", approved_by="局长"),
    ]
    cr012 = by_rule(run(events, sh(2024, 5, 7)))["CR-012"]
    assert cr012.status is Status.BREACH
    assert cr012.due_at == sh(2024, 5, 5, 23, 59, 59)


# ---------------------------------------------------------------------------------------------- suppression


def test_notification_exception_suppresses_then_grace_after_lifting() -> None:
    # CR-003 due 03-02 10:00; exception 03-01 20:00 -> suppressed; lifted 03-05 09:00 ->
    # due = max(03-02 10:00, 09:00 + 1 h grace) = 03-05 10:00, warning from 08:00.
    events = [
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 1, 20), "notification_exception_recorded", person="P1", ground="有碍侦查"),
        ev(sh(2024, 3, 5, 9), "notification_exception_lifted", person="P1"),
    ]
    suppressed = by_rule(run(events, sh(2024, 3, 3)))["CR-003"]
    assert suppressed.status is Status.SUPPRESSED and suppressed.due_at is None
    lifted = by_rule(run(events, sh(2024, 3, 5, 9, 30)))["CR-003"]
    assert lifted.due_at == sh(2024, 3, 5, 10)
    assert lifted.status is Status.WARNING
    assert by_rule(run(events, sh(2024, 3, 5, 10, 0, 1)))["CR-003"].status is Status.BREACH


def test_met_takes_precedence_over_suppression_and_late_exception_does_not_suppress() -> None:
    met = [
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 1, 20), "notification_exception_recorded", person="P1", ground="无法通知"),
        ev(sh(2024, 3, 4, 20), "family_notified", person="P1"),
    ]
    assert by_rule(run(met, sh(2024, 3, 6)))["CR-003"].status is Status.MET
    late = [
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 2, 11), "notification_exception_recorded", person="P1", ground="无法通知"),
    ]
    cr003 = by_rule(run(late, sh(2024, 3, 3)))["CR-003"]
    assert cr003.status is Status.BREACH and cr003.due_at == sh(2024, 3, 2, 10)


def test_urgent_examination_suppresses_and_restarts_property_handover() -> None:
    # PR-001: seized 03-01 10:00 -> 24 h; urgent examination approved (suppressed) and completed 03-04 09:00
    # -> 24 h again from completion: 03-05 09:00.
    events = [
        ev(sh(2024, 3, 1, 10), "property_seized", item="W1"),
        ev(sh(2024, 3, 1, 12), "urgent_examination_approved", item="W1", approved_by="队长"),
        ev(sh(2024, 3, 4, 9), "urgent_examination_completed", item="W1"),
    ]
    assert by_rule(run(events, sh(2024, 3, 3)))["PR-001"].status is Status.SUPPRESSED
    pr001 = by_rule(run(events, sh(2024, 3, 4, 12)))["PR-001"]
    assert pr001.due_at == sh(2024, 3, 5, 9)
    assert pr001.item == "W1" and pr001.person is None
    # a remote seizure does not open PR-001 (start_filter remote: [false, null])
    remote = [ev(sh(2024, 3, 1, 10), "property_seized", item="W2", remote=True)]
    assert "PR-001" not in by_rule(run(remote, sh(2024, 3, 1, 12)))


# ------------------------------------------------------------------------------------------- administrative


def test_summons_2012_law_until_2025_12_31() -> None:
    # 治安管理处罚法(2012)第83条: 8 h -> AD-003 only, chosen by the date of arrival (2025-12-31, Shanghai)
    found = by_rule(
        run(
            [ev(sh(2025, 12, 31, 20), "summons_arrived", person="P1")], sh(2025, 12, 31, 21), "administrative"
        )
    )
    assert "AD-003N" not in found
    assert found["AD-003"].due_at == sh(2026, 1, 1, 4)
    assert found["AD-004"].due_at == sh(2025, 12, 31, 21)  # 1 h, warned from the start (1 h window)
    assert found["AD-004"].status is Status.WARNING


def test_summons_2025_law_from_2026_01_01_by_shanghai_date() -> None:
    # 2025-12-31 16:30 UTC is 2026-01-01 00:30 in Shanghai -> the 2025 revision (第97条), AD-003N: 08:30
    arrival = datetime.fromisoformat("2025-12-31T16:30:00+00:00")
    found = by_rule(run([ev(arrival, "summons_arrived", person="P1")], sh(2026, 1, 1, 1), "administrative"))
    assert "AD-003" not in found
    assert found["AD-003N"].due_at == sh(2026, 1, 1, 8, 30)
    assert found["AD-003N"].warn_from == sh(2026, 1, 1, 7, 30)


def test_summons_extension_options_differ_between_versions() -> None:
    # 2025 law: 涉案人数众多/身份不明 -> 12 h (window 1 h); 2012 law has only "up to 24 h", 12 fits it too
    new = [
        ev(sh(2026, 3, 2, 9), "summons_arrived", person="P1"),
        ev(sh(2026, 3, 2, 16), "summons_extended", person="P1", extend_to_hours=12, ground="身份不明"),
    ]
    ad003n = by_rule(run(new, sh(2026, 3, 2, 19, 30), "administrative"))["AD-003N"]
    assert ad003n.due_at == sh(2026, 3, 2, 21)
    assert ad003n.warn_from == sh(2026, 3, 2, 20)
    assert ad003n.status is Status.PENDING
    old = [ev(sh(2025, 3, 3, 9), "summons_arrived", person="P1")]
    old.append(ev(sh(2025, 3, 3, 16), "summons_extended", person="P1", extend_to_hours=24, ground="复杂"))
    ad003 = by_rule(run(old, sh(2025, 3, 4, 7), "administrative"))["AD-003"]
    assert ad003.due_at == sh(2025, 3, 4, 9)
    assert ad003.warn_from == sh(2025, 3, 4, 7)  # 2 h window of the 24 h option
    assert ad003.status is Status.WARNING


def test_explicit_law_version_overrides_the_date() -> None:
    events = [ev(sh(2026, 1, 5, 9), "summons_arrived", person="P1", law_version="PSAPL2012")]
    found = by_rule(run(events, sh(2026, 1, 5, 10), "administrative"))
    assert "AD-003" in found and "AD-003N" not in found


def test_administrative_case_period_pause_shift_then_weekend_roll_over() -> None:
    # AD-006 (2012 law, 第99条): accepted Mon 2024-05-06 -> 30 days -> 06-05 23:59:59. Appraisal 05-10 to
    # 05-20 = 10 days -> 06-15, a Saturday -> rolled once, at the end, to Mon 06-17 23:59:59.
    events = [
        ev(sh(2024, 5, 6, 10), "admin_case_accepted"),
        ev(sh(2024, 5, 10, 15), "appraisal_started", kind="injury"),
        ev(sh(2024, 5, 20, 9), "appraisal_ended", kind="injury"),
    ]
    ad006 = by_rule(run(events, sh(2024, 6, 1), "administrative"))["AD-006"]
    assert ad006.due_at == sh(2024, 6, 17, 23, 59, 59)
    assert ad006.warn_from == sh(2024, 6, 14, 23, 59, 59)
    assert ad006.status is Status.PENDING
    assert ad006.person is None


def test_working_day_rule_across_national_day() -> None:
    # AD-014 (行政处罚法第64条、第85条): 5 working days from Fri 2024-09-27 -> Thu 10-10 23:59:59
    events = [ev(sh(2024, 9, 27, 15), "hearing_rights_notified", person="P1")]
    ad014 = by_rule(run(events, sh(2024, 10, 9), "administrative"))["AD-014"]
    assert ad014.due_at == sh(2024, 10, 10, 23, 59, 59)
    assert ad014.status is Status.PENDING


def test_missing_calendar_year_is_an_error_finding_not_a_crash() -> None:
    # AD-006N: filed 2026-12-10 -> 30 days -> 2027-01-09; rolling needs the 2027 calendar, which is not loaded
    findings = run([ev(sh(2026, 12, 10, 9), "admin_case_filed")], sh(2026, 12, 11), "administrative")
    [error] = [f for f in findings if f.rule_id == "AD-006N"]
    assert error.status is Status.ERROR
    assert "2027" in error.message


def test_110_arrival_minutes_without_warning_window() -> None:
    # D110-003 (local norm): urban dispatch 12:00:00 -> arrive by 12:05:00; window 0 minutes
    events = [ev(sh(2024, 3, 1, 12), "incident_dispatched", incident="J1", area="urban")]
    assert by_rule(run(events, sh(2024, 3, 1, 12, 4, 59)))["D110-003"].status is Status.PENDING
    assert by_rule(run(events, sh(2024, 3, 1, 12, 5)))["D110-003"].status is Status.WARNING
    assert by_rule(run(events, sh(2024, 3, 1, 12, 5, 1)))["D110-003"].status is Status.BREACH
    late = [*events, ev(sh(2024, 3, 1, 12, 5, 1), "incident_arrived", incident="J1")]
    found = by_rule(run(late, sh(2024, 3, 1, 13)))
    assert found["D110-003"].status is Status.MET_LATE
    assert found["D110-003"].incident == "J1"
    assert "D110-003-2" not in found  # suburban target not opened by an urban dispatch


# ------------------------------------------------------------------------------------------- knowledge time


def test_late_recorded_event_is_unknown_before_and_retroactive_after() -> None:
    events = [
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 1, 20), "family_notified", person="P1", recorded_at=sh(2024, 3, 3, 9)),
    ]
    assert by_rule(run(events, sh(2024, 3, 2, 12)))["CR-003"].status is Status.BREACH
    assert by_rule(run(events, sh(2024, 3, 3, 10)))["CR-003"].status is Status.MET


def test_events_after_the_evaluation_moment_are_ignored() -> None:
    events = detention(ev(sh(2024, 9, 27, 18), "delivered_to_detention_center", person="P1"))
    assert by_rule(run(events, sh(2024, 9, 27, 12)))["CR-002"].status is Status.PENDING


def test_out_of_order_events_give_the_same_findings() -> None:
    events = [
        ev(sh(2024, 3, 5, 9), "arrest_executed", person="P1"),
        ev(sh(2024, 3, 5, 15), "interrogation_started", person="P1"),
        ev(sh(2024, 3, 10, 14), "appraisal_started", kind="psychiatric"),
        ev(sh(2024, 3, 25, 9), "appraisal_ended", kind="psychiatric"),
        ev(sh(2024, 5, 1, 9), "investigation_custody_extension_requested", person="P1"),
    ]
    expected = run(events, sh(2024, 5, 2))
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != events
    assert run(shuffled, sh(2024, 5, 2)) == expected
    assert by_rule(expected)["CR-012"].due_at == sh(2024, 5, 20, 23, 59, 59)


# --------------------------------------------------------------------------------------------------- errors


def test_impossible_sequences_become_error_findings() -> None:
    events = [
        ev(sh(2024, 3, 1, 9), "delivered_to_detention_center", person="P1"),  # before the detention
        ev(sh(2024, 3, 1, 10), "criminal_detention_executed", person="P1"),
        ev(sh(2024, 3, 1, 11), "appraisal_ended", kind="psychiatric"),  # no appraisal started
        ev(sh(2024, 3, 1, 12), "teleported", person="P1"),  # unknown code
        ev(sh(2024, 3, 1, 13), "interrogation_started"),  # a person event without person
    ]
    findings = run(events, sh(2024, 3, 1, 14))
    messages = [f.message for f in errors(findings)]
    assert len(messages) == 4
    assert any("delivered_to_detention_center" in m and "impossible sequence" in m for m in messages)
    assert any("appraisal_ended" in m and "impossible sequence" in m for m in messages)
    assert any("teleported" in m and "unknown event code" in m for m in messages)
    assert any("interrogation_started" in m and "'person'" in m for m in messages)
    # the clocks are still evaluated; the early delivery does not meet CR-002
    assert by_rule(findings)["CR-002"].status is Status.PENDING


def test_family_notification_after_a_criminal_summons_is_not_impossible() -> None:
    # the event vocabulary allows notifying the family after a summons, whatever the case kind
    events = [
        ev(sh(2024, 3, 1, 9), "summons_arrived", person="P1"),
        ev(sh(2024, 3, 1, 10), "family_notified", person="P1"),
    ]
    assert errors(run(events, sh(2024, 3, 1, 11))) == []
    assert errors(run(events[1:], sh(2024, 3, 1, 11)))  # but not out of nothing


def test_per_person_rule_opened_by_a_case_level_event_keys_to_the_case() -> None:
    # clarification 9: AD-010 is per person, the decision carries no person -> one clock for the case.
    # 治安管理处罚法第97条: 2 days from Fri 2024-03-01 -> Sun 03-03, rolled to Mon 03-04 23:59:59.
    events = [ev(sh(2024, 3, 1, 15), "admin_decision_made", kind="penalty")]
    ad010 = by_rule(run(events, sh(2024, 3, 2), "administrative"))["AD-010"]
    assert ad010.person is None
    assert ad010.due_at == sh(2024, 3, 4, 23, 59, 59)
    assert ad010.warn_from == sh(2024, 3, 4, 0, 0)
    served = [*events, ev(sh(2024, 3, 4, 16), "admin_decision_served", person="P1")]
    assert by_rule(run(served, sh(2024, 3, 5), "administrative"))["AD-010"].status is Status.MET


def test_case_level_transfer_without_custody_is_not_an_error() -> None:
    findings = run([ev(sh(2024, 3, 1, 9), "transferred_for_prosecution")], sh(2024, 3, 2))
    assert findings == []


def test_unknown_law_version_is_an_error() -> None:
    findings = run(
        [ev(sh(2026, 1, 5, 9), "summons_arrived", person="P1", law_version="PSAPL2099")],
        sh(2026, 1, 5, 10),
        "administrative",
    )
    assert any("PSAPL2099" in f.message for f in errors(findings))
    assert "AD-003N" not in by_rule(findings)


def test_case_kind_selects_the_rules() -> None:
    # a summons in a criminal case is CR-001 (12 h, 第119条), not AD-003
    found = by_rule(run([ev(sh(2024, 3, 1, 9), "summons_arrived", person="P1")], sh(2024, 3, 1, 10)))
    assert set(found) == {"CR-001"}
    assert found["CR-001"].due_at == sh(2024, 3, 1, 21)


# ---------------------------------------------------------------------------------------------- local rules


def test_local_rule_with_hour_pause_shifts_exactly(tmp_path: Path) -> None:
    override = tmp_path / "local.yaml"
    override.write_text(
        """
rules:
- id: LOCAL-001
  title_zh: 本地测试：传唤询问（可暂停）
  per: person
  starts_on: [summons_arrived]
  met_by: [summons_ended]
  paused_by: [{event: appraisal_started, resumed_by: appraisal_ended}]
  period: {value: 8, unit: hour}
  counting: hours_exact
  applies: {case_kind: [administrative]}
""",
        encoding="utf-8",
    )
    rules = merge_override(RULES, override)
    # 10:00 + 8 h = 18:00, paused 11:00:00 - 11:30:15 -> 18:30:15 exactly
    events = [
        ev(sh(2024, 3, 1, 10), "summons_arrived", person="P1"),
        ev(sh(2024, 3, 1, 11), "appraisal_started", kind="other"),
        ev(sh(2024, 3, 1, 11, 30, 15), "appraisal_ended", kind="other"),
    ]
    local = by_rule(run(events, sh(2024, 3, 1, 12), "administrative", rules))["LOCAL-001"]
    assert local.due_at == sh(2024, 3, 1, 18, 30, 15)
    assert local.warn_from == sh(2024, 3, 1, 17, 30, 15)  # default window for 8 h: 1 h


# -------------------------------------------------------------------------------------------------- parsing


def test_timeline_from_dict() -> None:
    timeline = timeline_from_dict(
        {
            "case_kind": "criminal",
            "events": [
                {
                    "at": "2024-03-01T10:00:00+08:00",
                    "event": "arrest_executed",
                    "person": "P1",
                    "foreign_national": True,
                }
            ],
        }
    )
    [event] = timeline.events
    assert event.at == sh(2024, 3, 1, 10) and event.person == "P1"
    assert event.get("foreign_national") is True
    with pytest.raises(TimelineError, match="offset"):
        timeline_from_dict({"case_kind": "criminal", "events": [{"at": "2024-03-01T10:00:00", "event": "x"}]})
    with pytest.raises(TimelineError, match="case_kind"):
        timeline_from_dict({"case_kind": "civil", "events": []})
