"""Demo statistics: historical incidents from 2021 until the live demo window begins (imported in
bulk like a migration from the old 110 system, so that every period has its same period a year earlier)
carrying the effect of the 武北 joint station (from 2022-07-15 criminal and public-order incidents in
永平、桃溪、大禾、湘店 fall by about 40%, the rest of the county by about 5%), and one 平安三率 survey wave
in every township with 桃溪 on top. Deterministic for a given seed and load date.

Historical incidents get no steps, legal events or deadlines: they are closed records for the figures,
not work to supervise. The rollups are rebuilt at the end of demo_load.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Source, Status
from jingwu.incidents.demo import HOURLY_WEIGHTS, KINDS, LIVE_DAYS, NARRATIVES, PLACES
from jingwu.incidents.models import Incident
from jingwu.org.models import User
from jingwu.stats.definitions import questionnaire
from jingwu.stats.models import SurveyResponse, SurveyRound
from jingwu.stats.rollup import TZ
from jingwu.stats.selectors import WUBEI_REFORM_DATE, WUBEI_TOWNSHIPS

HISTORY_START = date(2021, 1, 1)
PER_TOWNSHIP_MONTH = 5.0  # mean incidents per township per month before the reform
REFORM_EFFECT = 0.58  # criminal and public-order incidents in the 武北 townships after the reform (×)
COUNTY_TREND = 0.95  # the same categories elsewhere after the reform date (×)
SURVEY_WAVE = "2025年度"
# Probability of a positive answer per indicator: 桃溪 highest, then the other 武北 townships.
SURVEY_LEVELS = {"350824105000": 0.97, **dict.fromkeys(WUBEI_TOWNSHIPS[:1] + WUBEI_TOWNSHIPS[2:], 0.93)}


def _history(rng: random.Random) -> int:
    if Incident.objects.filter(received_at__lt=datetime(2022, 1, 1, tzinfo=TZ)).exists():
        return 0
    actor = User.objects.get(username="dispatcher")
    villages: dict[str, list[Division]] = {}
    for village in Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent__station"):
        if village.parent and village.parent.station_id:
            villages.setdefault(village.parent.code, []).append(village)
    weights = [k[2] for k in KINDS]
    rows = []
    day, last = HISTORY_START, timezone.localdate() - timedelta(days=LIVE_DAYS + 1)
    while day <= last:
        after = day >= WUBEI_REFORM_DATE
        for code, places in villages.items():
            treated = code in WUBEI_TOWNSHIPS
            # A Poisson-like day count from the monthly mean (expected ≈ PER_TOWNSHIP_MONTH a month).
            for _ in range(8):
                if rng.random() >= PER_TOWNSHIP_MONTH / 30 / 8:
                    continue
                category, subcategory, _, priority, disposition = rng.choices(KINDS, weights)[0]
                if after and category in ("criminal", "public_order"):
                    keep = REFORM_EFFECT if treated else COUNTY_TREND
                    if rng.random() >= keep:
                        continue
                village = rng.choice(places)
                hour = rng.choices(range(24), HOURLY_WEIGHTS)[0]
                received = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=TZ)
                dispatched = received + timedelta(minutes=rng.choice([1, 2, 2, 3, 4, 6, 10]))
                arrived = dispatched + timedelta(
                    minutes=rng.randrange(8, 35) if code != "350824001000" else rng.randrange(3, 12)
                )
                closed = arrived + timedelta(minutes=rng.randrange(20, 120))
                text = rng.choice(NARRATIVES[subcategory]).replace(
                    "{x}", village.name.removesuffix("村委会").removesuffix("社区居委会") + rng.choice(PLACES)
                )
                rows.append(
                    Incident(
                        received_at=received,
                        source=rng.choices(list(Source), [80, 12, 5, 3])[0],
                        village=village,
                        address=rng.choice(PLACES),
                        area="urban" if code == "350824001000" else "rural",
                        category=category,
                        subcategory=subcategory,
                        priority=priority,
                        narrative=text,
                        station_id=village.parent.station_id,
                        unit_id=village.parent.station_id,
                        status=Status.CLOSED,
                        dispatched_at=dispatched,
                        arrived_at=arrived,
                        handled_at=closed,
                        closed_at=closed,
                        disposition=disposition
                        if disposition in Disposition.values
                        else Disposition.NO_ACTION,
                        disposition_note="历史警情（旧系统导入）",
                        created_by=actor,
                    )
                )
        day += timedelta(days=1)
    created = Incident.objects.bulk_create(rows, batch_size=2000)
    for incident in created:
        incident.number = f"J350824{incident.received_at.astimezone(TZ):%Y%m%d}{incident.pk:06d}"
    Incident.objects.bulk_update(created, ["number"], batch_size=2000)
    return len(created)


def _survey(rng: random.Random) -> int:
    if SurveyRound.objects.filter(wave=SURVEY_WAVE).exists():
        return 0
    actor = User.objects.get(username="legal_affairs")
    q = questionnaire()
    count = 0
    for town in Division.objects.filter(level=DivisionLevel.TOWNSHIP).order_by("code"):
        level = SURVEY_LEVELS.get(town.code, rng.uniform(0.80, 0.91))
        survey_round = SurveyRound.objects.create(
            wave=SURVEY_WAVE,
            township=town,
            held_from=date(2025, 11, 3),
            held_to=date(2025, 11, 21),
            created_by=actor,
        )
        responses = []
        for _ in range(rng.randrange(80, 140)):
            answers = {}
            for question in q.questions:
                positive = [o for o in question.options if o.positive]
                negative = [o for o in question.options if not o.positive]
                chance = level - (0.08 if question.indicator == "awareness" else 0)
                if rng.random() < 0.03:
                    continue  # not answered
                answers[question.code] = rng.choice(positive if rng.random() < chance else negative).code
            responses.append(
                SurveyResponse(round=survey_round, answers=answers, source="import", entered_by=actor)
            )
        SurveyResponse.objects.bulk_create(responses)
        count += len(responses)
    return count


def load(rng: random.Random) -> int:
    # Own generator: the other demo modules' draws stay as they were.
    own = random.Random(rng.random())
    return _history(own) + _survey(own)
