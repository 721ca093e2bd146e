"""The ecology demo loads on the test bureau and shows what the issue asks for."""

from __future__ import annotations

import random

import pytest

from jingwu.ecology import demo
from jingwu.ecology.choices import TransferState
from jingwu.ecology.models import Campaign, Finding, ForestTransfer
from jingwu.ecology.selectors import campaign_tally, transfer_state, zone_rows

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_overdue_zone_an_incident_and_two_decided_transfers(users) -> None:
    assert demo.load(random.Random(7)) > 20
    rows = zone_rows(actor=users.leader)
    assert [r.zone.code for r in rows if r.due.overdue] == ["LQ-TX-01"]
    assert all(len(r.chiefs) == 3 for r in rows)
    converted = Finding.objects.get(incident__isnull=False)
    assert converted.incident.subcategory == "illegal_logging"
    assert converted.incident.village.parent.name == "大禾镇"
    states = {t.letter_number: (transfer_state(t), t.case.status) for t in ForestTransfer.objects.all()}
    assert states == {
        "武林移〔2026〕7号": (TransferState.NOTIFIED, "filed"),
        "武林移〔2026〕9号": (TransferState.NOTIFIED, "not_filed"),
    }
    campaign = Campaign.objects.get(name__contains="守青山")
    tally = campaign_tally(actor=users.leader, campaign=campaign)
    assert tally.total.cases >= 2 and tally.total.incidents >= 1
    assert demo.load(random.Random(7)) == 0  # idempotent
