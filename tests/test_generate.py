"""The synthetic bureau generator (bench/generate.py, 合成警务数据): deterministic, realistic in its
patterns, consistent with what the services store, and visible through the normal selectors and pages.

One generation of 2,000 incidents (a year to 2026-06-30) is shared by the module and rolled back at its
end; the determinism test generates a smaller bureau twice, each inside a savepoint, and compares digests.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from bench.generate import digest, generate
from jingwu.incidents.taxonomy import taxonomy

SIZE, SEED, TODAY = 2000, 11, date(2026, 6, 30)
DIGEST_SIZE = 400
TZ = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")


class _Rollback(Exception):
    pass


def _generate_digest(seed: int) -> str:
    """Generate a bureau inside a savepoint, fingerprint it and undo it."""
    found = ""
    try:
        with transaction.atomic():
            generate(size=DIGEST_SIZE, seed=seed, today=TODAY, search=False, rollups=False, progress=False)
            found = digest()
            raise _Rollback
    except _Rollback:
        pass
    return found


@pytest.fixture(scope="module")
def bureau(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = generate(size=SIZE, seed=SEED, today=TODAY, search=False, progress=False)
        yield {"result": result}
        transaction.set_rollback(True)


def _incidents():
    from jingwu.incidents.models import Incident

    return Incident.objects.order_by("pk")


def test_same_seed_gives_identical_rows(db):
    first = _generate_digest(SEED)
    assert first == _generate_digest(SEED) != ""
    assert _generate_digest(SEED + 1) != first


def test_incident_numbers_are_unique_and_in_the_project_format(bureau, db):
    rows = list(_incidents().values_list("pk", "number", "received_at"))
    assert len(rows) == SIZE
    assert len({number for _, number, _ in rows}) == SIZE
    for pk, number, received in rows:
        assert number == f"J350824{received.astimezone(TZ):%Y%m%d}{pk:06d}"
        assert received.utcoffset().total_seconds() == 0  # aware UTC


def test_hour_of_day_cycle(bureau, db):
    hours = Counter(r.astimezone(TZ).hour for r in _incidents().values_list("received_at", flat=True))
    assert sum(hours[h] for h in (3, 4, 5)) * 3 < sum(hours[h] for h in (19, 20, 21))


def test_seasonal_peaks(bureau, db):
    rows = list(_incidents().values_list("received_at", "subcategory"))
    local = [(r.astimezone(TZ).date(), sub) for r, sub in rows]
    fires = [d for d, sub in local if sub in ("forest_fire", "outdoor_fire")]
    in_season = sum(1 for d in fires if d.month in (2, 3, 4))
    # Feb–Apr is a quarter of the year but holds most of the forest and field fires.
    assert in_season > 2 * (len(fires) - in_season) / 3 * 1.5
    festival = [d for d, _ in local if -7 <= (d - date(2026, 2, 17)).days <= 15]
    assert len(festival) / 23 > 1.15 * len(local) / 365


def test_categories_follow_the_taxonomy(bureau, db):
    pairs = Counter(_incidents().values_list("category", "subcategory"))
    assert all(taxonomy().is_valid(c, s) for c, s in pairs)
    assert {c for c, _ in pairs} == set(taxonomy().categories)


def test_narratives_are_chinese_and_name_real_wuping_places(bureau, db):
    from jingwu.geo.models import Division

    townships = set(
        Division.objects.filter(level=4, code__startswith="350824").values_list("name", flat=True)
    )
    narratives = list(_incidents().values_list("narrative", flat=True))
    assert all(CJK.search(text) for text in narratives)
    named = sum(1 for text in narratives if any(t in text for t in townships))
    assert named >= 0.95 * len(narratives)


def test_case_and_dispute_rates(bureau, db):
    from jingwu.cases.models import Case
    from jingwu.mediation.models import Dispute

    cases = Case.objects.count()
    assert 0.10 * SIZE <= cases <= 0.28 * SIZE
    assert (
        Case.objects.filter(kind="criminal").exists() and Case.objects.filter(kind="administrative").exists()
    )
    assert 0.05 * SIZE <= Dispute.objects.count() <= 0.25 * SIZE
    # Every case points back at its incident, and the incident at it.
    assert not Case.objects.exclude(incident__linked_case_id=models_f("pk")).exists()
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"[A-Z0-9-]+-\d{4}-\d{5}", n) for n in numbers)


def models_f(name: str):
    from django.db.models import F

    return F(name)


def test_late_steps_exist_and_the_sweep_flags_some(bureau, db):
    from jingwu.supervision.models import Deadline

    assert Deadline.objects.filter(status="met_late").count() > 20
    assert Deadline.objects.filter(status="met").count() > Deadline.objects.filter(status="met_late").count()
    result = bureau["result"]
    assert result["sweep_warnings"] + result["sweep_breaches"] > 0
    assert Deadline.objects.filter(status="breach").count() == result["sweep_breaches"]


def test_case_numbering_continues_after_the_generated_numbers(bureau, db):
    from jingwu.cases.models import Case, CaseNumberCounter

    for counter in CaseNumberCounter.objects.select_related("unit"):
        prefix = f"{counter.unit.code.upper()}-{counter.year}-"
        used = Case.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        assert max(int(n.rsplit("-", 1)[1]) for n in used) <= counter.last


def test_leader_sees_the_data_on_the_normal_selectors_and_pages(bureau, db, client, user_of):
    from jingwu.cases.models import Case
    from jingwu.cases.selectors import case_list
    from jingwu.incidents.selectors import incident_list

    leader = user_of("leader")
    assert incident_list(actor=leader).count() == SIZE
    assert case_list(actor=leader).count() == Case.objects.count()
    client.force_login(leader)
    newest = _incidents().last()
    page = client.get("/incidents/")
    assert page.status_code == 200
    detail = client.get(f"/incidents/{newest.pk}/")
    assert detail.status_code == 200
    assert newest.number in detail.content.decode()
