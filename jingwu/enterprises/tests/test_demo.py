"""The demo loads through the services: enterprises in six townships with liaison officers, visits and
requests, and two bulletins whose deliveries show every state the outbox gives them."""

from __future__ import annotations

import random

import pytest

from jingwu.enterprises import demo, selectors
from jingwu.enterprises.models import Bulletin, BulletinDelivery, Enterprise, EnterpriseRequest, LiaisonVisit
from jingwu.enterprises.uscc import normalise_uscc

pytestmark = pytest.mark.django_db


def test_the_demo(user_of) -> None:
    assert demo.load(random.Random(350824)) >= 17
    assert demo.load(random.Random(350824)) == 0  # once only
    enterprises = Enterprise.objects.all()
    assert enterprises.count() == 17 and all(normalise_uscc(e.uscc) == e.uscc for e in enterprises)
    assert not enterprises.filter(liaison__isnull=True).exists()
    assert set(enterprises.values_list("township__name", flat=True)) == {
        "平川街道",
        "中山镇",
        "岩前镇",
        "十方镇",
        "城厢镇",
        "桃溪镇",
    }
    assert LiaisonVisit.objects.count() >= 17
    assert set(EnterpriseRequest.objects.values_list("status", flat=True)) == {"open", "handled"}
    leader = user_of("leader")
    fraud, contract = Bulletin.objects.order_by("id")
    fraud_states = {d.state for d in selectors.deliveries(actor=leader, bulletin=fraud)}
    assert fraud_states == {"sent", "acknowledged"}
    assert BulletinDelivery.objects.filter(bulletin=fraud, messages_queued=2).count() == 1
    contract_states = {d.state for d in selectors.deliveries(actor=leader, bulletin=contract)}
    assert contract_states == {"retrying", "acknowledged"}
    # The station officer sees his own enterprises and the fraud bulletin reached them.
    officer = user_of("officer")
    mine = selectors.enterprise_list(actor=officer)
    assert set(mine.values_list("township__name", flat=True)) == {"桃溪镇"} and mine.count() == 2
    assert selectors.deliveries(actor=officer, bulletin=fraud).count() == 2
