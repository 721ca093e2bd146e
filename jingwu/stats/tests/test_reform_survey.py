"""Before/after a reform (difference-in-differences) and the 平安三率 survey, on worked examples."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from jingwu.core.errors import ServiceError
from jingwu.org.models import Unit
from jingwu.stats import scope, selectors, services
from jingwu.stats.models import DailyCount
from jingwu.stats.rollup import rebuild_months

pytestmark = pytest.mark.django_db
TAOXI, YONGPING, PINGCHUAN = "350824105000", "350824110000", "350824001000"


def put(town: str, day: date, count: int, key: str = "criminal") -> None:
    station = Unit.objects.get(township_code=town, kind="station")
    DailyCount.objects.create(
        day=day, station=station, township=town, metric="incident", key=key, count=count
    )


@pytest.fixture
def reform_rows():
    """Reform on 2022-07-15, three months either side: treated 桃溪+永平, control 平川."""
    put(TAOXI, date(2022, 4, 15), 30)  # first day of "before"
    put(YONGPING, date(2022, 7, 14), 20)  # last day of "before"
    put(TAOXI, date(2022, 7, 15), 12)  # the reform day counts in "after"
    put(YONGPING, date(2022, 10, 14), 18)  # last day of "after"
    put(TAOXI, date(2022, 10, 15), 99)  # outside: after the window
    put(TAOXI, date(2022, 4, 14), 99)  # outside: before the window
    put(PINGCHUAN, date(2022, 5, 1), 100)
    put(PINGCHUAN, date(2022, 8, 1), 90)
    put(PINGCHUAN, date(2022, 8, 2), 7, key="dispute")  # another category: not in 刑事、治安
    rebuild_months()


def test_difference_in_differences_of_a_constructed_example(user_of, reform_rows):
    leader = user_of("leader")
    result = selectors.reform(
        actor=leader,
        townships=[TAOXI, YONGPING],
        reform_date=date(2022, 7, 15),
        months=3,
        stations=scope.options(leader)[0].station_ids,
    )
    assert result.before == (date(2022, 4, 15), date(2022, 7, 14))
    assert result.after == (date(2022, 7, 15), date(2022, 10, 14))
    d = result.did
    assert (d.treated_before, d.treated_after, d.control_before, d.control_after) == (50, 30, 100, 90)
    assert d.did == -10  # (30 − 50) − (90 − 100)
    assert d.relative == -33.3  # (30/50) ÷ (90/100) − 1
    assert result.treated_names == ["桃溪镇", "永平镇"]
    assert result.series["labels"][0] == "2022-04" and result.series["labels"][-1] == "2022-10"


def test_reform_page_and_its_excel(client, user_of, reform_rows):
    client.force_login(user_of("leader"))
    query = {"township": [TAOXI, YONGPING], "date": "2022-07-15", "months": "3"}
    page = client.get("/stats/reform/", query)
    assert page.status_code == 200
    assert 'data-testid="did-value">-10<' in page.content.decode()
    book = load_workbook(BytesIO(client.get("/stats/reform/", {**query, "export": "xlsx"}).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[2] == ("组别", "前期", "后期", "变化", "变化率")
    assert rows[3] == ("改革地区", 50, 30, -20, "-40.0%")
    assert rows[5][0] == "双重差分（DiD）" and rows[5][3] == -10


def test_a_chiefs_comparison_stays_within_his_scope(user_of, reform_rows):
    chief = user_of("chief")
    result = selectors.reform(
        actor=chief,
        townships=[TAOXI],
        reform_date=date(2022, 7, 15),
        months=3,
        stations=scope.options(chief)[0].station_ids,
    )
    assert (result.did.treated_before, result.did.control_before) == (30, 0)  # 平川 is not his to see


# --------------------------------------------------------------------------------------------------
# 平安三率


def answers(security: str, satisfaction: str = "满意", awareness: str = "知道") -> dict[str, str]:
    return {"security": security, "satisfaction": satisfaction, "awareness": awareness}


def test_survey_rates_with_wilson_interval(user_of):
    leader = user_of("leader")
    survey_round = services.survey_round_create(
        actor=leader,
        wave="2026年上半年",
        township_code=TAOXI,
        held_from=date(2026, 3, 1),
        held_to=date(2026, 3, 20),
    )
    for n in range(100):
        # 81 of 100 feel safe (安全 or 比较安全); one did not answer the awareness question.
        row = answers("安全" if n < 50 else "比较安全" if n < 81 else "不太安全")
        if n == 0:
            row["awareness"] = ""
        services.survey_response_record(actor=leader, round_id=survey_round.pk, answers=row)
    rates = selectors.round_rates(survey_round)
    assert (rates["security"].positive, rates["security"].n, rates["security"].rate) == (81, 100, 81.0)
    assert rates["security"].interval == (72.2, 87.5)
    assert rates["awareness"].n == 99  # not answered: not in the sample
    assert rates["satisfaction"].rate == 100.0


def test_survey_ranking_orders_townships_by_their_mean_rate(user_of):
    leader = user_of("leader")
    for town, safe in ((YONGPING, 6), (TAOXI, 9), (PINGCHUAN, 3)):
        survey_round = services.survey_round_create(
            actor=leader, wave="W", township_code=town, held_from=date(2026, 1, 1), held_to=date(2026, 1, 2)
        )
        for n in range(10):
            services.survey_response_record(
                actor=leader, round_id=survey_round.pk, answers=answers("安全" if n < safe else "不安全")
            )
    table = selectors.survey_ranking(actor=leader, wave="W")
    assert [(r["rank"], r["township"]) for r in table] == [(1, "桃溪镇"), (2, "永平镇"), (3, "平川街道")]
    assert table[0]["overall"] == pytest.approx((90 + 100 + 100) / 3, abs=0.05)


def test_survey_answers_are_checked_against_the_questionnaire(user_of):
    leader = user_of("leader")
    survey_round = services.survey_round_create(
        actor=leader, wave="X", township_code=TAOXI, held_from=date(2026, 1, 1), held_to=date(2026, 1, 1)
    )
    with pytest.raises(ServiceError) as error:
        services.survey_response_record(actor=leader, round_id=survey_round.pk, answers=answers("还行"))
    assert "security" in error.value.field_errors


def test_a_chief_enters_surveys_only_in_his_township(user_of):
    chief = user_of("chief")
    services.survey_round_create(
        actor=chief, wave="Y", township_code=TAOXI, held_from=date(2026, 1, 1), held_to=date(2026, 1, 1)
    )
    with pytest.raises(ServiceError):
        services.survey_round_create(
            actor=chief,
            wave="Y",
            township_code=PINGCHUAN,
            held_from=date(2026, 1, 1),
            held_to=date(2026, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        services.survey_round_create(
            actor=user_of("officer"),
            wave="Y",
            township_code=TAOXI,
            held_from=date(2026, 1, 1),
            held_to=date(2026, 1, 1),
        )


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_survey_import_from_a_spreadsheet_all_or_nothing(user_of):
    leader = user_of("leader")
    survey_round = services.survey_round_create(
        actor=leader, wave="Z", township_code=TAOXI, held_from=date(2026, 1, 1), held_to=date(2026, 1, 1)
    )
    header = ["您觉得您所在的乡镇（社区）治安状况安全吗？", "satisfaction", "awareness"]
    bad = services.survey_import_xlsx(
        actor=leader,
        round_id=survey_round.pk,
        content=xlsx([header, ["安全", "满意", "知道"], ["?", "满意", "知道"]]),
    )
    assert bad.imported == 0 and bad.errors and bad.errors[0].startswith("第3行")
    good = services.survey_import_xlsx(
        actor=leader,
        round_id=survey_round.pk,
        content=xlsx([header, ["安全", "满意", "知道"], ["不安全", "一般", "不知道"], ["", "", ""]]),
    )
    assert good.imported == 2
    rates = selectors.round_rates(survey_round)
    assert (rates["security"].positive, rates["security"].n) == (1, 2)


def test_survey_ranking_exports_to_excel(client, user_of):
    leader = user_of("leader")
    survey_round = services.survey_round_create(
        actor=leader, wave="E", township_code=TAOXI, held_from=date(2026, 1, 1), held_to=date(2026, 1, 1)
    )
    services.survey_response_record(actor=leader, round_id=survey_round.pk, answers=answers("安全"))
    client.force_login(leader)
    book = load_workbook(BytesIO(client.get("/stats/survey/", {"wave": "E", "export": "xlsx"}).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "E平安三率测评排名"
    assert rows[1][:4] == ("名次", "乡镇", "样本量", "安全感（%）")
    assert rows[2][:4] == (1, "桃溪镇", 1, 100)
