"""The pages, through the full request stack: who may open what, forms, errors in Chinese."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jingwu.audit.models import AuditEntry
from jingwu.core.demo_data import check_digit
from jingwu.org.models import Unit, User
from jingwu.people.models import Person

pytestmark = pytest.mark.django_db

# Status of each list page per role, by hand from DESIGN.md §1 (200 allowed, 403 refused).
PAGE_ACCESS = {
    "people:list": {
        "officer": 200,
        "dispatcher": 200,
        "procurator": 200,
        "leader": 200,
        "assistant": 403,
        "mediator": 403,
        "auditor": 403,
        "admin": 403,
    },
    "org:users": {"admin": 200, "leader": 403, "officer": 403, "auditor": 403},
    "audit:list": {"auditor": 200, "admin": 403, "leader": 403, "officer": 403},
    "geo:townships": {"assistant": 200, "officer": 200, "mediator": 200},
    "org:units": {"officer": 200, "admin": 200, "assistant": 403},
}


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def wuping_id(birth: str, sequence: str) -> str:
    first17 = f"350824{birth}{sequence}"
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("url_name", "username", "status"),
    [(url, user, status) for url, table in PAGE_ACCESS.items() for user, status in table.items()],
)
def test_page_access_by_role(url_name: str, username: str, status: int) -> None:
    response = client_for(username).get(reverse(url_name))
    assert response.status_code == status
    if status == 403:
        assert AuditEntry.objects.filter(actor_username=username, outcome="denied").exists()


def test_person_registered_in_the_browser_form_then_shown_masked() -> None:
    client = client_for("officer")
    number = wuping_id("20010203", "123")
    response = client.post(
        reverse("people:create"),
        {
            "name": "钟秀兰",
            "sex": "unknown",
            "id_number": number,
            "phone": "13859012345",
            "address": "武平县桃溪镇亭头村18号",
            "notes": "报警人",
        },
    )
    person = Person.objects.by_id_number(number).get()
    assert response.status_code == 302 and response.url == reverse("people:detail", args=[person.pk])
    assert person.sex == "male"  # the 17th digit, 3, is odd
    page = client.get(response.url).content.decode()
    assert "350824********" + number[-4:] in page and number not in page
    assert "138****2345" in page and "13859012345" not in page


def test_invalid_id_number_keeps_the_input_and_explains_in_chinese() -> None:
    number = wuping_id("20010203", "123")
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client_for("officer").post(
        reverse("people:create"),
        {
            "name": "钟秀兰",
            "sex": "unknown",
            "id_number": broken,
            "phone": "",
            "address": "",
            "notes": "",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "身份证号码校验位错误" in body
    assert 'value="钟秀兰"' in body  # nothing lost on bad input
    assert not Person.objects.filter(name="钟秀兰").exists()


def test_duplicate_id_number_links_to_the_existing_person() -> None:
    existing = Person.objects.exclude(id_number=None).filter(unit__code="wp-ps-350824105").first()
    response = client_for("officer").post(
        reverse("people:create"),
        {
            "name": "另一人",
            "sex": "unknown",
            "id_number": existing.id_number,
            "phone": "",
            "address": "",
            "notes": "",
        },
    )
    assert response.status_code == 409
    assert reverse("people:detail", args=[existing.pk]) in response.content.decode()


def test_another_stations_person_is_a_404_not_a_403() -> None:
    pingchuan = Person.objects.filter(unit__code="wp-ps-350824001").first()
    client = client_for("officer")
    for url in ("people:detail", "people:edit"):
        assert client.get(reverse(url, args=[pingchuan.pk])).status_code == 404
    assert client.post(reverse("people:reveal", args=[pingchuan.pk])).status_code == 404
    assert (
        AuditEntry.objects.filter(
            actor_username="officer", outcome="denied", object_id=str(pingchuan.pk)
        ).count()
        == 3
    )


def test_joint_station_dispatcher_sees_member_stations_people_but_not_pingchuan() -> None:
    page = client_for("wubei_dispatcher").get(reverse("people:list") + "?page=1").content.decode()
    assert "桃溪派出所" in page and "平川派出所" not in page


def test_reveal_shows_full_values_and_is_audited() -> None:
    person = Person.objects.exclude(id_number=None).filter(unit__code="wp-ps-350824105").first()
    response = client_for("officer").post(reverse("people:reveal", args=[person.pk]))
    assert person.id_number in response.content.decode()
    assert AuditEntry.objects.filter(
        action="person.reveal", object_id=str(person.pk), outcome="allowed"
    ).exists()


def test_admin_creates_moves_and_deactivates_a_user_in_the_ui() -> None:
    client = client_for("admin")
    station = Unit.objects.get(code="wp-ps-350824110")  # 永平派出所
    response = client.post(
        reverse("org:user_create"),
        {
            "username": "yp_officer",
            "full_name": "练永福",
            "unit": station.pk,
            "roles": ["officer"],
            "password": "Yongping-2026-beat",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="yp_officer")
    assert user.unit == station and user.role_codes == {"officer"}
    team = Unit.objects.get(code="wp-ps-350824110-sq")
    client.post(
        reverse("org:user_edit", args=[user.pk]),
        {
            "full_name": "练永福",
            "unit": team.pk,
            "roles": ["officer", "unit_chief"],
        },
    )
    user = User.objects.get(pk=user.pk)
    assert user.unit == team and user.role_codes == {"officer", "unit_chief"}
    client.post(reverse("org:user_set_active", args=[user.pk]), {"active": "0"})
    assert User.objects.get(pk=user.pk).is_active is False
    assert (
        Client()
        .post(reverse("web:login"), {"username": "yp_officer", "password": "Yongping-2026-beat"})
        .status_code
        == 200
    )  # refused: the form is shown again
    actions = set(
        AuditEntry.objects.filter(object_id=str(user.pk), object_type="org.user").values_list(
            "action", flat=True
        )
    )
    assert {"user.create", "user.update", "user.deactivate"} <= actions


def test_weak_password_is_refused_with_the_rule_in_chinese() -> None:
    response = client_for("admin").post(
        reverse("org:user_create"),
        {
            "username": "weak",
            "full_name": "弱密码",
            "unit": Unit.objects.get(code="wp").pk,
            "roles": ["officer"],
            "password": "abcdefghij",
        },
    )
    assert response.status_code == 400
    assert "密码须同时包含字母和数字" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_places_pages_list_the_real_townships_and_villages() -> None:
    client = client_for("assistant")
    page = client.get(reverse("geo:townships")).content.decode()
    for name in ("平川街道", "桃溪镇", "湘店镇", "下坝乡"):
        assert name in page
    page = client.get(reverse("geo:township", args=["350824105000"])).content.decode()
    assert "桃溪派出所" in page and "村委会" in page


def test_units_page_shows_the_joint_stations_command() -> None:
    page = client_for("leader").get(reverse("org:units")).content.decode()
    assert "武北区域联合派出所" in page
    row = page[page.index("武北区域联合派出所") :]
    row = row[: row.index("</tr>")]
    for member in ("永平派出所", "桃溪派出所", "大禾派出所", "湘店派出所"):
        assert member in row


def test_auditor_filters_the_log_and_browsing_is_logged() -> None:
    client = client_for("auditor")
    client_for("officer").get(reverse("audit:list"))  # a denied attempt to find
    page = client.get(reverse("audit:list") + "?outcome=denied&username=officer").content.decode()
    assert "audit.view" in page
    assert AuditEntry.objects.filter(actor_username="auditor", action="audit.view").exists()


def test_english_switch_translates_the_interface() -> None:
    client = client_for("leader")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in page and "工作台" not in page


def test_admin_deactivates_an_empty_unit_but_not_one_with_active_members() -> None:
    client = client_for("admin")
    busy = Unit.objects.get(code="wp-ps-350824105-sq")  # 桃溪社区警务队: the demo officer works there
    client.post(reverse("org:unit_set_active", args=[busy.pk]), {"active": "0"})
    assert Unit.objects.get(pk=busy.pk).is_active is True
    empty = Unit.objects.create(
        code="wp-tmp", name="临时专班", kind="brigade", parent=Unit.objects.get(code="wp"), path="/wp/wp-tmp/"
    )
    client.post(reverse("org:unit_set_active", args=[empty.pk]), {"active": "0"})
    assert Unit.objects.get(pk=empty.pk).is_active is False
    assert AuditEntry.objects.filter(action="unit.deactivate", object_id=str(empty.pk)).exists()


def test_home_shows_the_officers_own_incidents_and_the_queue_of_the_scope() -> None:
    from jingwu.incidents.services import incident_create, incident_step

    officer = User.objects.get(username="officer")
    dispatcher = User.objects.get(username="wubei_dispatcher")
    incident = incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code="350824105201",
        category="dispute",
        subcategory="neighbour",
        narrative="邻居因排水沟堵塞发生争吵。",
    ).incident
    incident_step(actor=dispatcher, incident_id=incident.pk, kind="dispatched", officer_ids=[officer.pk])
    page = client_for("officer").get(reverse("web:home")).content.decode()
    mine = page[page.index("我的处警任务") : page.index("辖区待处理警情")]
    assert incident.number in mine
    assert incident.number not in client_for("pingchuan_officer").get(reverse("web:home")).content.decode()
