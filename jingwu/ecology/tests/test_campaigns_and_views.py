"""Campaign tallies (a matching case counted; one outside the period, place or offence not; scoped to the
reader), the Excel export, and the ecology pages: rendering, a refused form with its Chinese message, and
no access for the roles without it."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jingwu.audit.models import AuditEntry
from jingwu.cases import services as case_services
from jingwu.cases.models import Case
from jingwu.core.errors import ServiceError
from jingwu.ecology import selectors, services
from jingwu.ecology.tests.conftest import EXCESSIVE_LOGGING, TAOXI, THEFT_OF_TREES, township
from jingwu.org.models import Unit

pytestmark = pytest.mark.django_db


def accept(users, *, offence: str, days_ago: int, station: str = "wp-ps-350824105", actor=None) -> Case:
    return case_services.case_accept(
        actor=actor or users.officer,
        kind="criminal",
        title="测试案件",
        facts="测试案情",
        source="walk_in",
        station_id=Unit.objects.get(code=station).pk,
        offence_code=offence,
        accepted_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def campaign(users):
    today = timezone.localdate()
    return services.campaign_create(
        actor=users.leader,
        name="守青山、护绿水",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        offence_codes=[EXCESSIVE_LOGGING, THEFT_OF_TREES],
        incident_kinds=["fire_forest/illegal_logging"],
        township_ids=[township(TAOXI).pk],
    )


def test_matching_cases_are_counted_and_others_not(users, campaign) -> None:
    inside = accept(users, offence=EXCESSIVE_LOGGING, days_ago=2)
    accept(users, offence=EXCESSIVE_LOGGING, days_ago=40)  # before the campaign
    accept(users, offence="C-001", days_ago=2)  # not a target offence
    accept(
        users, offence=THEFT_OF_TREES, days_ago=2, station="wp-ps-350824001", actor=users.pingchuan_officer
    )
    tally = selectors.campaign_tally(actor=users.leader, campaign=campaign)
    assert list(tally.cases) == [inside]
    assert (tally.total.cases, tally.total.criminal, tally.total.filed) == (1, 1, 0)
    assert [(r.label, r.cases) for r in tally.by_township] == [("桃溪镇", 1)]
    assert tally.by_offence == [("滥伐林木罪", 1)]
    # Scoped: 平川's officer sees none of the 桃溪 cases.
    assert selectors.campaign_tally(actor=users.pingchuan_officer, campaign=campaign).total.cases == 0


def test_campaign_validation(users) -> None:
    with pytest.raises(ServiceError) as refused:
        services.campaign_create(
            actor=users.leader,
            name="",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 5, 1),
            offence_codes=[],
            incident_kinds=[],
        )
    assert refused.value.field_errors == {
        "name": "请填写行动名称",
        "ends_on": "结束日期不能早于开始日期",
        "offence_codes": "请至少选择一个目标案由或警情类别",
    }
    with pytest.raises(ServiceError) as refused:
        services.campaign_create(
            actor=users.leader,
            name="x",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 7, 1),
            offence_codes=[],
            incident_kinds=["fire_forest/nothing"],
        )
    assert refused.value.field_errors == {"incident_kinds": "未知的警情类别：fire_forest/nothing"}


def test_the_report_page_and_the_audited_export(client, users, campaign) -> None:
    accept(users, offence=EXCESSIVE_LOGGING, days_ago=1)
    client.force_login(users.leader)
    page = client.get(f"/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and "守青山、护绿水" in page.content.decode()
    response = client.get(f"/campaigns/{campaign.pk}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["战果汇总", "案件清单", "警情清单"]
    rows = list(book["战果汇总"].iter_rows(values_only=True))
    assert ("合计", 1, 1, 0, 0, 0) in rows
    assert AuditEntry.objects.filter(action="campaign.export", object_id=str(campaign.pk)).exists()
    client.force_login(users.mediator)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 403


def test_pages_render_and_refuse(client, users, zone, receive) -> None:
    transfer = receive()
    client.force_login(users.officer)
    for url in ["/ecology/", "/ecology/?overdue=1", f"/ecology/zones/{zone.pk}/", "/campaigns/"]:
        assert client.get(url).status_code == 200, url
    # A patrol posted without a route comes back with the Chinese message, as 400.
    response = client.post(
        f"/ecology/zones/{zone.pk}/patrols/",
        {"started_at": "2026-11-01T08:00", "ended_at": "2026-11-01T11:00", "officers": [users.officer.pk]},
    )
    assert response.status_code == 400 and "请填写巡护路线或上传轨迹点" in response.content.decode()
    # The legal officer refuses without reasons: 400 with the reason asked for.
    client.force_login(users.legal_officer)
    page = client.get(f"/ecology/transfers/{transfer.pk}/")
    assert page.status_code == 200 and "立案追诉标准" in page.content.decode()
    response = client.post(f"/ecology/transfers/{transfer.pk}/decide/", {"decision": "refuse", "reason": ""})
    assert response.status_code == 400 and "请写明不予立案的理由" in response.content.decode()
    # Out of scope: 404; without the capability: 403.
    client.force_login(users.pingchuan_officer)
    assert client.get(f"/ecology/zones/{zone.pk}/").status_code == 404
    assert client.get(f"/ecology/transfers/{transfer.pk}/").status_code == 404
    for outsider in (users.assistant, users.mediator, users.auditor):
        client.force_login(outsider)
        assert client.get("/ecology/").status_code == 403
        assert client.get("/campaigns/").status_code == 403
