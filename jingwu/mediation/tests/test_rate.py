"""The resolution rate (化解率) on the worked example of docs/mediation.md: October of last year, nine
disputes of 桃溪 and one of 平川, evaluated at the end of the period."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from jingwu.core.legaltime import TZ
from jingwu.mediation import selectors, services
from jingwu.mediation.models import FollowUp
from jingwu.mediation.services import TermInput
from jingwu.mediation.tests.conftest import PINGCHUAN_PARENT, parties, village_of

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


def at(month: int, day: int) -> datetime:
    return datetime.combine(date(YEAR, month, day), time(10, 0), tzinfo=TZ)


def agree(actor, dispute, month: int, day: int, due: date | None = None):
    return services.agreement_record(
        actor=actor,
        dispute_id=dispute.pk,
        concluded_on=date(YEAR, month, day),
        terms=[TermInput("赔偿损失", Decimal("800"), due)],
        at=at(month, day),
    )


def visit(actor, dispute, month: int, day: int, performed: bool):
    (row,) = FollowUp.objects.filter(dispute=dispute, status="pending")
    services.follow_up_record(
        actor=actor,
        follow_up_id=row.pk,
        performed=performed,
        note="" if performed else "拒不履行",
        visited_on=date(YEAR, month, day),
        at=at(month, day),
    )


def police(actor, dispute, month: int, day: int):
    services.dispute_route(actor=actor, dispute_id=dispute.pk, route="police", at=at(month, day))


@pytest.fixture
def october(officer, outsider, mediator, register):
    """The worked example; returns the disputes by letter."""
    d = {}
    for letter, (month, day) in {
        "A": (10, 5),
        "B": (10, 8),
        "C": (10, 15),
        "D": (10, 20),
        "E": (10, 25),
        "F": (10, 26),
        "G": (9, 28),
        "H": (10, 30),
        "I": (10, 3),
    }.items():
        d[letter] = register(
            officer, registered_at=at(month, day), parties=parties(f"{letter}甲", f"{letter}乙")
        )
    police(officer, d["A"], 10, 6)
    agree(officer, d["A"], 10, 10)  # A: agreed → resolved
    services.dispute_route(
        actor=officer, dispute_id=d["B"].pk, route="people", mediator_id=mediator.pk, at=at(10, 9)
    )
    agree(mediator, d["B"], 10, 12, date(YEAR, 10, 19))
    visit(mediator, d["B"], 10, 20, performed=False)  # B: reopened → not resolved
    police(officer, d["C"], 10, 16)
    agree(officer, d["C"], 10, 18, date(YEAR, 10, 21))
    visit(officer, d["C"], 10, 22, performed=False)
    police(officer, d["C"], 10, 24)
    agree(officer, d["C"], 10, 28)  # C: reopened, then agreed again → resolved
    services.dispute_route(actor=officer, dispute_id=d["D"].pk, route="other", body="court", at=at(10, 21))
    police(officer, d["E"], 10, 26)
    services.mediation_fail(
        actor=officer, dispute_id=d["E"].pk, reason="双方分歧大", follow_on="lawsuit", at=at(10, 27)
    )  # E: failed
    # F: registered only.
    police(officer, d["G"], 9, 29)
    agree(officer, d["G"], 10, 2)  # G: registered before the period: not counted
    police(officer, d["H"], 10, 31)
    agree(officer, d["H"], 11, 3)  # H: agreed only after the period's end
    police(officer, d["I"], 10, 4)
    agree(officer, d["I"], 10, 9, date(YEAR, 10, 15))
    visit(officer, d["I"], 10, 16, performed=True)  # I: performed → closed, resolved
    d["J"] = services.dispute_create(
        actor=outsider,
        source="walk_in",
        kind="debt",
        village_id=village_of(PINGCHUAN_PARENT).pk,
        description="借款到期未还引发纠纷。",
        parties=parties("J甲", "J乙"),
        registered_at=at(10, 10),
    )
    police(outsider, d["J"], 10, 11)
    agree(outsider, d["J"], 10, 12)  # J (平川): resolved
    return d


def rows(actor, by: str, end: date | None = None):
    end = end or date(YEAR, 10, 31)
    return {
        r.key: (r.registered, r.resolved, r.referred, r.rate)
        for r in selectors.resolution_rate(actor=actor, start=date(YEAR, 10, 1), end=end, by=by)
    }


def test_the_worked_example_per_station(october, leader_user):
    assert october["I"].__class__.objects.get(pk=october["I"].pk).status == "closed"
    assert rows(leader_user, "station") == {
        "wp-ps-350824001": (1, 1, 0, Decimal("100.0")),
        "wp-ps-350824105": (8, 3, 1, Decimal("37.5")),
    }


def test_the_worked_example_per_township_and_bureau_wide(october, leader_user):
    assert rows(leader_user, "township") == {
        "350824001000": (1, 1, 0, Decimal("100.0")),
        "350824105000": (8, 3, 1, Decimal("37.5")),
    }
    assert rows(leader_user, "bureau") == {"all": (9, 4, 1, Decimal("44.4"))}


def test_the_rate_is_scoped_to_what_the_actor_sees(october, chief):
    assert rows(chief, "bureau") == {"all": (8, 3, 1, Decimal("37.5"))}


def test_a_later_period_end_counts_what_was_resolved_since(october, leader_user):
    # Up to 5 November: H's agreement of 3 November now counts; nothing was registered in November.
    assert rows(leader_user, "bureau", date(YEAR, 11, 5)) == {"all": (9, 5, 1, Decimal("55.6"))}
