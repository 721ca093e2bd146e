"""The community pages: each opens for the station, forms post through the services, refusals come back
on the page with their Chinese message; the menu shows 社区警务 to the station and 网格工作 to assistants."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from jingwu.community import services
from jingwu.community.models import InfoReport
from jingwu.community.services import ConcernInput
from jingwu.web.navigation import menu_for


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_menus(chief, officer, assistant, user_of) -> None:
    assert {"community"} <= {e["key"] for e in menu_for(chief)}
    assert "gridwork" not in {e["key"] for e in menu_for(officer)}
    keys = {e["key"] for e in menu_for(assistant)}
    assert "gridwork" in keys and "community" not in keys and "cases" not in keys
    assert "community" not in {e["key"] for e in menu_for(user_of("dispatcher"))}


def test_the_station_pages_open(chief, assistant, assigned, officer, taoxi) -> None:
    info = services.report_submit(
        actor=assistant, category="other", title="收旧手机", content="外地人收旧手机"
    )
    meeting = services.meeting_record(
        actor=officer,
        village_id=taoxi.pk,
        held_on=timezone.localdate(),
        place="村部",
        attendees="村民",
        concerns=[ConcernInput("路灯")],
    )
    client = client_of(chief)
    year = timezone.localdate().year
    for url in (
        "/community/",
        f"/community/villages/{taoxi.pk}/",
        "/community/reports/",
        f"/community/reports/{info.pk}/",
        "/community/hazards/",
        "/community/performance/",
        f"/community/performance/staff/{assistant.community_staff.pk}/",
        "/community/sixno/",
        f"/community/sixno/{taoxi.pk}/{year}/",
        "/community/meetings/",
        "/community/meetings/new/",
        f"/community/meetings/{meeting.pk}/",
        "/community/tasks/?overdue=1",
        "/",
    ):
        assert client.get(url).status_code == 200, url
    board = client.get("/community/").content.decode()
    assert "桃溪村委会" in board and "未配备" in board


def test_the_chief_assigns_from_the_village_page(chief, officer, taoxi) -> None:
    client = client_of(chief)
    response = client.post(
        f"/community/villages/{taoxi.pk}/assign/",
        {"kind": "officer", "user": officer.pk, "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    page = client.get(f"/community/villages/{taoxi.pk}/").content.decode()
    assert "李志强" in page


def test_the_chiefs_home_lists_villages_without_assistant(chief) -> None:
    page = client_of(chief).get("/").content.decode()
    assert "未配齐网格责任人的村（社区）" in page and "缺警务助理" in page


def test_the_assistants_home_shows_todays_log_and_open_hazards(assistant, assigned) -> None:
    services.hazard_report(actor=assistant, category="forest_fire", place="后山", description="防火通道堵塞")
    page = client_of(assistant).get("/").content.decode()
    assert "今天还没有填写日志" in page and "防火通道" not in page  # the place is shown, not the description
    assert "后山" in page


def test_the_assistant_records_through_the_phone_forms(assistant, assigned) -> None:
    client = client_of(assistant)
    response = client.post(
        "/community/grid/report/", {"category": "fraud", "title": "冒充客服", "content": "有人来电"}
    )
    assert response.status_code == 302
    assert InfoReport.objects.filter(title="冒充客服", staff__user=assistant).exists()
    refused = client.post("/community/grid/visit/", {"place": "3组", "summary": "走访"})
    assert refused.status_code == 400
    assert client.get("/community/grid/unknown/").status_code == 404


def test_converting_a_report_from_its_page(assistant, assigned, officer) -> None:
    info = services.report_submit(actor=assistant, category="public_order", title="聚赌", content="空房聚赌")
    client = client_of(officer)
    response = client.post(
        f"/community/reports/{info.pk}/incident/", {"kind": "public_order/gambling", "priority": "2"}
    )
    assert response.status_code == 302
    info.refresh_from_db()
    assert info.incident is not None
    assert info.incident.number in client.get(f"/community/reports/{info.pk}/").content.decode()
    again = client.post(
        f"/community/reports/{info.pk}/dispute/",
        {"kind": "neighbour", "party_0_name": "甲", "party_1_name": "乙"},
    )
    assert again.status_code == 409


def test_the_six_no_form_shows_the_justification_rule(chief, user_of, xincai) -> None:
    from jingwu.incidents.services import incident_create

    incident_create(
        actor=user_of("wubei_dispatcher"),
        source="phone_110",
        village_code=xincai.code,
        category="criminal",
        subcategory="telecom_fraud",
        narrative="电诈窝点举报",
    )
    year = timezone.localdate().year
    client = client_of(chief)
    page = client.get(f"/community/sixno/{xincai.pk}/{year}/").content.decode()
    assert "电信网络诈骗" in page
    data = {
        f"{k}_verdict": "pass"
        for k in (
            "no_fraud_den",
            "no_drugs",
            "no_homicide",
            "no_major_crime",
            "no_major_accident",
            "no_mass_incident",
        )
    }
    refused = client.post(f"/community/sixno/{xincai.pk}/{year}/", {**data, "conclude": "on"})
    assert refused.status_code == 400
    assert "须填写说明理由" in refused.content.decode()
    accepted = client.post(
        f"/community/sixno/{xincai.pk}/{year}/",
        {**data, "no_fraud_den_justification": "受害人为本村村民，窝点不在本村", "conclude": "on"},
    )
    assert accepted.status_code == 302


@pytest.mark.parametrize("username", ["dispatcher", "mediator", "auditor", "procurator"])
def test_no_access_for_other_roles(username, user_of) -> None:
    client = client_of(user_of(username))
    assert client.get("/community/").status_code == 403
    assert client.get("/community/grid/").status_code == 403
