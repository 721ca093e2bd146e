"""The quality evaluation pages through Django's test client: who may open them, the manual item form
with its Chinese errors, the drill-down links, the Excel export and publishing."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from jingwu.audit.models import AuditEntry
from jingwu.quality.models import QualityAdjustment, QualityPublication
from jingwu.quality.tests.conftest import PINGCHUAN, TAOXI, local, unit

pytestmark = pytest.mark.django_db

PERIOD = "2025-Q2"


def test_legal_affairs_sees_every_unit_ranked(client_for, build) -> None:
    case = build.case(TAOXI)
    build.deadline(case, TAOXI, "breach", local(2025, 5, 10, 12, 0))
    response = client_for("legal_affairs").get("/quality/", {"period": PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "2025年第2季度" in html and "桃溪派出所" in html and "平川派出所" in html and "刑事侦查大队" in html
    )
    assert f'data-unit="{TAOXI}" data-grade="excellent"' in html
    assert "超过法定期限未办结（超期） -2.0" in html  # the main deductions column
    assert 'data-menu="quality"' in html
    assert 'data-testid="publish"' in html  # an ended, unpublished quarter


@pytest.mark.parametrize("username", ["officer", "mediator", "procurator", "assistant"])
def test_other_roles_are_refused(client_for, username) -> None:
    client = client_for(username)
    assert client.get("/quality/").status_code == 403
    assert client.get(f"/quality/units/{unit(TAOXI).pk}/").status_code == 403
    assert client.get("/quality/export.xlsx").status_code == 403
    assert 'data-menu="quality"' not in client.get("/").content.decode()


def test_a_chief_sees_their_unit_only(client_for, build) -> None:
    client = client_for("chief")
    html = client.get("/quality/", {"period": PERIOD}).content.decode()
    assert "桃溪派出所" in html and "平川派出所" not in html
    assert 'data-testid="publish"' not in html
    assert client.get(f"/quality/units/{unit(PINGCHUAN).pk}/", {"period": PERIOD}).status_code == 404
    own = client.get(f"/quality/units/{unit(TAOXI).pk}/", {"period": PERIOD})
    assert own.status_code == 200 and 'data-testid="adjust-form"' not in own.content.decode()
    refused = client.post(
        f"/quality/units/{unit(TAOXI).pk}/adjustments/",
        {
            "period": PERIOD,
            "item_key": "manual_bonus",
            "points": "5",
            "occurred_on": "2025-05-01",
            "reason": "自评",
        },
    )
    assert refused.status_code == 403 and not QualityAdjustment.objects.exists()
    assert client.post("/quality/publish/", {"period": PERIOD}).status_code == 403


def test_the_unit_page_explains_down_to_the_case(client_for, build) -> None:
    case = build.case(f"{TAOXI}-sq", title="桃溪村电动车被盗案")
    build.deadline(case, f"{TAOXI}-sq", "breach", local(2025, 5, 10, 12, 0))
    html = (
        client_for("legal_affairs")
        .get(f"/quality/units/{unit(TAOXI).pk}/", {"period": PERIOD})
        .content.decode()
    )
    assert 'data-testid="unit-score">98.0<' in html
    assert f'href="/cases/{case.pk}/" data-testid="record-link">{case.number} 桃溪村电动车被盗案</a>' in html
    assert "公安部令第137号" in html


def test_manual_item_form_errors_are_chinese_and_a_good_entry_changes_the_score(client_for) -> None:
    client = client_for("legal_affairs")
    url = f"/quality/units/{unit(TAOXI).pk}/adjustments/"
    empty = client.post(url, {"period": PERIOD, "item_key": "manual_deduction", "points": "", "reason": ""})
    assert empty.status_code == 400
    text = empty.content.decode()
    assert text.count("必填") >= 3  # points, day, reason
    wrong_sign = client.post(
        url,
        {
            "period": PERIOD,
            "item_key": "manual_deduction",
            "points": "2",
            "occurred_on": "2025-05-20",
            "reason": "笔录不规范",
        },
    )
    assert wrong_sign.status_code == 400 and "应为负数（扣分）" in wrong_sign.content.decode()
    no_case = client.post(
        url,
        {
            "period": PERIOD,
            "item_key": "manual_deduction",
            "points": "-2",
            "occurred_on": "2025-05-20",
            "reason": "笔录不规范",
            "case_number": "没有这个案件",
        },
    )
    assert no_case.status_code == 400 and "未找到该案件编号" in no_case.content.decode()
    assert not QualityAdjustment.objects.exists()
    done = client.post(
        url,
        {
            "period": PERIOD,
            "item_key": "manual_deduction",
            "points": "-2",
            "occurred_on": "2025-05-20",
            "reason": "案卷评查发现笔录不规范",
        },
    )
    assert done.status_code == 302 and done["Location"].endswith(f"?period={PERIOD}")
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="unit-score">98.0<' in page and "案卷评查发现笔录不规范" in page
    entry = QualityAdjustment.objects.get()
    reversed_ = client.post(
        f"/quality/adjustments/{entry.pk}/reverse/", {"period": PERIOD, "reason": "录入有误"}
    )
    assert reversed_.status_code == 302
    assert 'data-testid="unit-score">100.0<' in client.get(done["Location"]).content.decode()


def test_the_excel_export_has_the_ranking_and_is_audited(client_for, build) -> None:
    case = build.case(PINGCHUAN)
    build.deadline(case, PINGCHUAN, "breach", local(2025, 5, 10, 12, 0))
    response = client_for("legal_affairs").get("/quality/export.xlsx", {"period": PERIOD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2025-Q2.xlsx" in response["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：")  # the export watermark row (jingwu.core.watermark)
    rows = rows[1:]
    assert "2025年第2季度" in rows[0][0]
    assert rows[2][:4] == ("名次", "单位", "得分", "等次")
    body = rows[3:]
    last = body[-1]
    assert (last[1], last[2], last[3], last[4]) == ("平川派出所", 98, "优秀", -2)
    assert all(row[0] == 1 for row in body[:-1]) and last[0] == len(body)
    entry = AuditEntry.objects.filter(action="quality.export").latest("seq")
    assert (entry.actor_username, entry.object_id) == ("legal_affairs", PERIOD)
    chief_rows = list(
        load_workbook(
            BytesIO(client_for("chief").get("/quality/export.xlsx", {"period": PERIOD}).content)
        ).active.iter_rows(values_only=True)
    )
    assert [row[1] for row in chief_rows[4:]] == ["桃溪派出所"]


def test_publish_from_the_page(client_for, build) -> None:
    client = client_for("legal_affairs")
    response = client.post("/quality/publish/", {"period": PERIOD})
    assert response.status_code == 302
    assert QualityPublication.objects.filter(period=PERIOD).exists()
    html = client.get("/quality/", {"period": PERIOD}).content.decode()
    assert 'data-testid="published"' in html and 'data-testid="publish"' not in html
    again = client.post("/quality/publish/", {"period": PERIOD}, follow=True)
    assert "已发布" in again.content.decode()
    running = client.post("/quality/publish/", {"period": "2999"}, follow=True)
    assert "尚未结束" in running.content.decode()
