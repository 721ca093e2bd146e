"""Derived deadlines in the running system (issue 5, part 2): a legal event recorded through the case and
incident services re-evaluates the subject's deadlines after the commit; the sweep moves them into warning
and breach at the right minutes with a constant number of index range queries; the readers see them as
far as their scope allows; the page shows a countdown.

Demo accounts (jingwu/org/demo.py): `officer` (桃溪社区警务队), `chief` (桃溪派出所所长), `legal_officer`
(武北联合派出所案件办理队, reviews 桃溪's cases), `leader`, `legal_affairs` (法制大队, the whole bureau),
`pingchuan_officer` (平川), `dispatcher` (县局指挥中心).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.cases import services as case_services
from jingwu.cases.choices import PartyRole
from jingwu.cases.models import Case, CaseParty
from jingwu.cases.offences import find_offence
from jingwu.incidents import services as incident_services
from jingwu.incidents.models import Incident
from jingwu.org.models import Unit, User
from jingwu.people.services import person_create
from jingwu.supervision.home import home_section
from jingwu.supervision.models import Deadline
from jingwu.supervision.selectors import deadline_counts, deadlines_for
from jingwu.supervision.services import (
    deadlines_refresh,
    deadlines_refresh_many_on_commit,
    deadlines_sweep,
    incident_case_kind,
)
from jingwu.supervision.views import countdown_text

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
THEFT = find_offence("盗窃罪", "criminal").code  # type: ignore[union-attr]
TAOXI = "wp-ps-350824105"
PINGCHUAN_VILLAGE = "350824001001"  # 平川街道 河东社区居委会: 城区
DETENTION_RULES = {"CR-002", "CR-003", "CR-004", "CR-005"}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def days_ago(days: int, hour: int) -> datetime:
    """`hour` o'clock in Wuping `days` days before today: for tests whose sweep runs at the real now, so
    that which limits are breached, in warning or pending does not change with the day the tests run."""
    day = timezone.localdate() - timedelta(days=days)
    return local(day.year, day.month, day.day, hour, 0)


def filed_case(users: Any, on_commit: Callable[..., Any], accepted_at: datetime) -> Case:
    """A criminal case of 桃溪 accepted at `accepted_at`, assigned to the 桃溪 officer, filed by the chief."""
    case = on_commit(
        case_services.case_accept,
        actor=users.officer,
        kind="criminal",
        title="桃溪村民家中被盗案",
        facts="报案人称其家中财物被盗",
        source="walk_in",
        accepted_at=accepted_at,
    )
    case.refresh_from_db()
    on_commit(
        case_services.case_assign,
        actor=users.legal_officer,
        case_id=case.pk,
        version=case.version,
        kind="criminal",
        offence_code=THEFT,
        is_major=False,
        lead_officer_id=users.officer.pk,
    )
    approval = case_services.case_request(actor=users.legal_officer, case_id=case.pk, transition="file")
    on_commit(
        case_services.approval_decide,
        actor=users.chief,
        approval_id=approval.pk,
        decision="approve",
        opinion="同意",
    )
    case.refresh_from_db()
    assert case.status == "filed"
    return case


def detain(users: Any, on_commit: Callable[..., Any], case: Case, started_at: datetime) -> CaseParty:
    """刑事拘留 of a suspect at `started_at`: approved by the legal officer and the leader."""
    person = person_create(actor=users.officer, name="嫌疑人乙", sex="male")
    party = case_services.party_add(
        actor=users.officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT
    )
    approval = case_services.measure_request(
        actor=users.officer,
        case_id=case.pk,
        party_id=party.pk,
        kind="criminal_detention",
        started_at=started_at,
    )
    for approver in (users.legal_officer, users.leader):
        on_commit(case_services.approval_decide, actor=approver, approval_id=approval.pk, decision="approve")
    return party


def deadlines_of(case: Case) -> dict[str, Deadline]:
    return {d.rule_id: d for d in Deadline.objects.filter(subject_type="case", subject_id=case.pk)}


def status_of(case: Case) -> dict[str, str]:
    return {rule: d.status for rule, d in deadlines_of(case).items()}


# --- derived on commit, with the law's arithmetic ----------------------------------------------------------


def test_a_criminal_detention_derives_its_deadlines_with_the_exact_due_times(users, on_commit) -> None:
    case = filed_case(users, on_commit, accepted_at=local(2026, 11, 27, 8, 0))
    party = detain(users, on_commit, case, started_at=local(2026, 11, 27, 10, 0))

    deadlines = deadlines_of(case)
    assert set(deadlines) >= DETENTION_RULES
    # 24 hours from the exact moment (刑诉法第85条第2款、第86条).
    for rule in ("CR-002", "CR-003", "CR-004"):
        assert deadlines[rule].due_at == local(2026, 11, 28, 10, 0), rule
        assert deadlines[rule].warn_from == local(2026, 11, 28, 8, 0), rule
        assert deadlines[rule].key == party.key
    # 3 days, the starting day not counted, ending at 23:59:59 of the last day (刑诉法第91条); the warning
    # starts with the last day.
    assert deadlines["CR-005"].due_at == local(2026, 11, 30, 23, 59, 59)
    assert deadlines["CR-005"].warn_from == local(2026, 11, 30, 0, 0)

    detained = deadlines["CR-002"]
    assert detained.title == "刑事拘留后送看守所羁押"
    assert "第85条第2款" in detained.citation and "第126条" in detained.citation
    assert (detained.unit.code, detained.station.code, detained.officer) == (TAOXI, TAOXI, users.officer)
    assert detained.subject_url == f"/cases/{case.pk}/"
    # Evaluated now (11-29), CR-002..004 are behind already — but only the sweep announces a breach.
    assert {deadlines[r].status for r in ("CR-002", "CR-003", "CR-004")} == {"pending"}

    # 通知家属 at 15:00 the same day meets CR-003; the refresh keeps no warning window for it.
    on_commit(
        case_services.party_event_record,
        actor=users.officer,
        case_id=case.pk,
        party_id=party.pk,
        code="family_notified",
        at=local(2026, 11, 27, 15, 0),
    )
    notified = deadlines_of(case)["CR-003"]
    assert (notified.status, notified.due_at, notified.warn_from) == ("met", local(2026, 11, 28, 10, 0), None)

    result = deadlines_sweep(now=timezone.now())
    after = status_of(case)
    assert (after["CR-002"], after["CR-003"], after["CR-004"]) == ("breach", "met", "breach")
    assert set(result.breach_ids) >= {deadlines["CR-002"].pk, deadlines["CR-004"].pk}


def test_refresh_deletes_the_rows_of_rules_that_no_longer_apply(users, on_commit) -> None:
    case = filed_case(users, on_commit, accepted_at=local(2026, 11, 27, 8, 0))
    detain(users, on_commit, case, started_at=local(2026, 11, 27, 10, 0))
    stale = deadlines_of(case)["CR-002"]
    Deadline.objects.create(
        subject_type="case",
        subject_id=case.pk,
        rule_id="XX-999",
        title="已删除的规则",
        status="pending",
        unit=stale.unit,
        evaluated_at=timezone.now(),
    )
    rows = deadlines_refresh(subject_type="case", subject_id=case.pk)
    assert "XX-999" not in deadlines_of(case)
    assert {d.rule_id for d in rows} == set(deadlines_of(case))
    assert deadlines_of(case)["CR-002"].pk == stale.pk  # updated in place, not re-created


def test_one_transaction_recording_several_events_refreshes_the_subject_once(
    users, on_commit, django_capture_on_commit_callbacks
) -> None:
    case = filed_case(users, on_commit, accepted_at=local(2026, 11, 27, 8, 0))
    person = person_create(actor=users.officer, name="嫌疑人丙", sex="male")
    party = case_services.party_add(
        actor=users.officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT
    )
    from django.db import transaction

    from jingwu.timeline.services import legal_event_record

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for code in ("criminal_detention_executed", "interrogation_started"):
            legal_event_record(
                actor=users.officer,
                subject_type="case",
                subject_id=case.pk,
                code=code,
                at=local(2026, 11, 27, 10, 0),
                unit=case.reviewing_unit,
                person=party.key,
            )
    assert len(callbacks) == 1


# --- the sweep, with a controlled clock ---------------------------------------------------------------------


def test_the_sweep_raises_the_warning_and_then_the_breach_at_the_right_minutes(users, on_commit) -> None:
    started = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    case = filed_case(users, on_commit, accepted_at=started - timedelta(hours=1))
    party = detain(users, on_commit, case, started_at=started)
    # 讯问 within the 24 hours meets CR-004.
    on_commit(
        case_services.party_event_record,
        actor=users.officer,
        case_id=case.pk,
        party_id=party.pk,
        code="interrogation_started",
        at=started + timedelta(minutes=30),
    )
    due = started + timedelta(hours=24)
    warn = due - timedelta(hours=2)
    deadlines = deadlines_of(case)
    assert (deadlines["CR-002"].due_at, deadlines["CR-002"].warn_from) == (due, warn)
    assert {r: s for r, s in status_of(case).items() if r in DETENTION_RULES} == {
        "CR-002": "pending",
        "CR-003": "pending",
        "CR-004": "met",
        "CR-005": "pending",
    }
    swept_before = AuditEntry.objects.filter(action="supervision.sweep").count()

    result = deadlines_sweep(now=warn - timedelta(minutes=1))
    assert (result.warnings, result.breaches) == (0, 0)
    assert status_of(case)["CR-002"] == "pending"
    assert AuditEntry.objects.filter(action="supervision.sweep").count() == swept_before

    result = deadlines_sweep(now=warn)
    assert set(result.warning_ids) == {deadlines["CR-002"].pk, deadlines["CR-003"].pk}
    assert result.breaches == 0
    after = deadlines_of(case)
    assert (after["CR-002"].status, after["CR-002"].notified_warning_at) == ("warning", warn)
    assert (after["CR-004"].status, after["CR-005"].status) == ("met", "pending")
    [entry] = AuditEntry.objects.filter(action="supervision.sweep").order_by("-seq")[:1]
    assert entry.changes["warning"] == 2 and entry.changes["breach"] == 0

    # At the due minute itself the period has not run out; one minute later it has.
    assert deadlines_sweep(now=due).breaches == 0
    assert status_of(case)["CR-002"] == "warning"
    result = deadlines_sweep(now=due + timedelta(minutes=1))
    assert set(result.breach_ids) == {deadlines["CR-002"].pk, deadlines["CR-003"].pk}
    after = deadlines_of(case)
    assert (after["CR-002"].status, after["CR-002"].notified_breach_at) == (
        "breach",
        due + timedelta(minutes=1),
    )
    # A met deadline is never swept into breach, however late the sweep.
    assert after["CR-004"].status == "met"
    assert deadlines_sweep(now=due + timedelta(days=30)).breach_ids == [after["CR-005"].pk]
    assert status_of(case)["CR-004"] == "met"
    # A breach is announced once: the next sweep finds nothing new.
    assert deadlines_sweep(now=due + timedelta(days=31)).breaches == 0


def test_a_refresh_keeps_what_the_sweep_announced(users, on_commit) -> None:
    started = (timezone.now() - timedelta(hours=23)).replace(second=0, microsecond=0)
    case = filed_case(users, on_commit, accepted_at=started - timedelta(hours=1))
    party = detain(users, on_commit, case, started_at=started)
    assert status_of(case)["CR-002"] == "pending"  # the engine says warning; the sweep has not run yet
    deadlines_sweep(now=timezone.now())
    assert status_of(case)["CR-002"] == "warning"
    on_commit(
        case_services.party_event_record,
        actor=users.officer,
        case_id=case.pk,
        party_id=party.pk,
        code="family_notified",
    )
    assert status_of(case)["CR-002"] == "warning" and status_of(case)["CR-003"] == "met"


def _synthetic(subjects: int, unit: Unit, now: datetime) -> None:
    rows = []
    for subject_id in range(1, subjects + 1):
        for n, rule in enumerate(sorted(DETENTION_RULES)):
            due = now + timedelta(hours=1) if n % 2 else now - timedelta(hours=1)
            rows.append(
                Deadline(
                    subject_type="case",
                    subject_id=10_000_000 + subject_id,
                    rule_id=rule,
                    key="P1",
                    title=rule,
                    status="pending",
                    due_at=due,
                    warn_from=due - timedelta(hours=2),
                    unit=unit,
                    evaluated_at=now,
                )
            )
    Deadline.objects.bulk_create(rows)


def test_the_sweep_takes_a_constant_number_of_queries(users) -> None:
    unit = Unit.objects.get(code=TAOXI)
    now = timezone.now()
    counts = []
    for subjects in (1, 30):
        Deadline.objects.all().delete()
        _synthetic(subjects, unit, now)
        with CaptureQueriesContext(connection) as queries:
            result = deadlines_sweep(now=now)
        assert (result.warnings, result.breaches) == (2 * subjects, 2 * subjects)
        counts.append(len(queries))
        # The two selects are range conditions on the indexed (status, …) columns.
        selects = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith("SELECT") and "deadline" in q["sql"]
        ]
        assert any('"due_at" <' in s for s in selects) and any('"warn_from" <=' in s for s in selects)
    assert counts[0] == counts[1]


def test_the_sweep_uses_the_composite_indexes() -> None:
    now = timezone.now()
    qs = Deadline.objects.filter(status__in=("pending", "warning"), due_at__lt=now).values_list(
        "pk", flat=True
    )
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "deadline_status_due" in plan, plan
    else:  # PostgreSQL may pick a seq scan on an empty table; forbid it to see the index is usable.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "deadline_status_due" in qs.explain(), plan


# --- 110 incidents ------------------------------------------------------------------------------------------


def city_call(users: Any, on_commit: Callable[..., Any], received: datetime, **extra: Any) -> Incident:
    """A neighbours' dispute reported by phone from 平川 (城区: the 5-minute arrival norm)."""
    return on_commit(
        incident_services.incident_create,
        actor=users.dispatcher,
        source="phone_110",
        village_code=PINGCHUAN_VILLAGE,
        category="dispute",
        subcategory="neighbour",
        narrative=extra.pop("narrative", "居民报称邻居争吵"),
        received_at=received,
        **extra,
    ).incident


def step(users: Any, on_commit: Callable[..., Any], incident: Incident, kind: str, at: datetime) -> None:
    """A dispatch (to the station's first roster officer) or another step of the incident."""
    officer = (
        User.objects.filter(username__startswith=f"roster-{incident.station.code}-").order_by("id").first()
    )
    on_commit(
        incident_services.incident_step,
        actor=users.dispatcher,
        incident_id=incident.pk,
        kind=kind,
        at=at,
        officer_ids=[officer.pk] if kind == "dispatched" else None,
    )


def test_an_incident_dispatch_starts_the_110_arrival_clock(users, on_commit) -> None:
    assert incident_case_kind() in ("criminal", "administrative")
    received = (timezone.now() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    incident = city_call(users, on_commit, received, priority=2)
    assert incident.area == "urban"
    step(users, on_commit, incident, "dispatched", received + timedelta(minutes=1))
    [clock] = Deadline.objects.filter(subject_type="incident", subject_id=incident.pk)
    # 城区 5 minutes from the dispatch order (local 110 norm, hours_exact).
    assert (clock.rule_id, clock.due_at, clock.key) == (
        "D110-003",
        received + timedelta(minutes=6),
        incident.number,
    )
    assert (clock.unit_id, clock.station_id, clock.officer) == (incident.unit_id, incident.station_id, None)
    assert clock.subject_url == f"/incidents/{incident.pk}/"
    result = deadlines_sweep(now=timezone.now())
    assert clock.pk in result.breach_ids

    step(users, on_commit, incident, "arrived", received + timedelta(minutes=9))
    clock.refresh_from_db()
    assert (clock.status, clock.warn_from) == ("met_late", None)


def test_a_bulk_refresh_derives_the_clocks_that_exist_and_skips_the_calls_without_one(
    users, on_commit, django_capture_on_commit_callbacks
) -> None:
    received = (timezone.now() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    made = [city_call(users, on_commit, received, narrative=f"居民报称邻居争吵{n}") for n in range(2)]
    dispatched, only_received = made
    step(users, on_commit, dispatched, "dispatched", received + timedelta(minutes=1))
    Deadline.objects.filter(subject_type="incident", subject_id__in=[i.pk for i in made]).delete()
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_refresh_many_on_commit([("incident", i.pk) for i in made])
    assert list(
        Deadline.objects.filter(subject_id=dispatched.pk, subject_type="incident").values_list(
            "rule_id", flat=True
        )
    ) == ["D110-003"]
    assert not Deadline.objects.filter(subject_id=only_received.pk, subject_type="incident").exists()


def test_an_arrival_in_time_meets_the_110_clock(users, on_commit) -> None:
    received = (timezone.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    incident = city_call(users, on_commit, received)
    for kind, minutes in (("dispatched", 1), ("arrived", 4)):
        step(users, on_commit, incident, kind, received + timedelta(minutes=minutes))
    [clock] = Deadline.objects.filter(subject_type="incident", subject_id=incident.pk)
    assert (clock.rule_id, clock.status) == ("D110-003", "met")


# --- who sees what ------------------------------------------------------------------------------------------


def test_deadlines_are_seen_within_scope(users, on_commit) -> None:
    # The 24-hour limits are breached; the 3-day detention limit, due at the end of tomorrow, is not yet
    # in its warning window.
    case = filed_case(users, on_commit, accepted_at=days_ago(2, 8))
    detain(users, on_commit, case, started_at=days_ago(2, 10))
    deadlines_sweep(now=timezone.now())
    taoxi = set(Deadline.objects.filter(subject_type="case", subject_id=case.pk).values_list("pk", flat=True))
    breached = set(
        Deadline.objects.filter(subject_type="case", subject_id=case.pk, status="breach").values_list(
            "pk", flat=True
        )
    )
    assert breached

    def seen(user: User, **kw: Any) -> set[int]:
        return set(deadlines_for(actor=user, **kw).values_list("pk", flat=True)) & taoxi

    assert seen(users.pingchuan_officer, statuses=None) == set()
    assert deadline_counts(actor=users.pingchuan_officer)["breach"] == 0
    assert seen(users.officer) == breached
    assert seen(users.officer, mine=True) == breached  # he leads the case
    assert seen(users.chief) == breached
    assert seen(users.legal_affairs) == breached
    assert seen(users.officer, statuses=None) == taoxi
    assert deadline_counts(actor=users.officer)["breach"] >= len(breached)
    ordered = [d.due_at for d in deadlines_for(actor=users.legal_affairs, statuses=None)]
    assert ordered == sorted(ordered)

    section = home_section(users.officer)
    assert section is not None and section.title == "我的期限预警"
    assert 0 < len(section.rows) <= 6
    assert section.rows[0]["url"] == f"/cases/{case.pk}/" and "已超期" in section.rows[0]["detail"]
    assert home_section(users.pingchuan_officer).rows == []  # type: ignore[union-attr]
    assert home_section(users.chief).title == "期限预警与超期"  # type: ignore[union-attr]


# --- the page -----------------------------------------------------------------------------------------------


def test_countdown_text() -> None:
    now = local(2026, 11, 29, 12, 0)
    assert countdown_text(now + timedelta(hours=3, minutes=12, seconds=30), now) == "还剩 3小时12分"
    assert countdown_text(now - timedelta(days=2), now) == "已超期 2天"
    assert countdown_text(now - timedelta(days=2, hours=5), now) == "已超期 2天5小时"
    assert countdown_text(now + timedelta(minutes=4), now) == "还剩 4分"
    assert countdown_text(now, now) == "还剩 不足1分钟"
    assert countdown_text(None, now) == ""


def test_the_page_lists_warnings_with_a_countdown(client, users, on_commit) -> None:
    started = (timezone.now() - timedelta(hours=23)).replace(second=0, microsecond=0)
    case = filed_case(users, on_commit, accepted_at=started - timedelta(hours=1))
    detain(users, on_commit, case, started_at=started)
    deadlines_sweep(now=timezone.now())
    client.force_login(users.officer)
    response = client.get("/supervision/deadlines/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "执法监督期限" in html and "刑事拘留后送看守所羁押" in html
    assert "刑事诉讼法" in html or "CPL2018" in html
    assert f'href="/cases/{case.pk}/"' in html and case.number in html
    assert "嫌疑人乙" in html
    due = timezone.localtime(started + timedelta(hours=24), SHANGHAI)
    assert due.strftime("%Y-%m-%d %H:%M") in html
    assert "还剩 " in html and 'class="tag dl-warning"' in html

    client.force_login(users.pingchuan_officer)
    html = client.get("/supervision/deadlines/").content.decode()
    assert "刑事拘留后送看守所羁押" not in html and "暂无预警或超期的期限" in html
