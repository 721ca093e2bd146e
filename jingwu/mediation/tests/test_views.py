"""The dispute pages: the board for the station side and for mediators, registration from an incident,
refusals shown on the page, the agreement PDF (checked with pdftotext), and the 404s outside one's scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.core.masking import mask_id_number
from jingwu.mediation import documents, services
from jingwu.mediation.models import Dispute
from jingwu.mediation.services import PartyInput, TermInput
from tests.api.helpers import wuping_id
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
ID_NUMBER = wuping_id(731)


@pytest.fixture
def client_of(user_of):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(user_of(username))
        return client

    return make


def test_the_board_shows_rate_matrix_and_high_risk(client_of, officer, register):
    high = register(officer, description="一方扬言要拿刀砍人。")
    response = client_of("chief").get(reverse("mediation:board"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "化解率" in page and 'data-testid="open-matrix"' in page
    assert high.number in page  # the chief's high-risk list


def test_a_mediator_sees_only_their_own_list(client_of, officer, mediator, register):
    referred, other = register(officer), register(officer)
    services.dispute_route(actor=officer, dispute_id=referred.pk, route="people", mediator_id=mediator.pk)
    client = client_of("mediator")
    page = client.get(reverse("mediation:board")).content.decode()
    assert referred.number in page and other.number not in page and "化解率" not in page
    assert client.get(reverse("mediation:detail", args=[other.pk])).status_code == 404
    detail = client.get(reverse("mediation:detail", args=[referred.pk])).content.decode()
    assert 'data-testid="session-form"' in detail and 'data-testid="route-form"' not in detail


def test_registration_through_the_page(client_of, taoxi):
    client = client_of("officer")
    assert client.get(reverse("mediation:create")).status_code == 200
    response = client.post(
        reverse("mediation:create"),
        {
            "source": "walk_in",
            "kind": "land_forest",
            "village": taoxi.pk,
            "description": "两户因山林界址发生争执。",
            "party_0_role": "applicant",
            "party_0_name": "钟页甲",
            "party_1_role": "respondent",
            "party_1_name": "刘页乙",
            "party_2_role": "party",
            "party_3_role": "party",
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert dispute.kind == "land_forest" and dispute.parties.count() == 2


def test_a_refused_route_is_shown_on_the_page(client_of, officer, register):
    from jingwu.mediation.tests.test_services import admin_case

    case = admin_case(officer, "A-theft")
    dispute = register(officer)
    response = client_of("officer").post(
        reverse("mediation:route", args=[dispute.pk]), {"route": "police", "case": case.pk}
    )
    assert response.status_code == 400
    assert "不属于可以治安调解" in response.content.decode()


def test_other_stations_get_404(client_of, officer, register):
    dispute = register(officer)
    assert (
        client_of("pingchuan_officer").get(reverse("mediation:detail", args=[dispute.pk])).status_code == 404
    )
    assert client_of("auditor").get(reverse("mediation:board")).status_code == 403


def test_the_agreement_pdf_names_the_parties_with_masked_ids(client_of, officer, mediator, taoxi):
    dispute = services.dispute_create(
        actor=officer,
        source="walk_in",
        kind="land_forest",
        village_id=taoxi.pk,
        description="两户因山林界址发生争执。",
        parties=[
            PartyInput(role="applicant", name="钟文证", id_number=ID_NUMBER),
            PartyInput(role="respondent", name="刘书证", phone="13800009999"),
        ],
    )
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="people", mediator_id=mediator.pk)
    agreement = services.agreement_record(
        actor=mediator,
        dispute_id=dispute.pk,
        concluded_on=timezone.localdate(),
        terms=[
            TermInput("以老坑口山脊为界，界内杉木归申请人所有", None, None),
            TermInput(
                "被申请人补偿申请人林木损失", Decimal("3000"), timezone.localdate() + timedelta(days=30)
            ),
        ],
    )
    context = documents.agreement_context(agreement)
    assert [p["id_number"] for p in context["parties"]] == [mask_id_number(ID_NUMBER), ""]
    response = client_of("mediator").get(reverse("mediation:agreement_pdf", args=[agreement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="dispute.agreement_pdf", object_id=str(dispute.pk)).exists()
    text = pdf_text(response.content)
    assert agreement.number in text
    assert "导出人：" in text and "(mediator)" in text.replace("（", "(").replace("）", ")")  # watermark
    assert "人民调解协议书" in text and "钟文证" in text and "刘书证" in text
    assert mask_id_number(ID_NUMBER) in text and ID_NUMBER not in text
    assert "3,000.00元" in text and "司法确认" in text


def test_an_incident_disposed_as_a_dispute_links_to_registration(client_of, user_of):
    from jingwu.incidents.services import incident_create

    incident = incident_create(
        actor=user_of("dispatcher"),
        source="phone_110",
        village_code="350824105201",
        category="dispute",
        subcategory="neighbour",
        narrative="报警称邻居因宅基地滴水发生争吵。",
        caller_name="钟来电",
        caller_phone="13900002222",
    ).incident
    incident.disposition = "dispute"
    incident.save(update_fields=["disposition"])
    client = client_of("officer")
    detail = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f"/mediation/new/?incident={incident.pk}" in detail
    form = client.get(reverse("mediation:create"), {"incident": incident.pk}).content.decode()
    assert "报警称邻居因宅基地滴水发生争吵。" in form and 'value="钟来电"' in form


def test_home_sections_for_the_chief_and_the_mediator(client_of, officer, mediator, register):
    high = register(officer, description="一方扬言报复。")
    services.dispute_route(actor=officer, dispute_id=high.pk, route="people", mediator_id=mediator.pk)
    chief_home = client_of("chief").get(reverse("web:home")).content.decode()
    assert "高风险矛盾纠纷" in chief_home and high.number in chief_home
    mediator_home = client_of("mediator").get(reverse("web:home")).content.decode()
    assert "委托我调解的纠纷" in mediator_home and high.number in mediator_home
