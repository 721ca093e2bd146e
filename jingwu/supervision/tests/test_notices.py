"""Supervision notices (执法监督通知书) and procurators' opinions (检察监督意见): issue → respond → reopen →
respond → accept, numbering per kind and year, each refusal with its Chinese reason, who sees what,
the pages and the API.

Demo accounts: `legal_affairs` (法制大队) issues notices; `procurator` issues opinions on criminal cases;
`chief` (桃溪派出所) and the case's lead officer `officer` respond for 桃溪; `wubei_officer` sees 桃溪's
cases (武北 commands 桃溪) but answers for none of them; `pingchuan_officer` is of another station.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.cases import services as case_services
from jingwu.core.errors import Conflict, ServiceError
from jingwu.notifications.models import Notification
from jingwu.supervision import services
from jingwu.supervision.models import NoticeStatus, SupervisionNotice
from jingwu.supervision.selectors import notices_for
from jingwu.supervision.services import NotAllowed, deadlines_sweep
from jingwu.supervision.tests.test_deadlines import (
    days_ago,
    deadlines_of,
    detain,
    filed_case,
)
from tests.api.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, on_commit):
    """A criminal case of 桃溪, led by `officer`, handled by 桃溪派出所."""
    return filed_case(users, on_commit, accepted_at=days_ago(2, 8))


@pytest.fixture
def admin_case(users):
    return case_services.case_accept(
        actor=users.officer,
        kind="administrative",
        title="桃溪村民纠纷殴打案",
        facts="两村民因宅基地纠纷互殴",
        source="walk_in",
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and its on-commit callbacks (the notifications), as a real commit would."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


def in_a_week():
    return timezone.localdate() + timedelta(days=7)


def issue(actor, case, **extra):
    values = {
        "actor": actor,
        "case_id": case.pk,
        "kind": "notice",
        "defect": "missing_document",
        "description": "卷内缺少拘留通知书存根",
        "rectify_by": in_a_week(),
        **extra,
    }
    return services.notice_issue(**values)


def inbox(username: str, notice: SupervisionNotice) -> list[str]:
    return list(
        Notification.objects.filter(
            recipient__username=username, url=f"/supervision/notices/{notice.pk}/"
        ).values_list("kind", flat=True)
    )


# --- the cycle --------------------------------------------------------------------------------------------


def test_issue_respond_reopen_respond_accept(users, case, run) -> None:
    notice = run(issue, actor=users.legal_affairs, case=case, requirement="补齐文书并说明原因")
    year = timezone.localtime().year
    assert re.fullmatch(rf"武公法监〔{year}〕\d+号", notice.number)
    assert (notice.status, notice.unit.code, notice.issued_by) == (
        "issued",
        "wp-ps-350824105",
        users.legal_affairs,
    )
    # The unit's chief and the case's lead officer hear of it; the issuer does not notify himself.
    assert inbox("chief", notice) == ["notice_issued"] and inbox("officer", notice) == ["notice_issued"]
    assert inbox("legal_affairs", notice) == []
    assert inbox("pingchuan_officer", notice) == []

    run(services.notice_respond, actor=users.chief, notice_id=notice.pk, text="已补齐拘留通知书存根并归档")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESPONDED and notice.responded_at is not None
    assert inbox("legal_affairs", notice) == ["notice_responded"]

    with pytest.raises(ServiceError) as refused:
        services.notice_reopen(actor=users.legal_affairs, notice_id=notice.pk, comment="  ")
    assert refused.value.message == "退回重改须写明理由"
    run(services.notice_reopen, actor=users.legal_affairs, notice_id=notice.pk, comment="存根未签名，请补签")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REOPENED and notice.accepted_at is None
    assert "notice_reopened" in inbox("officer", notice)

    run(services.notice_respond, actor=users.officer, notice_id=notice.pk, text="已由被拘留人家属补签")
    run(services.notice_accept, actor=users.legal_affairs, notice_id=notice.pk, comment="整改到位")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACCEPTED and notice.accepted_at is not None
    history = [(e.action, e.actor.username, e.text) for e in notice.entries.select_related("actor")]
    assert history == [
        ("issued", "legal_affairs", "卷内缺少拘留通知书存根"),
        ("responded", "chief", "已补齐拘留通知书存根并归档"),
        ("reopened", "legal_affairs", "存根未签名，请补签"),
        ("responded", "officer", "已由被拘留人家属补签"),
        ("accepted", "legal_affairs", "整改到位"),
    ]
    audited = set(
        AuditEntry.objects.filter(
            object_id=str(notice.pk), object_type="supervision.supervisionnotice"
        ).values_list("action", flat=True)
    )
    assert {"notice.issue", "notice.respond", "notice.reopen", "notice.accept"} <= audited
    # Accepted is final.
    with pytest.raises(Conflict):
        services.notice_respond(actor=users.chief, notice_id=notice.pk, text="再次反馈")
    with pytest.raises(Conflict):
        services.notice_reopen(actor=users.legal_affairs, notice_id=notice.pk, comment="再退回")


def test_numbers_run_per_kind_and_year(users, case) -> None:
    first = issue(users.legal_affairs, case)
    second = issue(users.legal_affairs, case, defect="wrong_legal_basis", description="适用条款错误")
    opinion = services.notice_issue(
        actor=users.procurator,
        case_id=case.pk,
        kind="procurator_opinion",
        opinion_type="correction_notice",
        defect="procedure_violation",
        description="拘留后未在二十四小时内通知家属",
        rectify_by=in_a_week(),
    )
    n = int(re.search(r"〕(\d+)号", first.number).group(1))
    assert second.number == first.number.replace(f"〕{n}号", f"〕{n + 1}号")
    assert re.fullmatch(rf"武检监〔{timezone.localtime().year}〕\d+号", opinion.number)


def test_a_procurator_raises_an_opinion_and_sees_the_response(users, case, run) -> None:
    opinion = run(
        services.notice_issue,
        actor=users.procurator,
        case_id=case.pk,
        kind="procurator_opinion",
        opinion_type="correction_notice",
        defect="procedure_violation",
        description="拘留后未在二十四小时内通知家属",
        rectify_by=in_a_week(),
    )
    run(services.notice_respond, actor=users.officer, notice_id=opinion.pk, text="已通知家属并说明情况")
    assert inbox("procurator", opinion) == ["notice_responded"]
    seen = services.visible_notice(users.procurator, opinion.pk)
    assert seen.entries.last().text == "已通知家属并说明情况"
    # Legal affairs reads it but accepting it is the procuratorate's.
    with pytest.raises(NotAllowed) as refused:
        services.notice_accept(actor=users.legal_affairs, notice_id=opinion.pk)
    assert (
        refused.value.message == "只有检察官可以验收或退回检察监督意见" and refused.value.status_code == 403
    )
    services.notice_accept(actor=users.procurator, notice_id=opinion.pk, comment="已纠正")
    assert SupervisionNotice.objects.get(pk=opinion.pk).status == "accepted"


# --- refusals ---------------------------------------------------------------------------------------------


def test_issue_refusals(users, case, admin_case) -> None:
    def field_error(**extra) -> dict[str, str]:
        with pytest.raises(ServiceError) as refused:
            issue(users.legal_affairs, case, **extra)
        return refused.value.field_errors

    assert field_error(rectify_by=timezone.localdate() - timedelta(days=1)) == {
        "rectify_by": "整改期限不能早于今天"
    }
    assert field_error(rectify_by=None) == {"rectify_by": "请填写整改期限"}
    assert field_error(description="  ") == {"description": "请写明发现的问题"}
    assert field_error(defect="bad") == {"defect": "请选择问题类型"}
    assert field_error(deadline_id=10**9) == {"deadline_id": "该期限不属于本案"}
    # Only legal affairs issues notices; only procurators opinions; officers and chiefs neither.
    for actor, kind in ((users.officer, "notice"), (users.chief, "notice"), (users.procurator, "notice")):
        with pytest.raises(PermissionDenied):
            issue(actor, case, kind=kind)
    with pytest.raises(PermissionDenied):
        issue(users.legal_affairs, case, kind="procurator_opinion", opinion_type="correction_notice")
    with pytest.raises(ServiceError) as refused:
        issue(users.procurator, case, kind="procurator_opinion")
    assert refused.value.field_errors == {"opinion_type": "请选择检察监督文书类型"}
    # A procurator does not see administrative cases at all.
    with pytest.raises(Http404):
        issue(users.procurator, admin_case, kind="procurator_opinion", opinion_type="correction_notice")
    assert not SupervisionNotice.objects.filter(case__in=[case, admin_case]).exists()


def test_a_notice_from_a_breach_and_only_once(users, on_commit, case) -> None:
    detain(users, on_commit, case, started_at=days_ago(2, 10))
    deadlines = deadlines_of(case)
    with pytest.raises(ServiceError) as refused:
        issue(users.legal_affairs, case, defect="overdue", deadline_id=deadlines["CR-005"].pk)
    assert refused.value.field_errors == {"deadline_id": "只能就已超期的期限下发通知"}
    deadlines_sweep(now=timezone.now())
    breach = deadlines_of(case)["CR-002"]
    assert breach.status == "breach"
    notice = issue(users.legal_affairs, case, defect="overdue", deadline_id=breach.pk)
    assert notice.deadline == breach
    with pytest.raises(Conflict) as refused:
        issue(users.legal_affairs, case, defect="overdue", deadline_id=breach.pk)
    assert notice.number in refused.value.message and refused.value.existing_id == notice.pk


def test_respond_and_review_refusals(users, case) -> None:
    notice = issue(users.legal_affairs, case)
    with pytest.raises(Conflict) as refused:
        services.notice_accept(actor=users.legal_affairs, notice_id=notice.pk)
    assert refused.value.message == "整改单位尚未反馈整改情况，不能验收或退回"
    with pytest.raises(ServiceError) as refused:
        services.notice_respond(actor=users.chief, notice_id=notice.pk, text=" ")
    assert refused.value.message == "请填写整改情况"
    # 武北's officer sees 桃溪's notice but answers for none of its cases.
    with pytest.raises(NotAllowed) as refused:
        services.notice_respond(actor=users.wubei_officer, notice_id=notice.pk, text="已整改")
    assert refused.value.message == "只有整改单位负责人或本案主办民警可以反馈整改情况"
    assert AuditEntry.objects.filter(
        action="notice.respond", outcome="denied", actor_username="wubei_officer"
    ).exists()
    with pytest.raises(PermissionDenied):
        services.notice_respond(actor=users.legal_affairs, notice_id=notice.pk, text="代为反馈")
    with pytest.raises(Http404):
        services.notice_respond(actor=users.pingchuan_officer, notice_id=notice.pk, text="已整改")
    services.notice_respond(actor=users.chief, notice_id=notice.pk, text="已整改")
    with pytest.raises(NotAllowed):
        services.notice_accept(actor=users.chief, notice_id=notice.pk)
    with pytest.raises(Conflict):
        services.notice_respond(actor=users.chief, notice_id=notice.pk, text="又反馈一次")


# --- who sees what ----------------------------------------------------------------------------------------


def test_scoping(users, case, user_of) -> None:
    notice = issue(users.legal_affairs, case)
    opinion = issue(
        users.procurator, case, kind="procurator_opinion", opinion_type="procuratorial_suggestion"
    )

    def seen(username: str) -> set[int]:
        return set(notices_for(actor=user_of(username)).values_list("pk", flat=True)) & {
            notice.pk,
            opinion.pk,
        }

    for username in ("legal_affairs", "leader", "chief", "officer", "wubei_officer", "legal_officer"):
        assert seen(username) == {notice.pk, opinion.pk}, username
    assert seen("procurator") == {opinion.pk}  # the bureau's internal notices are not the procuratorate's
    for username in ("pingchuan_officer", "mediator", "assistant", "dispatcher", "auditor", "admin"):
        assert seen(username) == set(), username
    with pytest.raises(Http404):
        services.visible_notice(users.procurator, notice.pk)
    with pytest.raises(PermissionDenied):
        services.visible_notice(user_of("mediator"), opinion.pk)
    assert seen("legal_affairs") == set(
        notices_for(actor=users.legal_affairs, kind="notice")
        .filter(pk=notice.pk)
        .values_list("pk", flat=True)
    ) | {opinion.pk}


def test_overdue_filter(users, case) -> None:
    notice = issue(users.legal_affairs, case)
    SupervisionNotice.objects.filter(pk=notice.pk).update(rectify_by=timezone.localdate() - timedelta(days=1))
    assert notices_for(actor=users.legal_affairs, overdue=True).filter(pk=notice.pk).exists()
    services.notice_respond(actor=users.chief, notice_id=notice.pk, text="已整改")
    assert not notices_for(actor=users.legal_affairs, overdue=True).filter(pk=notice.pk).exists()


# --- pages ------------------------------------------------------------------------------------------------


def test_the_pages(client, users, case, user_of) -> None:
    client.force_login(users.legal_affairs)
    response = client.get(f"/supervision/notices/new/?case={case.pk}")
    assert response.status_code == 200 and case.number in response.content.decode()
    response = client.post(
        "/supervision/notices/new/",
        {
            "kind": "notice",
            "case_number": case.number,
            "defect": "other",
            "description": "",
            "rectify_by": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请写明发现的问题" in html and "请填写整改期限" in html
    response = client.post(
        "/supervision/notices/new/",
        {
            "kind": "notice",
            "case_number": case.number,
            "defect": "other",
            "description": "询问笔录未记录告知权利义务",
            "rectify_by": in_a_week().isoformat(),
        },
    )
    notice = SupervisionNotice.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == f"/supervision/notices/{notice.pk}/"
    html = client.get("/supervision/notices/?status=issued").content.decode()
    assert notice.number in html

    client.force_login(users.chief)
    html = client.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert 'data-testid="response-form"' in html and 'data-testid="review-form"' not in html
    assert client.post(f"/supervision/notices/{notice.pk}/respond/", {"text": ""}).status_code == 400
    response = client.post(f"/supervision/notices/{notice.pk}/respond/", {"text": "已补充告知笔录"})
    assert response.status_code == 302
    # The chief cannot accept his own rectification: 403 with the reason on the page.
    response = client.post(f"/supervision/notices/{notice.pk}/review/", {"decision": "accept"})
    assert (
        response.status_code == 403
        and "只有法制大队可以验收或退回执法监督通知书" in response.content.decode()
    )

    client.force_login(users.legal_affairs)
    html = client.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert 'data-testid="review-form"' in html and "已补充告知笔录" in html
    client.post(f"/supervision/notices/{notice.pk}/review/", {"decision": "accept", "comment": "同意"})
    assert SupervisionNotice.objects.get(pk=notice.pk).status == "accepted"

    client.force_login(users.pingchuan_officer)
    assert client.get(f"/supervision/notices/{notice.pk}/").status_code == 404
    assert notice.number not in client.get("/supervision/notices/").content.decode()
    client.force_login(user_of("mediator"))
    assert client.get("/supervision/notices/").status_code == 403
    client.force_login(users.officer)
    assert client.get("/supervision/notices/new/").status_code == 403


def test_the_deadlines_page_offers_a_notice_on_a_breach(client, users, on_commit, case) -> None:
    detain(users, on_commit, case, started_at=days_ago(2, 10))
    deadlines_sweep(now=timezone.now())
    breach = deadlines_of(case)["CR-002"]
    client.force_login(users.legal_affairs)
    html = client.get("/supervision/deadlines/?status=breach").content.decode()
    assert f"/supervision/notices/new/?deadline={breach.pk}" in html
    html = client.get(f"/supervision/notices/new/?deadline={breach.pk}").content.decode()
    assert case.number in html and breach.title in html and f'value="{breach.pk}"' in html
    client.force_login(users.officer)
    assert "下发监督通知" not in client.get("/supervision/deadlines/").content.decode()


def test_the_pdf(client, users, case) -> None:
    notice = issue(users.legal_affairs, case)
    client.force_login(users.chief)
    response = client.get(f"/supervision/notices/{notice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from tests.pdf import pdf_text

    assert f"导出人：{users.chief.full_name}（chief）" in pdf_text(response.content)  # the export watermark


# --- API --------------------------------------------------------------------------------------------------


def test_the_api(users, case, admin_case) -> None:
    legal, chief, procurator = login("legal_affairs"), login("chief"), login("procurator")
    body = {
        "case_id": case.pk,
        "kind": "notice",
        "defect": "missing_document",
        "description": "缺少提讯证",
        "rectify_by": in_a_week().isoformat(),
    }
    bad = legal.post(
        "/api/notices", {**body, "rectify_by": (timezone.localdate() - timedelta(days=2)).isoformat()}
    )
    assert bad.status_code == 400 and bad.json()["errors"] == {"rectify_by": "整改期限不能早于今天"}
    created = legal.post("/api/notices", body)
    assert created.status_code == 201, created.content
    notice = created.json()
    assert notice["status"] == "issued" and notice["history"][0]["action"] == "issued"
    assert chief.post("/api/notices", body).status_code == 403
    early = legal.post(f"/api/notices/{notice['id']}/review", {"decision": "accept"})
    assert early.status_code == 409
    responded = chief.post(f"/api/notices/{notice['id']}/responses", {"text": "已补齐提讯证"})
    assert responded.status_code == 200 and responded.json()["status"] == "responded"
    accepted = legal.post(f"/api/notices/{notice['id']}/review", {"decision": "accept", "comment": "合格"})
    assert accepted.json()["status"] == "accepted"
    assert [h["action"] for h in accepted.json()["history"]] == ["issued", "responded", "accepted"]
    listed = legal.get("/api/notices", status="accepted").json()
    assert notice["id"] in [n["id"] for n in listed["items"]]
    # The procurator neither lists nor opens the bureau's notice; the other station gets a 404.
    assert notice["id"] not in [n["id"] for n in procurator.get("/api/notices").json()["items"]]
    assert procurator.get(f"/api/notices/{notice['id']}").status_code == 404
    assert login("pingchuan_officer").get(f"/api/notices/{notice['id']}").status_code == 404
    opinion = procurator.post(
        "/api/notices",
        {**body, "case_id": admin_case.pk, "kind": "procurator_opinion", "opinion_type": "correction_notice"},
    )
    assert opinion.status_code == 404
