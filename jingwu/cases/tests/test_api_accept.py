"""The answer to 受案 over the API (POST /api/cases): built from the case just written, it must be what the
case page's read (GET /api/cases/{id}) gives for the same case, without a second (view) audit entry."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.audit.models import AuditEntry
from tests.api.helpers import login


def test_the_create_answer_is_the_case_page_without_a_view_entry(db: None) -> None:
    call = login("dispatcher").post(
        "/api/incidents",
        {
            "village_code": "350824105201",  # 桃溪镇 桃溪村委会
            "category": "dispute",
            "subcategory": "neighbour",
            "narrative": "村民报称家中财物被盗",
            "caller_name": "报案人甲",
            "caller_phone": "13912345678",
        },
    )
    assert call.status_code == 201, call.content
    officer = login("officer")
    body = {
        "kind": "criminal",
        "title": "桃溪村民家中被盗案",
        "facts": "报案人称其家中财物被盗",
        "source": "incident",
        "incident_id": call.json()["id"],
    }
    with CaptureQueriesContext(connection) as queries:
        response = officer.post("/api/cases", body)
    assert response.status_code == 201, response.content
    created = response.json()
    entries = AuditEntry.objects.filter(object_type="cases.case", object_id=str(created["id"]))
    assert list(entries.values_list("action", flat=True)) == ["case.accept"]
    assert not [q for q in queries.captured_queries if "cases_approval" in q["sql"]]

    page = officer.get(f"/api/cases/{created['id']}")
    assert page.status_code == 200
    assert created == page.json()
    assert [p["person"]["name"] for p in created["parties"]] == ["报案人甲"]
    assert [row["code"] for row in created["timeline"] if row["kind"] == "event"] == [
        "report_received",
        "case_accepted",
    ]
