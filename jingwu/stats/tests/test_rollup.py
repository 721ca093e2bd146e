"""Rollups: kept up to date on write, equal to a full rebuild, and to a direct count of the raw records."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingwu.incidents.models import Incident
from jingwu.stats import rollup
from jingwu.stats.models import DailyCount, MonthlyCount
from jingwu.stats.tests.conftest import PINGCHUAN_VILLAGE, TAOXI_VILLAGE, at, case, dispute, incident

pytestmark = pytest.mark.django_db


def rows() -> Counter:
    return Counter(
        {(r.day, r.station_id, r.township, r.metric, r.key): r.count for r in DailyCount.objects.all()}
    )


def test_an_incident_at_half_past_eleven_on_new_years_eve_counts_in_the_old_year(committed):
    with committed():
        incident(received=at("2025-12-31 23:30"))  # 15:30 UTC
    row = DailyCount.objects.get(metric="incident")
    assert row.day == date(2025, 12, 31)
    assert row.township == "350824105000" and row.key == "criminal" and row.count == 1
    assert DailyCount.objects.get(metric="incident_wh").key == "2-23"  # a Wednesday, 23:00–23:59
    assert MonthlyCount.objects.get(metric="incident").month == date(2025, 12, 1)


def test_half_past_midnight_shanghai_is_the_next_day_though_still_the_day_before_in_utc(committed):
    with committed():
        incident(received=at("2026-01-01 00:30"))  # 2025-12-31 16:30 UTC
    assert DailyCount.objects.get(metric="incident").day == date(2026, 1, 1)


def test_response_histograms_in_whole_minutes(committed):
    with committed():
        incident(dispatch_min=2.9, arrive_min=10)
    got = {r.metric: r.key for r in DailyCount.objects.filter(metric__startswith="resp_")}
    assert got == {"resp_dispatch": "2", "resp_arrival": "10", "resp_total": "12"}


def test_a_change_of_day_moves_the_count(committed):
    with committed():
        record = incident(received=at("2025-03-01 10:00"))
    loaded = Incident.objects.get(pk=record.pk)
    loaded.received_at = at("2025-03-05 10:00")
    with committed():
        loaded.save()
    assert list(DailyCount.objects.filter(metric="incident").values_list("day", "count")) == [
        (date(2025, 3, 5), 1)
    ]


def test_cases_count_on_the_day_filed_and_the_day_closed(committed):
    with committed():
        case(kind="administrative", filed=at("2025-05-01 09:00"), closed=at("2025-05-20 16:00"))
        case(kind="criminal", filed=at("2025-05-02 09:00"), closed=at("2025-05-03 09:00"), status="withdrawn")
    got = sorted(DailyCount.objects.filter(metric__startswith="case_").values_list("metric", "key", "day"))
    assert got == [
        ("case_cleared", "administrative", date(2025, 5, 20)),
        ("case_filed", "administrative", date(2025, 5, 1)),
        ("case_filed", "criminal", date(2025, 5, 2)),  # withdrawn: filed, never cleared
    ]


def test_rebuild_gives_the_rows_kept_on_write(committed):
    with committed():
        for n in range(6):
            incident(
                received=at("2025-07-01 08:00") + timedelta(hours=7 * n), dispatch_min=n, arrive_min=3 * n
            )
        incident(PINGCHUAN_VILLAGE, at("2025-07-02 12:00"), category="public_order")
        case(filed=at("2025-07-03 10:00"))
        dispute(registered=at("2025-07-04 10:00"))
    kept = rows()
    call_command("stats_rollup_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rows() == kept
    assert sum(n for key, n in kept.items() if key[3] == "dispute_registered") == 1
    assert sum(n for key, n in kept.items() if key[3] == "incident") == 7


def direct_counts() -> Counter:
    """The incident rollup as a direct count of the raw table, day by the database's own conversion."""
    counts: Counter = Counter()
    for received_at, station_id, town, category in Incident.objects.values_list(
        "received_at", "station_id", "village__parent__code", "category"
    ):
        counts[(rollup.local_day(received_at), station_id, town, category)] += 1
    return counts


class _Rollback(Exception):
    pass


writes = st.lists(
    st.tuples(
        st.sampled_from(["create", "move", "recategorise"]),
        st.integers(min_value=0, max_value=72),  # hours after 2025-12-30 20:00, across the new year
        st.sampled_from([TAOXI_VILLAGE, PINGCHUAN_VILLAGE]),
        st.sampled_from(["criminal", "public_order", "dispute"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes)
def test_rollups_match_a_direct_count_after_random_writes(committed, ops):
    from django.db import transaction

    # Each example starts from an empty table: its writes are rolled back at the end.
    with contextlib.suppress(_Rollback), transaction.atomic():
        base = at("2025-12-30 20:00")
        created: list[Incident] = []
        for op, hours, village, category in ops:
            with committed():
                if op == "create" or not created:
                    created.append(incident(village, base + timedelta(hours=hours), category=category))
                else:
                    target = Incident.objects.get(pk=created[hours % len(created)].pk)
                    if op == "move":
                        target.received_at = base + timedelta(hours=hours, minutes=17)
                    else:
                        target.category = category
                    target.save()
        kept = Counter(
            {
                (r.day, r.station_id, r.township, r.key): r.count
                for r in DailyCount.objects.filter(metric="incident")
            }
        )
        assert kept == direct_counts()
        # The months are the sums of their days.
        by_month: Counter = Counter()
        for (day, station, town, key), n in kept.items():
            by_month[(day.replace(day=1), station, town, key)] += n
        months = Counter(
            {
                (r.month, r.station_id, r.township, r.key): r.count
                for r in MonthlyCount.objects.filter(metric="incident")
            }
        )
        assert months == by_month
        raise _Rollback
