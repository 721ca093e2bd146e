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
from jingwu.stats.models import DailyCount, MonthlyCount, RollupStamp, YearlyCount
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
        # The years are the sums of their months.
        by_year: Counter = Counter()
        for (month, station, town, key), n in months.items():
            by_year[(month.replace(month=1), station, town, key)] += n
        years = Counter(
            {
                (r.year, r.station_id, r.township, r.key): r.count
                for r in YearlyCount.objects.filter(metric="incident")
            }
        )
        assert years == by_year
        raise _Rollback


def levels() -> tuple[Counter, Counter]:
    """(MonthlyCount, YearlyCount) rows as counters."""
    months = Counter(
        {(r.month, r.station_id, r.township, r.metric, r.key): r.count for r in MonthlyCount.objects.all()}
    )
    years = Counter(
        {(r.year, r.station_id, r.township, r.metric, r.key): r.count for r in YearlyCount.objects.all()}
    )
    return months, years


def test_the_yearly_level_follows_writes_and_equals_a_rebuild(committed):
    with committed():
        first = incident(received=at("2025-12-31 23:30"))  # 2025 in Beijing time, 2025 in UTC too
        incident(received=at("2026-01-01 00:10"))  # 2026, though still 2025-12-31 in UTC
        case(filed=at("2025-03-03 10:00"), closed=at("2026-02-01 10:00"))
    years = {(r.year, r.metric, r.key): r.count for r in YearlyCount.objects.all()}
    assert years[(date(2025, 1, 1), "incident", "criminal")] == 1
    assert years[(date(2026, 1, 1), "incident", "criminal")] == 1
    assert years[(date(2025, 1, 1), "case_filed", "criminal")] == 1
    assert years[(date(2026, 1, 1), "case_cleared", "criminal")] == 1
    # Moving the incident into the next year moves its count out of 2025's row (the old slice is redone).
    with committed():
        first.received_at = at("2026-03-01 09:00")
        first.save()
    assert not YearlyCount.objects.filter(year=date(2025, 1, 1), metric="incident").exists()
    assert YearlyCount.objects.get(year=date(2026, 1, 1), metric="incident", key="criminal").count == 2
    kept = levels()
    rollup.rebuild_months()
    assert levels() == kept


def test_sums_over_years_months_and_days_equal_the_daily_rows(committed):
    from jingwu.org.models import User
    from jingwu.stats import periods, scope, selectors

    with committed():
        for when in (
            "2024-11-14 10:00",
            "2024-11-15 10:00",
            "2024-12-31 23:00",
            "2025-06-01 08:00",
            "2025-12-31 23:59",
            "2026-01-01 00:01",
            "2026-02-10 12:00",
            "2026-02-11 12:00",
        ):
            incident(received=at(when))
    leader = User.objects.get(username="leader")
    selection = scope.resolve(leader, "all")
    # 2024-11-15 … 2026-02-10: days of November, whole December, the year 2025, January, days of February.
    period = periods.custom(date(2024, 11, 15), date(2026, 2, 10))
    assert [level for level, *_ in selectors._levels(period.first, period.last)] == [
        "year",
        "month",
        "day",
        "month",
        "day",
    ]
    summed = sum(r["n"] for r in selectors._sums(selection, period, ("metric",), ("incident",)))
    direct = sum(
        r.count
        for r in DailyCount.objects.filter(metric="incident", day__gte=period.first, day__lte=period.last)
    )
    assert summed == direct == 6
    board = selectors.dashboard(actor=leader, period=period, selection=selection)
    assert board.incidents.current == 6
    assert sum(t["count"] for t in board.townships) == 6
    assert sum(map(sum, board.heatmap)) == 6


def test_every_rollup_rewrite_gives_its_station_years_a_new_token(committed):
    """The dashboard's cache is keyed by these tokens: a rewrite that kept a token would serve stale
    figures from the cache."""

    def tokens() -> dict[tuple[int, int], str]:
        return {(s.station_id, s.year): s.token for s in RollupStamp.objects.all()}

    with committed():
        taoxi = incident(received=at("2024-03-01 10:00"))
        incident(PINGCHUAN_VILLAGE, at("2025-06-01 10:00"))
    written = tokens()
    assert set(written) == set(YearlyCount.objects.values_list("station_id", "year__year").distinct())
    with committed():  # a late write to 2024: that station-year only
        incident(received=at("2024-11-30 10:00"))
    late = tokens()
    assert late[(taoxi.station_id, 2024)] != written[(taoxi.station_id, 2024)]
    assert {k: v for k, v in late.items() if k[0] != taoxi.station_id} == {
        k: v for k, v in written.items() if k[0] != taoxi.station_id
    }
    rollup.refresh_incident_range(
        station_ids=[taoxi.station_id], first=date(2024, 3, 1), last=date(2024, 3, 1)
    )
    ranged = tokens()
    assert ranged[(taoxi.station_id, 2024)] != late[(taoxi.station_id, 2024)]
    rollup.rebuild_months()
    rebuilt = tokens()
    assert set(rebuilt) == set(written)
    assert all(rebuilt[k] != ranged[k] for k in rebuilt)
