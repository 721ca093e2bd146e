"""The demo's statistics: the history carries the 武北 effect, and 桃溪 tops the survey."""

from __future__ import annotations

import random

import pytest

from jingwu.stats import demo, rollup, scope, selectors

pytestmark = pytest.mark.django_db


def test_the_demo_history_shows_the_reform_and_the_survey_ranking(user_of):
    created = demo.load(random.Random(350824))
    assert 4000 < created < 8000  # ≈ 3,000 historical incidents and ≈ 1,900 survey answers
    assert demo.load(random.Random(350824)) == 0  # loading twice adds nothing
    rollup.rebuild()
    leader = user_of("leader")
    result = selectors.reform(
        actor=leader,
        townships=list(selectors.WUBEI_TOWNSHIPS),
        reform_date=selectors.WUBEI_REFORM_DATE,
        stations=scope.options(leader)[0].station_ids,
    )
    assert result.did.treated_pct < -30  # the 武北 townships fell sharply …
    assert abs(result.did.control_pct) < 15  # … the rest of the county hardly moved
    assert result.did.relative < -25
    ranking = selectors.survey_ranking(actor=leader, wave=demo.SURVEY_WAVE)
    assert len(ranking) == 17 and ranking[0]["township"] == "桃溪镇"
