"""The monthly sheet (六大员绩效): counted from the recorded work, the chief's adjustments with reasons,
the ranking per township, and the audited Excel export."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jingwu.audit.models import AuditEntry
from jingwu.community import selectors, services
from jingwu.community.models import StaffMember
from jingwu.core.errors import ServiceError


def month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def worked(assistant, assigned, officer):
    """This month: 3 patrols, 2 visits, a hazard found and fixed, 2 reports of which one adopted, a log."""
    now = timezone.now()
    for _ in range(3):
        services.activity_record(
            actor=assistant, kind="patrol", place="村道", summary="巡逻", occurred_at=now
        )
    for name in ("钟甲", "刘乙"):
        services.activity_record(actor=assistant, kind="visit", place="3组", household=name, summary="走访")
    hazard = services.hazard_report(
        actor=assistant, category="electrical", place="村道边", description="电线老化"
    )
    services.hazard_fix(actor=assistant, hazard_id=hazard.pk, note="已更换")
    first = services.report_submit(
        actor=assistant, category="fraud", title="冒充客服", content="有人接到电话"
    )
    services.report_submit(actor=assistant, category="other", title="收旧手机", content="外地人收旧手机")
    services.report_to_incident(
        actor=officer, report_id=first.pk, category="criminal", subcategory="telecom_fraud"
    )
    services.daily_log_save(actor=assistant, content="巡逻、走访")
    return StaffMember.objects.get(user=assistant)


def test_the_month_is_counted_from_the_recorded_work(chief, worked) -> None:
    row = selectors.staff_month(actor=chief, staff_id=worked.pk, month=month())
    points = {line.item.key: (line.count, line.points) for line in row.result.lines}
    assert points == {
        "patrol": (3, Decimal(3)),
        "visit": (2, Decimal(1)),
        "hazard_found": (1, Decimal(1)),
        "hazard_fixed": (1, Decimal(2)),
        "report": (2, Decimal(1)),
        "report_adopted": (1, Decimal(3)),
        "daily_log": (1, Decimal("0.2")),
    }
    assert row.result.score == Decimal("11.2")
    # Last month counts nothing of it.
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert selectors.staff_month(actor=chief, staff_id=worked.pk, month=last).result.score == 0


def test_the_chiefs_adjustment_is_recorded_with_its_reason(chief, officer, worked) -> None:
    services.adjustment_record(
        actor=chief, staff_id=worked.pk, month=month(), points="2.5", reason="协助抓获嫌疑人"
    )
    row = selectors.staff_month(actor=chief, staff_id=worked.pk, month=month())
    assert row.result.score == Decimal("13.7")
    assert [a.reason for a in row.adjustments] == ["协助抓获嫌疑人"]
    entry = AuditEntry.objects.filter(action="performance.adjust").latest("seq")
    assert entry.changes["reason"] == [None, "协助抓获嫌疑人"]
    with pytest.raises(ServiceError, match="理由"):
        services.adjustment_record(actor=chief, staff_id=worked.pk, month=month(), points=1, reason="")
    with pytest.raises(ServiceError, match="±"):
        services.adjustment_record(actor=chief, staff_id=worked.pk, month=month(), points=11, reason="过多")
    with pytest.raises(ServiceError, match="未到"):
        services.adjustment_record(actor=chief, staff_id=worked.pk, month="2099-01", points=1, reason="将来")
    with pytest.raises(PermissionDenied):
        services.adjustment_record(
            actor=officer, staff_id=worked.pk, month=month(), points=1, reason="民警无权"
        )


def test_the_sheet_ranks_within_each_township(chief, worked, taoxi) -> None:
    idle = services.staff_register(actor=chief, name="钟网格", kind="grid_worker", village_id=taoxi.pk)
    sheet = selectors.monthly_sheet(actor=chief, month=month())
    assert [t.name for t in sheet] == ["桃溪镇"]
    rows = sheet[taoxi.parent]
    assert [(r.staff, r.rank) for r in rows] == [(worked, 1), (idle, 2)]
    assert rows[1].kind_name == "网格员"


def test_the_export_is_a_workbook_and_is_audited(chief, worked) -> None:
    client = Client()
    client.force_login(chief)
    response = client.get(f"/community/performance/export/?month={month()}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:6] == ("乡镇", "乡镇内名次", "姓名", "类别", "村（社区）", "得分")
    assert rows[2][:6] == ("桃溪镇", 1, "蓝小军", "警务助理", "桃溪村委会", 11.2)
    assert AuditEntry.objects.filter(action="performance.export", object_id=month()).exists()


def test_assistants_and_outsiders_get_no_sheet(assistant, assigned, outsider, worked) -> None:
    client = Client()
    client.force_login(assistant)
    assert client.get("/community/performance/export/").status_code == 403
    assert selectors.monthly_sheet(actor=outsider, month=month()) == {}
