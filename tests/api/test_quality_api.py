"""The quality evaluation over the API (/api/quality): the ranking and a unit's explanation, scoped."""

from __future__ import annotations

import pytest

from jingwu.quality.tests.conftest import PINGCHUAN, TAOXI, Builder, local, unit

pytestmark = pytest.mark.django_db
PERIOD = "2025-Q2"


def test_ranking_and_explanation(api_as) -> None:
    build = Builder()
    case = build.case(TAOXI, title="桃溪村电动车被盗案")
    build.deadline(case, TAOXI, "breach", local(2025, 5, 10, 12, 0))
    build.supplementary(case, local(2025, 6, 1, 9, 0))
    api = api_as("legal_affairs")
    response = api.get("/api/quality/ranking", period=PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["period"], body["label"], body["published"]) == (PERIOD, "2025年第2季度", False)
    assert body["total_units"] == len(body["rows"]) > 20
    last = body["rows"][-1]
    assert (last["unit"]["code"], last["score"], last["grade"], last["rank"]) == (
        TAOXI,
        "95.0",
        "excellent",
        len(body["rows"]),
    )
    lines = {line["key"]: line for line in last["lines"]}
    assert lines["deadline_breach"]["points"] == "-2.0" and lines["supplementary_investigation"]["count"] == 1

    detail = api.get(f"/api/quality/units/{unit(TAOXI).pk}", period=PERIOD).json()
    assert detail["score"] == "95.0"
    [record] = detail["records"]["deadline_breach"]
    assert record["url"] == f"/cases/{case.pk}/" and "桃溪村电动车被盗案" in record["subject"]


def test_scope_and_refusals(api_as) -> None:
    chief = api_as("chief")
    rows = chief.get("/api/quality/ranking", period=PERIOD).json()["rows"]
    assert [row["unit"]["code"] for row in rows] == [TAOXI]
    assert chief.get(f"/api/quality/units/{unit(PINGCHUAN).pk}", period=PERIOD).status_code == 404
    assert api_as("officer").get("/api/quality/ranking").status_code == 403
    bad = api_as("legal_affairs").get("/api/quality/ranking", period="2025-Q9")
    assert bad.status_code == 400 and "period" in bad.json()["errors"]
