"""The 接处警 pages through Django's test client: the live queue, intake, duplicates, detail, steps,
and 404 for a user of another station."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.incidents.models import Incident
from jingwu.incidents.tests.conftest import (
    PINGCHUAN_VILLAGE,
    TAOXI_VILLAGE,
    close,
    minutes_ago,
    record,
    roster,
)
from jingwu.org.models import User
from jingwu.people.models import Person

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
TAOXI_LABEL = "桃溪镇·桃溪村委会"  # forms.village_labels(): '<township>·<village>'


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def detail_url(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def step_url(incident: Incident, kind: str) -> str:
    return reverse("incidents:step", args=[incident.pk, kind])


def intake_post(**overrides) -> dict[str, str]:
    data = {
        "received_at": timezone.localtime(timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "source": "phone_110",
        "caller_name": "钟桂兰",
        "caller_phone": "",
        "caller_id_number": "",
        "village": TAOXI_LABEL,
        "address": "桃溪村下屋组12号",
        "kind": "dispute:neighbour",
        "priority": "1",
        "narrative": "两户村民因宅基地边界争吵，情绪激动",
    }
    data.update(overrides)
    return data


# --- the queue -------------------------------------------------------------------------------------


def test_queue_lists_visible_open_incidents(dispatcher) -> None:
    taoxi = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(3))
    pingchuan = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(2))
    done = close(record(dispatcher, received_at=minutes_ago(40)), dispatcher, roster("wp-ps-350824105-sq"))

    page = client_for("officer").get(reverse("incidents:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert taoxi.number in html
    assert pingchuan.number not in html
    assert done.number not in html

    html = client_for("dispatcher").get(reverse("incidents:list")).content.decode()
    assert taoxi.number in html and pingchuan.number in html
    assert done.number not in html


def test_queue_flags_an_overdue_incident(dispatcher) -> None:
    late = record(dispatcher, received_at=minutes_ago(4), priority=1)
    html = client_for("dispatcher").get(reverse("incidents:list")).content.decode()
    assert f'class="overdue prio-1" data-incident="{late.number}"' in html
    assert 'data-testid="overdue-count"' in html


def test_live_partial_returns_only_rows(dispatcher) -> None:
    taoxi = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(3))
    response = client_for("dispatcher").get(
        reverse("incidents:list"), {"live": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert taoxi.number in html
    assert "<tr" in html
    assert "<html" not in html and "<table" not in html and "<form" not in html


def test_live_parameter_without_htmx_gives_the_whole_page(dispatcher) -> None:
    html = client_for("dispatcher").get(reverse("incidents:list"), {"live": "1"}).content.decode()
    assert "<html" in html


def test_live_partial_keeps_closed_incidents_out_of_the_queue(dispatcher) -> None:
    done = close(record(dispatcher, received_at=minutes_ago(40)), dispatcher, roster("wp-ps-350824105-sq"))
    response = client_for("dispatcher").get(
        reverse("incidents:list"), {"live": "1"}, headers={"HX-Request": "true"}
    )
    assert done.number not in response.content.decode()


def test_a_filtered_list_shows_closed_incidents_too(dispatcher) -> None:
    done = close(record(dispatcher, received_at=minutes_ago(40)), dispatcher, roster("wp-ps-350824105-sq"))
    html = client_for("dispatcher").get(reverse("incidents:list"), {"status": "closed"}).content.decode()
    assert done.number in html


def test_queue_refused_to_a_role_without_incident_view() -> None:
    assert client_for("assistant").get(reverse("incidents:list")).status_code == 403


# --- intake ----------------------------------------------------------------------------------------


def test_intake_form_records_a_call_end_to_end() -> None:
    client = client_for("dispatcher")
    assert client.get(reverse("incidents:create")).status_code == 200
    before = Incident.objects.count()
    response = client.post(reverse("incidents:create"), intake_post(caller_phone="139 0597 1234"))
    assert response.status_code == 302
    assert Incident.objects.count() == before + 1
    incident = Incident.objects.order_by("-pk").first()
    assert response["Location"] == detail_url(incident)
    assert (incident.village.code, incident.unit.code, incident.station.code) == (
        TAOXI_VILLAGE,
        "wp-wb-zh",
        "wp-ps-350824105",
    )
    assert (incident.category, incident.subcategory, incident.priority) == ("dispute", "neighbour", 1)
    assert incident.caller.phone == "13905971234"
    assert incident.created_by.username == "dispatcher"
    page = client.get(response["Location"])
    assert incident.number in page.content.decode()


def test_intake_form_accepts_the_village_code_too() -> None:
    response = client_for("wubei_dispatcher").post(
        reverse("incidents:create"), intake_post(village=TAOXI_VILLAGE)
    )
    assert response.status_code == 302


def test_bad_intake_form_keeps_the_input_and_shows_chinese_errors() -> None:
    before = Incident.objects.count()
    response = client_for("dispatcher").post(
        reverse("incidents:create"),
        intake_post(village="桃溪镇·不存在村", narrative="", caller_name="钟桂兰"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请从列表中选择武平县的村（社区）" in html
    assert 'value="钟桂兰"' in html
    assert 'value="桃溪镇·不存在村"' in html
    assert "桃溪村下屋组12号" in html
    assert Incident.objects.count() == before


def test_a_service_refusal_is_shown_on_the_form() -> None:
    future = timezone.localtime(timezone.now() + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    before = Incident.objects.count()
    response = client_for("dispatcher").post(reverse("incidents:create"), intake_post(received_at=future))
    assert response.status_code == 400
    assert "时间不能晚于当前时间" in response.content.decode()
    assert Incident.objects.count() == before


def test_intake_form_refused_to_an_assistant() -> None:
    assert client_for("assistant").post(reverse("incidents:create"), intake_post()).status_code == 403


def test_intake_form_links_a_repeated_call(dispatcher) -> None:
    existing = record(dispatcher, received_at=minutes_ago(5))
    before = Incident.objects.count()
    response = client_for("dispatcher").post(
        reverse("incidents:create"), intake_post(link_to=str(existing.pk))
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(existing)
    assert Incident.objects.count() == before
    assert existing.steps.filter(kind="linked_call").count() == 1


# --- duplicates ------------------------------------------------------------------------------------


def test_duplicates_endpoint_finds_a_match_by_phone_and_by_village_and_kind(dispatcher) -> None:
    earlier = record(dispatcher, received_at=minutes_ago(10), caller_name="钟桂兰", caller_phone=PHONE)
    client = client_for("dispatcher")
    by_phone = client.get(reverse("incidents:duplicates"), {"caller_phone": "138-1234-5678"})
    assert by_phone.status_code == 200
    assert earlier.number in by_phone.content.decode()
    assert f'name="link_to" value="{earlier.pk}"' in by_phone.content.decode()
    by_place = client.get(reverse("incidents:duplicates"), {"village": TAOXI_LABEL, "kind": "dispute:family"})
    assert earlier.number in by_place.content.decode()
    other_kind = client.get(
        reverse("incidents:duplicates"), {"village": TAOXI_LABEL, "kind": "traffic:accident"}
    )
    assert earlier.number not in other_kind.content.decode()


def test_duplicates_endpoint_hides_incidents_outside_the_scope(dispatcher) -> None:
    earlier = record(dispatcher, PINGCHUAN_VILLAGE, received_at=minutes_ago(10), caller_phone=PHONE)
    response = client_for("officer").get(reverse("incidents:duplicates"), {"caller_phone": PHONE})
    assert response.status_code == 200
    assert earlier.number not in response.content.decode()


# --- detail and steps ------------------------------------------------------------------------------


def test_detail_shows_the_timeline_and_the_masked_phone(dispatcher) -> None:
    assert not Person.objects.by_phone(PHONE).exists()
    incident = record(dispatcher, received_at=minutes_ago(10), caller_name="钟桂兰", caller_phone=PHONE)
    response = client_for("officer").get(detail_url(incident))
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****5678" in html
    assert PHONE not in html
    assert 'data-testid="timeline"' in html
    assert 'data-step="received"' in html
    assert "桃溪村委会" in html
    assert AuditEntry.objects.filter(
        actor_username="officer", action="incident.view", object_id=str(incident.pk), outcome="allowed"
    ).exists()


def test_step_post_advances_the_status(dispatcher) -> None:
    incident = record(dispatcher, received_at=minutes_ago(10))
    responder = roster("wp-ps-350824105-sq")
    client = client_for("wubei_dispatcher")
    response = client.post(step_url(incident, "dispatched"), {"officers": [str(responder.pk)], "at": ""})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "dispatched"
    assert list(incident.officers.all()) == [responder]
    response = client_for("officer").post(step_url(incident, "arrived"), {"at": ""})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "arrived"
    html = client.get(detail_url(incident)).content.decode()
    assert 'data-step="dispatched"' in html and 'data-step="arrived"' in html


def test_step_post_out_of_order_is_400(dispatcher) -> None:
    incident = record(dispatcher, received_at=minutes_ago(10))
    response = client_for("officer").post(step_url(incident, "arrived"), {"at": ""})
    assert response.status_code == 400
    # The reason, not a generic failure: arrival cannot follow a call that was never dispatched.
    assert "不能执行“到场”" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "received"
    assert incident.steps.count() == 1


def test_a_stale_step_on_a_closed_incident_tells_why(dispatcher) -> None:
    incident = close(
        record(dispatcher, received_at=minutes_ago(30)), dispatcher, roster("wp-ps-350824105-sq")
    )
    response = client_for("dispatcher").post(step_url(incident, "note"), {"note": "补充说明"})
    assert response.status_code == 400
    assert "警情已结束" in response.content.decode()


def test_handled_without_disposition_is_400(dispatcher) -> None:
    incident = record(dispatcher, received_at=minutes_ago(10))
    client = client_for("dispatcher")
    client.post(step_url(incident, "dispatched"), {"officers": [str(roster("wp-ps-350824105-sq").pk)]})
    client.post(step_url(incident, "arrived"), {})
    response = client.post(step_url(incident, "handled"), {"disposition": ""})
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status == "arrived"


def test_a_user_of_another_station_gets_404_on_detail_and_step(dispatcher) -> None:
    incident = record(dispatcher, TAOXI_VILLAGE, received_at=minutes_ago(10))
    client = client_for("pingchuan_officer")
    assert client.get(detail_url(incident)).status_code == 404
    assert client.post(step_url(incident, "note"), {"note": "看看"}).status_code == 404
    assert client.post(step_url(incident, "arrived"), {}).status_code == 404
    incident.refresh_from_db()
    assert incident.status == "received"
    assert incident.steps.count() == 1
    assert AuditEntry.objects.filter(
        actor_username="pingchuan_officer",
        action="incident.view",
        outcome="denied",
        object_id=str(incident.pk),
    ).exists()
