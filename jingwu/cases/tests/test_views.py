"""The case pages through Django's test client: who may open them, acceptance (also from an incident),
review and assignment with optimistic locking, the next-action buttons, gates and their messages,
approvals, parties, measures, party events and deliberations. Cases are built through the services."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jingwu.access.policy import has_capability
from jingwu.audit.models import AuditEntry
from jingwu.cases import services
from jingwu.cases.models import Case, CaseParty, Deliberation, Measure
from jingwu.cases.workflow import workflow
from jingwu.incidents.models import Incident
from jingwu.incidents.tests.conftest import close, minutes_ago, record, roster
from jingwu.org.models import User
from jingwu.people.models import Person
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db

THEFT = "C-216"  # 盗窃罪
INJURY = "C-175"  # 故意伤害罪
CASE_ROLES = ("officer", "chief", "legal_officer", "legal_affairs", "leader", "procurator")
NO_CASE_ROLES = ("assistant", "mediator", "auditor")


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def accept(username: str = "officer", kind: str = "criminal", **extra) -> Case:
    return services.case_accept(
        actor=user(username),
        kind=kind,
        title=extra.pop("title", "桃溪村耕牛被盗案"),
        facts=extra.pop("facts", "村民报称夜间耕牛一头被盗。"),
        source=extra.pop("source", "walk_in"),
        **extra,
    )


def assign(case: Case, *, is_major: bool = False, offence: str = THEFT, lead: str = "officer") -> Case:
    return services.case_assign(
        actor=user("legal_officer"),
        case_id=case.pk,
        version=case.version,
        kind=case.kind,
        offence_code=offence if case.kind == "criminal" else "A-beating",
        is_major=is_major,
        lead_officer_id=user(lead).pk,
    )


def filed(case: Case) -> Case:
    """Through the filing approval: the reviewer asks, the station chief agrees."""
    approval = services.case_request(actor=user("legal_officer"), case_id=case.pk, transition="file")
    services.approval_decide(actor=user("chief"), approval_id=approval.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == "filed"
    return case


def taoxi_person() -> Person:
    return (
        Person.objects.filter(unit__code__startswith="wp-ps-350824105", id_number__isnull=False)
        .order_by("pk")
        .first()
    )


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def buttons(html: str) -> list[str]:
    return re.findall(r'data-transition="([a-z_]+)"', html)


# --- who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", CASE_ROLES)
def test_case_pages_open_for_case_roles(username: str) -> None:
    case = accept()
    client = client_for(username)
    listing = client.get(reverse("cases:list"), {"tab": "all"})
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    page = client.get(detail(case))
    assert page.status_code == 200
    assert case.title in page.content.decode()
    assert AuditEntry.objects.filter(
        actor_username=username, action="case.view", object_id=str(case.pk), outcome="allowed"
    ).exists()


@pytest.mark.parametrize("username", NO_CASE_ROLES)
def test_case_pages_are_forbidden_to_roles_without_cases(username: str) -> None:
    case = accept()
    client = client_for(username)
    assert client.get(reverse("cases:list")).status_code == 403
    assert client.get(detail(case)).status_code == 403
    assert client.get(reverse("cases:create")).status_code == 403
    assert client.get(reverse("cases:approvals")).status_code == 403
    assert client.post(reverse("cases:party_add", args=[case.pk]), {"query": "x"}).status_code == 403


def test_another_stations_case_is_not_found() -> None:
    pingchuan = accept("pingchuan_officer", title="平川街道电动车被盗案")
    client = client_for("officer")
    assert client.get(detail(pingchuan)).status_code == 404
    assert pingchuan.number not in client.get(reverse("cases:list"), {"tab": "all"}).content.decode()
    response = client.post(reverse("cases:transition", args=[pingchuan.pk, "withdraw"]), {"reason": "x"})
    assert response.status_code == 404


def test_procurator_reads_criminal_cases_only() -> None:
    criminal = accept()
    administrative = accept(kind="administrative", title="桃溪村殴打他人案")
    client = client_for("procurator")
    page = client.get(detail(criminal))
    assert page.status_code == 200
    assert buttons(page.content.decode()) == []
    assert 'data-testid="party-form"' not in page.content.decode()
    assert client.get(detail(administrative)).status_code == 404
    listing = client.get(reverse("cases:list")).content.decode()
    assert criminal.number in listing and administrative.number not in listing


def related_links(html: str) -> list[str]:
    block = re.search(r'data-testid="related-links">(.*?)</p>', html, re.S)
    return re.findall(r'href="([^"]+)"', block.group(1)) if block else []


def test_the_case_page_links_to_the_cases_property_custody_and_notices_by_role() -> None:
    case = assign(accept(), lead="officer")
    officer_links = related_links(client_for("officer").get(detail(case)).content.decode())
    assert f"{reverse('property:register')}?case={case.pk}" in officer_links
    assert any(link.startswith(reverse("custody:history")) for link in officer_links)
    procurator_links = related_links(client_for("procurator").get(detail(case)).content.decode())
    assert f"{reverse('supervision:notices')}?case={case.pk}" in procurator_links
    # A procurator reads property but never registers it; nor does an officer not on the case.
    assert not any(link.startswith(reverse("property:register")) for link in procurator_links)
    wubei_links = related_links(client_for("wubei_officer").get(detail(case)).content.decode())
    assert wubei_links and not any(link.startswith(reverse("property:register")) for link in wubei_links)
    # Each link opens for the user who is shown it.
    for link in officer_links:
        assert client_for("officer").get(link.replace("&amp;", "&")).status_code == 200


def test_list_tabs_filter_the_cases() -> None:
    queued = accept(title="待审查的盗窃案")
    mine = assign(accept(title="由我承办的伤害案"), offence=INJURY)
    client = client_for("legal_officer")
    queue = client.get(reverse("cases:list"), {"tab": "queue"}).content.decode()
    assert queued.number in queue and mine.number in queue  # both still accepted
    assert 'data-tab="mine"' not in queue  # the legal officer handles no cases
    officer = client_for("officer")
    own = officer.get(reverse("cases:list"), {"tab": "mine"}).content.decode()
    assert mine.number in own and queued.number not in own
    found = officer.get(reverse("cases:list"), {"tab": "all", "text": "伤害"}).content.decode()
    assert mine.number in found and queued.number not in found
    by_kind = officer.get(reverse("cases:list"), {"tab": "all", "kind": "administrative"}).content.decode()
    assert mine.number not in by_kind


# --- acceptance ----------------------------------------------------------------------------------


def test_accept_form_end_to_end() -> None:
    client = client_for("officer")
    assert client.get(reverse("cases:create")).status_code == 200
    before = Case.objects.count()
    response = client.post(
        reverse("cases:create"),
        {
            "kind": "criminal",
            "title": "亭头村摩托车被盗案",
            "facts": "村民钟某报称停放在家门口的摩托车被盗。",
            "source": "walk_in",
            "station": "",
            "offence_code": THEFT,
            "accepted_at": "",
        },
    )
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert Case.objects.count() == before + 1
    assert response["Location"] == detail(case)
    assert (case.kind, case.offence, case.station.code, case.reviewing_unit.code) == (
        "criminal",
        "盗窃罪",
        "wp-ps-350824105",
        "wp-wb-aj",
    )
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "已受案（待审查）" in page


def test_a_bad_accept_form_keeps_the_input_and_says_why() -> None:
    before = Case.objects.count()
    response = client_for("officer").post(
        reverse("cases:create"),
        {"kind": "criminal", "title": "仅有名称的案件", "facts": "", "source": "transfer"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "仅有名称的案件" in html
    assert "这个字段是必填项" in html or "请填写简要案情" in html
    assert Case.objects.count() == before


def test_offence_options_follow_the_kind() -> None:
    client = client_for("officer")
    criminal = client.get(reverse("cases:offences"), {"kind": "criminal"}).content.decode()
    administrative = client.get(reverse("cases:offences"), {"kind": "administrative"}).content.decode()
    assert "盗窃罪" in criminal and "殴打他人" not in criminal
    assert "殴打他人" in administrative and "盗窃罪" not in administrative


def test_an_incident_turned_into_a_case() -> None:
    dispatcher = user("dispatcher")
    incident = record(dispatcher, received_at=minutes_ago(30), category="criminal", subcategory="theft")
    close(incident, dispatcher, roster("wp-ps-350824105-sq"))
    Incident.objects.filter(pk=incident.pk).update(disposition="criminal_case")
    client = client_for("officer")
    incident_page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f"{reverse('cases:create')}?incident={incident.pk}" in incident_page

    form = client.get(reverse("cases:create"), {"incident": incident.pk})
    assert form.status_code == 200
    html = form.content.decode()
    assert "桃溪村盗窃案" in html
    assert incident.narrative in html
    assert re.search(r'value="criminal"[^>]*checked', html)
    response = client.post(
        reverse("cases:create"),
        {
            "kind": "criminal",
            "title": "桃溪村盗窃案",
            "facts": incident.narrative,
            "source": "incident",
            "incident": str(incident.pk),
        },
    )
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert case.incident_id == incident.pk
    incident_page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert detail(case) in incident_page
    assert "转为案件" not in incident_page


def _incident_for_a_case() -> Incident:
    dispatcher = user("dispatcher")
    incident = record(dispatcher, received_at=minutes_ago(30), category="criminal", subcategory="theft")
    close(incident, dispatcher, roster("wp-ps-350824105-sq"))
    Incident.objects.filter(pk=incident.pk).update(disposition="criminal_case")
    return incident


def _accept_post(incident: Incident) -> dict[str, str]:
    return {
        "kind": "criminal",
        "title": "桃溪村盗窃案",
        "facts": incident.narrative,
        "source": "incident",
        "incident": str(incident.pk),
    }


def test_the_form_of_an_incident_already_turned_into_a_case_leads_to_the_case() -> None:
    incident = _incident_for_a_case()
    case = accept(incident_id=incident.pk, source="incident")
    response = client_for("officer").get(reverse("cases:create"), {"incident": incident.pk})
    assert response.status_code == 302 and response["Location"] == detail(case)


def test_an_incident_cannot_be_turned_into_two_cases() -> None:
    incident = _incident_for_a_case()
    client = client_for("officer")
    assert client.post(reverse("cases:create"), _accept_post(incident)).status_code == 302
    first = Case.objects.get(incident=incident)
    again = client.post(reverse("cases:create"), _accept_post(incident))
    assert again.status_code == 409
    assert Case.objects.filter(incident=incident).count() == 1
    incident.refresh_from_db()
    assert incident.linked_case_id == first.pk


def test_an_incident_of_another_station_cannot_be_turned_into_a_case() -> None:
    from jingwu.incidents.tests.conftest import PINGCHUAN_VILLAGE

    incident = record(user("dispatcher"), PINGCHUAN_VILLAGE, received_at=minutes_ago(5))
    assert client_for("officer").get(reverse("cases:create"), {"incident": incident.pk}).status_code == 404


# --- review and assignment -----------------------------------------------------------------------


def test_review_form_assigns_the_case() -> None:
    case = accept()
    client = client_for("legal_officer")
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="assign-form"' in page
    assert f'name="version" value="{case.version}"' in page
    helper = roster("wp-wb-aj")
    response = client.post(
        reverse("cases:assign", args=[case.pk]),
        {
            "version": case.version,
            "kind": "criminal",
            "offence_code": THEFT,
            "is_major": "on",
            "lead_officer": user("officer").pk,
            "officers": [helper.pk],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.offence, case.is_major, case.lead_officer.username) == ("盗窃罪", True, "officer")
    assert list(case.officers.all()) == [helper]
    # The officer does not review: no assign form for him.
    assert 'data-testid="assign-form"' not in client_for("officer").get(detail(case)).content.decode()


def test_a_stale_version_shows_the_conflict_message() -> None:
    case = accept()
    seen = case.version
    assign(case)  # someone else saved first
    response = client_for("legal_officer").post(
        reverse("cases:assign", args=[case.pk]),
        {
            "version": seen,
            "kind": "criminal",
            "offence_code": INJURY,
            "lead_officer": user("officer").pk,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "该案件已被他人修改，请刷新后重试" in html
    case.refresh_from_db()
    assert case.offence == "盗窃罪"


def test_an_offence_of_the_other_kind_is_refused_on_the_form() -> None:
    case = accept()
    response = client_for("legal_officer").post(
        reverse("cases:assign", args=[case.pk]),
        {"version": case.version, "kind": "criminal", "offence_code": "A-beating", "lead_officer": ""},
    )
    assert response.status_code == 400


# --- next actions, gates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("legal_officer", "accepted"),
        ("officer", "accepted"),
        ("chief", "accepted"),
        ("officer", "filed"),
        ("legal_officer", "filed"),
        ("leader", "filed"),
    ],
)
def test_the_buttons_are_the_workflows_transitions_for_the_status(username: str, status: str) -> None:
    case = accept()
    if status == "filed":
        case = filed(assign(case))
    actor = user(username)
    expected = [t.name for t in workflow().available(status, "criminal") if has_capability(actor, t.action)]
    html = client_for(username).get(detail(case)).content.decode()
    assert buttons(html) == expected
    for name in expected:
        if "reason" in workflow().transition(name).requires:
            block = html[html.index(f'data-transition="{name}"') :].split("</form>")[0]
            assert 'name="reason"' in block


def test_a_terminal_case_has_no_buttons() -> None:
    case = accept()
    approval = services.case_request(
        actor=user("legal_officer"), case_id=case.pk, transition="decline", reason="不构成犯罪"
    )
    services.approval_decide(actor=user("chief"), approval_id=approval.pk, decision="approve")
    html = client_for("legal_officer").get(detail(case)).content.decode()
    assert buttons(html) == []
    assert "不予立案" in html and "不构成犯罪" in html


def test_filing_before_assignment_shows_the_missing_gate() -> None:
    case = accept()
    response = client_for("legal_officer").post(reverse("cases:transition", args=[case.pk, "file"]))
    assert response.status_code == 409
    assert "请先完成审查指派（案由、主办民警）" in response.content.decode()
    assert not case.approvals.exists()


def test_a_major_case_cannot_be_transferred_before_its_deliberation() -> None:
    case = filed(assign(accept(), is_major=True))
    response = client_for("officer").post(
        reverse("cases:transition", args=[case.pk, "transfer_for_prosecution"])
    )
    assert response.status_code == 409
    assert "重大疑难复杂案件须经集体议案通过后方可“移送审查起诉”" in response.content.decode()


def test_a_transition_that_needs_a_reason_says_so_and_keeps_nothing_half_done() -> None:
    case = accept()
    response = client_for("legal_officer").post(
        reverse("cases:transition", args=[case.pk, "decline"]), {"reason": "  "}
    )
    assert response.status_code == 400
    assert "“不予立案”须说明理由" in response.content.decode()
    assert not case.approvals.exists()


def test_requesting_a_transition_twice_is_a_conflict() -> None:
    case = assign(accept())
    client = client_for("legal_officer")
    first = client.post(reverse("cases:transition", args=[case.pk, "file"]))
    assert first.status_code == 302
    page = client.get(detail(case)).content.decode()
    assert "审批中" in page
    again = client.post(reverse("cases:transition", args=[case.pk, "file"]))
    assert again.status_code == 409
    assert "“立案”已在审批中" in again.content.decode()


def test_an_unknown_transition_is_not_found() -> None:
    case = accept()
    assert (
        client_for("legal_officer").post(reverse("cases:transition", args=[case.pk, "fly"])).status_code
        == 404
    )


# --- approvals -----------------------------------------------------------------------------------


def test_inbox_approve_runs_the_transition() -> None:
    case = assign(accept())
    client_for("legal_officer").post(reverse("cases:transition", args=[case.pk, "file"]))
    approval = case.approvals.get()
    chief = client_for("chief")
    inbox = chief.get(reverse("cases:approvals")).content.decode()
    assert case.number in inbox and "待办案单位负责人审批" in inbox
    # Not waiting for the legal officer.
    assert (
        f'data-case="{case.number}"'
        not in client_for("legal_officer").get(reverse("cases:approvals")).content.decode()
    )
    response = chief.post(reverse("cases:decide", args=[approval.pk]), {"decision": "approve"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "filed"
    assert f'data-case="{case.number}"' not in chief.get(reverse("cases:approvals")).content.decode()
    page = client_for("officer").get(detail(case)).content.decode()
    assert "已立案（办理中）" in page and 'data-event="case_filed"' in page


def test_returning_needs_an_opinion() -> None:
    case = assign(accept())
    approval = services.case_request(actor=user("legal_officer"), case_id=case.pk, transition="file")
    chief = client_for("chief")
    response = chief.post(reverse("cases:decide", args=[approval.pk]), {"decision": "return", "opinion": ""})
    assert response.status_code == 400
    assert "退回须写明审核意见" in response.content.decode()
    response = chief.post(
        reverse("cases:decide", args=[approval.pk]),
        {"decision": "return", "opinion": "证据不足，补充报案材料", "origin": "case"},
    )
    assert response.status_code == 302 and response["Location"] == detail(case)
    approval.refresh_from_db()
    assert approval.status == "returned"
    page = chief.get(detail(case)).content.decode()
    assert "证据不足，补充报案材料" in page and "已退回" in page


def test_an_approval_decided_by_someone_else_first_is_a_conflict() -> None:
    case = assign(accept())
    approval = services.case_request(actor=user("legal_officer"), case_id=case.pk, transition="file")
    services.approval_decide(actor=user("chief"), approval_id=approval.pk, decision="approve")
    response = client_for("chief").post(reverse("cases:decide", args=[approval.pk]), {"decision": "approve"})
    assert response.status_code == 409
    assert "该审批事项已办结" in response.content.decode()


# --- parties, measures, events -------------------------------------------------------------------


def test_adding_a_party_by_id_number() -> None:
    case = filed(assign(accept()))
    person = taoxi_person()
    client = client_for("officer")
    response = client.post(
        reverse("cases:party_add", args=[case.pk]), {"query": person.id_number, "role": "suspect"}
    )
    assert response.status_code == 302
    assert CaseParty.objects.filter(case=case, person=person, role="suspect").exists()
    page = client.get(detail(case)).content.decode()
    assert person.name in page and person.id_number not in page


def test_a_name_found_several_times_offers_a_choice() -> None:
    case = accept()
    person = taoxi_person()
    twin = Person.objects.create(
        name=person.name, unit=person.unit, created_by=user("officer"), address="武平县桃溪镇同名村1号"
    )
    client = client_for("officer")
    response = client.post(
        reverse("cases:party_add", args=[case.pk]), {"query": person.name, "role": "victim"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "找到多名人员，请选择其一" in html
    assert f'name="person" value="{person.pk}"' in html and f'name="person" value="{twin.pk}"' in html
    response = client.post(
        reverse("cases:party_add", args=[case.pk]),
        {"query": person.name, "person": twin.pk, "role": "victim"},
    )
    assert response.status_code == 302
    assert case.parties.get().person == twin
    candidates = client.get(reverse("cases:person_candidates", args=[case.pk]), {"query": person.name})
    assert f'value="{twin.pk}"' in candidates.content.decode()


def test_an_unknown_person_is_reported() -> None:
    case = accept()
    response = client_for("officer").post(
        reverse("cases:party_add", args=[case.pk]), {"query": "无此人名", "role": "witness"}
    )
    assert response.status_code == 400
    assert "未找到该人员" in response.content.decode()


def test_a_person_of_another_station_is_not_found_by_the_officer() -> None:
    case = accept()
    stranger = Person.objects.filter(unit__code__startswith="wp-ps-350824001").exclude(id_number=None).first()
    response = client_for("officer").post(
        reverse("cases:party_add", args=[case.pk]), {"query": stranger.id_number, "role": "suspect"}
    )
    assert response.status_code == 400
    assert not case.parties.exists()


def test_measure_needing_approval_and_party_events() -> None:
    case = filed(assign(accept()))
    party = services.party_add(
        actor=user("officer"), case_id=case.pk, person_id=taoxi_person().pk, role="suspect"
    )
    client = client_for("officer")
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="measure-form"' in page and 'data-testid="event-form"' in page
    response = client.post(
        reverse("cases:measure_start", args=[case.pk]),
        {"kind": "criminal_detention", "party": party.pk, "started_at": "", "note": ""},
    )
    assert response.status_code == 302
    approval = case.approvals.get(subject="measure:criminal_detention")
    assert approval.roles == ["legal_officer", "leader"]
    services.approval_decide(actor=user("legal_officer"), approval_id=approval.pk, decision="approve")
    services.approval_decide(actor=user("leader"), approval_id=approval.pk, decision="approve")
    assert Measure.objects.filter(case=case, kind="criminal_detention", ended_at=None).exists()

    # Arrest needs the procuratorate's approval first.
    response = client.post(
        reverse("cases:measure_start", args=[case.pk]), {"kind": "arrest", "party": party.pk}
    )
    assert response.status_code == 409
    assert "执行逮捕须先登记检察院批准逮捕决定" in response.content.decode()
    at = timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    for code in ("arrest_request_submitted", "arrest_approved"):
        response = client.post(
            reverse("cases:party_event", args=[case.pk]), {"code": code, "party": party.pk, "at": at}
        )
        assert response.status_code == 302
    assert LegalEvent.objects.filter(subject_id=case.pk, code="arrest_approved", person=party.key).exists()
    page = client.get(detail(case)).content.decode()
    assert 'data-event="arrest_approved"' in page


def test_ending_a_measure() -> None:
    case = filed(assign(accept()))
    party = services.party_add(
        actor=user("officer"), case_id=case.pk, person_id=taoxi_person().pk, role="suspect"
    )
    measure = services.measure_request(
        actor=user("officer"), case_id=case.pk, party_id=party.pk, kind="summons"
    )
    client = client_for("officer")
    early = timezone.localtime(minutes_ago(120)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("cases:measure_end", args=[case.pk, measure.pk]), {"ended_at": early})
    assert response.status_code == 400
    assert "结束时间不能早于开始时间" in response.content.decode()
    response = client.post(reverse("cases:measure_end", args=[case.pk, measure.pk]), {"ended_at": ""})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.ended_at is not None


def test_an_event_of_the_other_kind_is_refused() -> None:
    case = accept(kind="administrative", title="桃溪村殴打他人案")
    party = services.party_add(
        actor=user("officer"), case_id=case.pk, person_id=taoxi_person().pk, role="suspect"
    )
    response = client_for("officer").post(
        reverse("cases:party_event", args=[case.pk]), {"code": "arrest_approved", "party": party.pk}
    )
    assert response.status_code == 400


# --- deliberation --------------------------------------------------------------------------------


def _members() -> list[int]:
    return [user(name).pk for name in ("leader", "legal_affairs", "chief", "legal_officer")]


def test_leader_records_a_deliberation_and_prints_the_minutes() -> None:
    case = filed(assign(accept(), is_major=True))
    client = client_for("leader")
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="deliberation-form"' in page
    held = timezone.localtime(minutes_ago(30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("cases:deliberation_create", args=[case.pk]),
        {
            "topic": "是否移送审查起诉",
            "held_at": held,
            "participants": _members(),
            "opinions": "张振华：同意移送。\n谢文斌: 证据确实充分。",
            "decision": "同意移送审查起诉。",
            "votes_for": 4,
            "votes_against": 0,
            "votes_abstain": 0,
        },
    )
    assert response.status_code == 302
    meeting = Deliberation.objects.get(case=case)
    assert meeting.passed
    assert meeting.opinions == [
        {"name": "张振华", "opinion": "同意移送。"},
        {"name": "谢文斌", "opinion": "证据确实充分。"},
    ]
    minutes = client.get(reverse("cases:deliberation", args=[case.pk, meeting.pk]))
    assert minutes.status_code == 200
    html = minutes.content.decode()
    assert "集体议案记录" in html and "证据确实充分。" in html and "议案通过" in html
    assert "@media print" not in html  # print rules live in the stylesheet
    # The gate is met: the officer may now ask for the transfer.
    response = client_for("officer").post(
        reverse("cases:transition", args=[case.pk, "transfer_for_prosecution"])
    )
    assert response.status_code == 302
    assert case.approvals.filter(subject="transition:transfer_for_prosecution", status="pending").exists()


def test_a_deliberation_with_too_few_participants_or_bad_lines_is_refused() -> None:
    case = assign(accept(), is_major=True)
    client = client_for("leader")
    base = {
        "topic": "议题",
        "held_at": timezone.localtime(minutes_ago(5)).strftime("%Y-%m-%dT%H:%M"),
        "decision": "同意。",
        "votes_for": 2,
        "votes_against": 0,
        "votes_abstain": 0,
    }
    response = client.post(
        reverse("cases:deliberation_create", args=[case.pk]), {**base, "participants": _members()[:2]}
    )
    assert response.status_code == 400
    assert "集体议案参会人员不少于3人" in response.content.decode()
    response = client.post(
        reverse("cases:deliberation_create", args=[case.pk]),
        {**base, "participants": _members(), "opinions": "没有冒号的一行"},
    )
    assert response.status_code == 400
    assert "应为“姓名：意见”" in response.content.decode()
    assert not case.deliberations.exists()


def test_only_leaders_see_the_deliberation_form_and_only_on_major_cases() -> None:
    major = assign(accept(), is_major=True)
    minor = assign(accept(title="普通盗窃案"))
    assert 'data-testid="deliberation-form"' not in client_for("officer").get(detail(major)).content.decode()
    assert 'data-testid="deliberation-form"' not in client_for("leader").get(detail(minor)).content.decode()
    response = client_for("officer").post(reverse("cases:deliberation_create", args=[major.pk]), {})
    assert response.status_code in (400, 403)


def test_minutes_of_another_case_are_not_found() -> None:
    case = filed(assign(accept(), is_major=True))
    meeting = services.deliberation_record(
        actor=user("leader"),
        case_id=case.pk,
        topic="议题",
        held_at=minutes_ago(5),
        participant_ids=_members(),
        opinions=[],
        decision="同意",
        votes_for=3,
        votes_against=0,
    )
    other = accept(title="另一案")
    client = client_for("leader")
    assert client.get(reverse("cases:deliberation", args=[other.pk, meeting.pk])).status_code == 404


# --- menu and home -------------------------------------------------------------------------------


def test_menu_and_home_sections() -> None:
    case = assign(accept(title="首页可见的盗窃案"))
    services.case_request(actor=user("legal_officer"), case_id=case.pk, transition="file")
    officer_home = client_for("officer").get("/").content.decode()
    assert 'data-menu="cases"' in officer_home
    assert "我的案件" in officer_home and case.number in officer_home
    chief_home = client_for("chief").get("/").content.decode()
    assert "待我审批（1）" in chief_home and "立案 · " + case.number in chief_home
    assert 'data-menu="cases"' not in client_for("assistant").get("/").content.decode()
