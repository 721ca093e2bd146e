"""The dashboard's figures on worked examples, within the reader's scope, and the records behind them."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jingwu.org.models import Unit
from jingwu.stats import periods, scope, selectors
from jingwu.stats.tests.conftest import (
    PINGCHUAN_VILLAGE,
    TAOXI_VILLAGE,
    YONGPING_VILLAGE,
    at,
    case,
    dispute,
    incident,
)
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
DEC_2025 = periods.month(2025, 12)


@pytest.fixture
def december(committed):
    """December 2025 and December 2024 in 桃溪, 永平 and 平川, with known response times."""
    with committed():
        # 2025-12: five criminal incidents in 桃溪 (dispatch 1,2,3,4,10 min; arrival 5 min each), one on
        # New Year's Eve at 23:30; one public-order incident in 平川; one in 永平.
        for n, minutes in enumerate([1, 2, 3, 4, 10]):
            incident(TAOXI_VILLAGE, at(f"2025-12-{10 + n} 20:15"), dispatch_min=minutes, arrive_min=5)
        incident(TAOXI_VILLAGE, at("2025-12-31 23:30"))
        incident(PINGCHUAN_VILLAGE, at("2025-12-05 09:00"), category="public_order")
        incident(YONGPING_VILLAGE, at("2025-12-06 09:00"), category="public_order")
        # Not December: 2026-01-01 00:10 (Shanghai) is 2025-12-31 16:10 UTC.
        incident(TAOXI_VILLAGE, at("2026-01-01 00:10"))
        # 2024-12: ten criminal incidents in 桃溪, two in 平川.
        for n in range(10):
            incident(TAOXI_VILLAGE, at(f"2024-12-{n + 1:02d} 11:00"))
        incident(PINGCHUAN_VILLAGE, at("2024-12-20 11:00"))
        incident(PINGCHUAN_VILLAGE, at("2024-12-21 11:00"))
        case(TAOXI_VILLAGE, filed=at("2025-12-02 10:00"))
        case(TAOXI_VILLAGE, filed=at("2025-12-03 10:00"), closed=at("2025-12-28 10:00"))
        case(PINGCHUAN_VILLAGE, kind="administrative", filed=at("2025-12-04 10:00"))
        case(TAOXI_VILLAGE, filed=at("2024-12-04 10:00"))
        dispute(TAOXI_VILLAGE, at("2025-12-08 10:00"))


def bureau(user_of, username="leader"):
    actor = user_of(username)
    return actor, scope.resolve(actor, "all")


def test_bureau_figures_for_a_month_against_the_year_before(user_of, december):
    actor, everything = bureau(user_of)
    board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    assert board.previous.first == date(2024, 12, 1) and board.previous.last == date(2024, 12, 31)
    assert (board.incidents.current, board.incidents.previous) == (8, 12)
    assert board.incidents.yoy == -33.3
    by = {r["key"]: r["figure"] for r in board.by_category}
    assert (by["criminal"].current, by["criminal"].previous, by["criminal"].yoy) == (6, 12, -50.0)
    assert (by["public_order"].current, by["public_order"].previous) == (2, 0)
    assert by["public_order"].yoy is None
    assert board.cases["criminal_filed"].current == 2 and board.cases["criminal_filed"].previous == 1
    assert board.cases["criminal_cleared"].current == 1
    assert board.cases["administrative_filed"].current == 1
    assert board.disputes.current == 1


def test_response_time_median_and_90th_percentile(user_of, december):
    actor, everything = bureau(user_of)
    board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    response = {r["key"]: r for r in board.response}
    # Dispatch minutes 1, 2, 3, 4, 10: median (rank 3) 3, p90 (rank ⌈4.5⌉ = 5) 10.
    assert (
        response["resp_dispatch"]["n"],
        response["resp_dispatch"]["p50"],
        response["resp_dispatch"]["p90"],
    ) == (
        5,
        3,
        10,
    )
    assert (response["resp_arrival"]["p50"], response["resp_arrival"]["p90"]) == (5, 5)
    assert (response["resp_total"]["p50"], response["resp_total"]["p90"]) == (8, 15)
    assert response["resp_dispatch"]["previous_p50"] is None  # the year before had no dispatch times


def test_year_boundary_counts_new_years_eve_in_the_old_year(user_of, december):
    actor, everything = bureau(user_of)
    board_2025 = selectors.dashboard(actor=actor, period=periods.year(2025), selection=everything)
    board_2026 = selectors.dashboard(actor=actor, period=periods.year(2026), selection=everything)
    assert board_2025.incidents.current == 8
    assert board_2026.incidents.current == 1  # the 00:10 incident of 1 January
    assert board_2026.incidents.previous == 8


def test_heatmap_uses_the_shanghai_hour_and_weekday(user_of, december):
    actor, everything = bureau(user_of)
    board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    # 2025-12-31 is a Wednesday (weekday 2); the incident at 23:30 Shanghai time.
    assert board.heatmap[2][23] == 1
    assert sum(map(sum, board.heatmap)) == 8


def test_an_empty_period_has_zeros_and_no_percentages(user_of, december):
    actor, everything = bureau(user_of)
    board = selectors.dashboard(actor=actor, period=periods.month(2023, 3), selection=everything)
    assert board.incidents.current == 0 and board.incidents.yoy is None
    assert all(r["p50"] is None and r["p90"] is None for r in board.response)
    assert sum(t["count"] for t in board.townships) == 0


def test_a_township_selection_counts_only_that_township(user_of, december):
    actor = user_of("leader")
    yongping = scope.resolve(actor, "township:350824110000")
    board = selectors.dashboard(actor=actor, period=DEC_2025, selection=yongping)
    assert board.incidents.current == 1


def test_the_joint_station_counts_its_member_stations(user_of, december):
    actor = user_of("leader")
    joint = Unit.objects.get(code="wp-wb")
    board = selectors.dashboard(
        actor=actor, period=DEC_2025, selection=scope.resolve(actor, f"joint:{joint.pk}")
    )
    assert board.incidents.current == 7  # 桃溪 6 + 永平 1, not 平川


def test_a_chief_sees_only_his_station(user_of, december):
    chief = user_of("chief")  # 桃溪派出所
    choices = scope.options(chief)
    assert choices[0].label == "本单位辖区"
    assert {c.label for c in choices} == {"本单位辖区", "桃溪派出所", "桃溪镇"}
    board = selectors.dashboard(actor=chief, period=DEC_2025, selection=choices[0])
    assert board.incidents.current == 6
    pingchuan = Unit.objects.get(code="wp-ps-350824001")
    with pytest.raises(Http404):
        scope.resolve(chief, f"station:{pingchuan.pk}")


def test_roles_without_statistics_are_refused(user_of, december):
    for username in ("officer", "auditor", "mediator", "dispatcher"):
        actor = user_of(username)
        with pytest.raises(PermissionDenied):
            selectors.dashboard(actor=actor, period=DEC_2025, selection=scope.options(actor)[0])


def test_drill_down_lists_exactly_the_counted_records(user_of, december):
    actor, everything = bureau(user_of)
    board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    by = {r["key"]: r["figure"].current for r in board.by_category}
    _, found = selectors.records(actor=actor, figure="incidents", period=DEC_2025, selection=everything)
    assert found.count() == board.incidents.current
    _, found = selectors.records(
        actor=actor, figure="incidents", period=DEC_2025, selection=everything, key="criminal"
    )
    assert found.count() == by["criminal"]
    for name, figure in board.cases.items():
        _, found = selectors.records(actor=actor, figure=name, period=DEC_2025, selection=everything)
        assert found.count() == figure.current, name
    _, found = selectors.records(actor=actor, figure="disputes", period=DEC_2025, selection=everything)
    assert found.count() == board.disputes.current
    town = scope.resolve(actor, "township:350824105000")
    _, found = selectors.records(actor=actor, figure="incidents", period=DEC_2025, selection=town)
    assert found.count() == 6


def test_dashboard_page_links_each_number_to_its_records(client, user_of, december):
    client.force_login(user_of("leader"))
    response = client.get("/stats/", {"kind": "month", "value": "2025-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="drill-incidents">8</a>' in html
    assert "figure=incidents&amp;key=criminal" in html
    assert "接警时间" in html  # a definition in a tooltip
    records = client.get("/stats/records/", {"kind": "month", "value": "2025-12", "figure": "incidents"})
    assert records.status_code == 200
    assert records.content.decode().count('data-testid="record"') == 8


def test_the_chief_cannot_reach_another_stations_figures_by_url(client, user_of, december):
    client.force_login(user_of("chief"))
    pingchuan = Unit.objects.get(code="wp-ps-350824001")
    assert client.get("/stats/", {"scope": f"station:{pingchuan.pk}"}).status_code == 404
    response = client.get("/stats/records/", {"kind": "month", "value": "2025-12", "figure": "incidents"})
    assert response.content.decode().count('data-testid="record"') == 6


def test_pages_refuse_officers_and_show_the_screen_to_dispatchers(client, user_of, december):
    client.force_login(user_of("officer"))
    assert client.get("/stats/").status_code == 403
    assert client.get("/stats/screen/").status_code == 403
    client.force_login(user_of("dispatcher"))
    assert client.get("/stats/").status_code == 403
    screen = client.get("/stats/screen/", {"kind": "month", "value": "2025-12"})
    assert screen.status_code == 200
    html = screen.content.decode()
    assert 'http-equiv="refresh"' in html
    assert 'data-testid="screen-incidents">8<' in html


def test_dashboard_exports_to_excel(client, user_of, december):
    client.force_login(user_of("leader"))
    response = client.get("/stats/", {"kind": "month", "value": "2025-12", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "全县2025年12月统计"
    assert values[2] == ("指标", "本期", "上年同期", "同比")
    assert values[3] == ("警情总数", 8, 12, "-33.3%")


def test_drill_down_exports_to_excel(client, user_of, december):
    client.force_login(user_of("leader"))
    response = client.get(
        "/stats/records/", {"kind": "month", "value": "2025-12", "figure": "criminal_filed", "export": "xlsx"}
    )
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "案件编号"
    assert len(rows) == 2 + 2


def test_monthly_report_pdf_has_the_chinese_headings(client, user_of, december):
    client.force_login(user_of("leader"))
    response = client.get("/stats/report.pdf", {"value": "2025-12"})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for heading in (
        "武平县公安局全县警情统计月报",
        "一、主要指标",
        "二、分类警情",
        "三、响应时间",
        "四、乡镇警情分布",
    ):
        assert heading in text
    assert "2025年12月1日至2025年12月31日" in text


def test_api_dashboard_is_scoped_like_the_pages(user_of, december):
    from tests.api.helpers import login

    body = login("leader").get("/api/stats/dashboard", kind="month", value="2025-12").json()
    assert body["incidents"] == {
        "key": "incidents",
        "label": "警情总数",
        "current": 8,
        "previous": 12,
        "yoy": -33.3,
    }
    assert (
        login("chief")
        .get("/api/stats/dashboard", kind="month", value="2025-12")
        .json()["incidents"]["current"]
        == 6
    )
    assert login("officer").get("/api/stats/dashboard").status_code == 403


def test_live_figures_come_from_the_mediation_supervision_and_quality_selectors(client, user_of, december):
    from jingwu.supervision.models import Deadline

    taoxi = Unit.objects.get(code="wp-ps-350824105")
    Deadline.objects.create(
        subject_type="case",
        subject_id=1,
        rule_id="TEST-1",
        title="测试期限",
        status="breach",
        due_at=at("2025-12-15 10:00"),
        unit=taoxi,
        station=taoxi,
        evaluated_at=at("2025-12-16 10:00"),
    )
    actor, everything = bureau(user_of)
    assert selectors.breaches_by_unit(actor=actor, period=DEC_2025, selection=everything) == [
        {"unit": "桃溪派出所", "count": 1}
    ]
    assert selectors.breaches_by_unit(actor=actor, period=periods.month(2025, 11), selection=everything) == []
    rate = selectors.resolution(actor=actor, period=DEC_2025, selection=everything)
    # One dispute registered in December, none resolved (the mediation app's own definition).
    assert rate["current"] == {"registered": 1, "resolved": 0, "rate": 0.0}
    assert rate["previous"]["rate"] is None
    client.force_login(actor)
    live = client.get("/stats/live/", {"kind": "month", "value": "2025-12"}).content.decode()
    assert "桃溪派出所" in live and "（0/1）" in live


def test_custom_periods_mix_whole_months_and_edge_days(user_of, december):
    actor, everything = bureau(user_of)
    # Whole December from the monthly rollup plus 15–30 November from the daily one.
    board = selectors.dashboard(
        actor=actor, period=periods.custom(date(2025, 11, 15), date(2025, 12, 31)), selection=everything
    )
    assert board.incidents.current == 8
    # Two edge ranges, no whole month: 10–14 December (5), New Year's Eve (1), 1 January 00:10 (1).
    board = selectors.dashboard(
        actor=actor, period=periods.custom(date(2025, 12, 10), date(2026, 1, 5)), selection=everything
    )
    assert board.incidents.current == 7
    assert board.trend["current"][0] == 1 and sum(board.trend["current"]) == 7  # per day


def test_an_invalid_period_falls_back_to_this_month_with_a_message(client, user_of):
    client.force_login(user_of("leader"))
    response = client.get("/stats/", {"kind": "custom", "from": "2026-02-30", "to": "x"})
    assert response.status_code == 200
    assert "统计期间无效" in response.content.decode()


def test_quality_scores_follow_the_selection(user_of):
    leader = user_of("leader")
    everything = selectors.quality_scores(
        actor=leader, period=DEC_2025, selection=scope.resolve(leader, "all")
    )
    assert len(everything) > 17  # every evaluated unit of the bureau
    town = selectors.quality_scores(
        actor=leader, period=DEC_2025, selection=scope.resolve(leader, "township:350824105000")
    )
    assert [row["unit"] for row in town] == ["桃溪派出所"]
    joint = Unit.objects.get(code="wp-wb")
    members = selectors.quality_scores(
        actor=leader, period=DEC_2025, selection=scope.resolve(leader, f"joint:{joint.pk}")
    )
    assert {row["unit"] for row in members} == {"桃溪派出所", "永平派出所", "大禾派出所", "湘店派出所"}


def _rollup_reads(queries) -> list[str]:
    tables = ("stats_yearlycount", "stats_monthlycount", "stats_dailycount")
    return [q["sql"] for q in queries if any(t in q["sql"] for t in tables)]


def test_a_closed_period_is_summed_once_then_served_from_the_cache(user_of, december):
    actor, everything = bureau(user_of)
    with CaptureQueriesContext(connection) as first:
        board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    with CaptureQueriesContext(connection) as again:
        cached = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    assert _rollup_reads(first.captured_queries) and not _rollup_reads(again.captured_queries)
    assert (cached.incidents, cached.cases, cached.heatmap, cached.trend, cached.townships) == (
        board.incidents,
        board.cases,
        board.heatmap,
        board.trend,
        board.townships,
    )


def test_a_late_write_to_a_closed_month_is_counted_at_once(user_of, december, committed):
    actor, everything = bureau(user_of)
    taoxi = scope.resolve(actor, "township:350824105000")
    dec_2023 = periods.month(2023, 12)  # against December 2022: station-years the write leaves alone
    assert selectors.dashboard(actor=actor, period=DEC_2025, selection=everything).incidents.current == 8
    assert selectors.dashboard(actor=actor, period=DEC_2025, selection=taoxi).incidents.current == 6
    selectors.dashboard(actor=actor, period=dec_2023, selection=everything)
    with committed():  # entered late, into a month whose figures are cached
        incident(PINGCHUAN_VILLAGE, at("2025-12-20 08:00"), category="public_order")
    with CaptureQueriesContext(connection) as after:
        board = selectors.dashboard(actor=actor, period=DEC_2025, selection=everything)
    assert _rollup_reads(after.captured_queries)
    assert board.incidents.current == 9
    assert next(r["figure"].current for r in board.by_category if r["key"] == "public_order") == 3
    assert board.trend["current"][19] == 1  # the 20th
    assert selectors.dashboard(actor=actor, period=DEC_2025, selection=taoxi).incidents.current == 6
    with CaptureQueriesContext(connection) as untouched:
        selectors.dashboard(actor=actor, period=dec_2023, selection=everything)
    assert not _rollup_reads(untouched.captured_queries)
