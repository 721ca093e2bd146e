"""The demo's statistics: the history carries the 武北 effect, and 桃溪 tops the survey."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from jingwu.incidents.demo import LIVE_DAYS
from jingwu.incidents.models import Incident
from jingwu.stats import demo, rollup, scope, selectors

pytestmark = pytest.mark.django_db


def test_the_demo_history_shows_the_reform_and_the_survey_ranking(user_of):
    created = demo.load(random.Random(350824))
    assert created > 4000  # ≈ 1,000 historical incidents a year since 2021 and ≈ 1,900 survey answers
    assert demo.load(random.Random(350824)) == 0  # loading twice adds nothing
    # The history runs up to the live window, so this month a year ago has its figures to compare with.
    live_window = timezone.localdate() - timedelta(days=LIVE_DAYS)
    last = Incident.objects.latest("received_at").received_at.astimezone(rollup.TZ).date()
    assert live_window - timedelta(days=7) <= last < live_window
    year_ago = timezone.localdate().replace(day=1, year=timezone.localdate().year - 1)
    assert (
        Incident.objects.filter(
            received_at__date__gte=year_ago, received_at__date__lt=year_ago + timedelta(days=28)
        ).count()
        > 30
    )
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
