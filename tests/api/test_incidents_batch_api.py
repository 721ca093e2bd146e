"""POST /api/incidents/batch: many calls per request, each answered on its own."""

from __future__ import annotations

from collections.abc import Callable

from jingwu.incidents.models import Incident
from tests.api.helpers import Api

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会 (jingwu/data/divisions)


def item(key: str, **extra: object) -> dict[str, object]:
    return {
        "village_code": TAOXI_VILLAGE,
        "category": "dispute",
        "subcategory": "neighbour",
        "narrative": "邻居因排水沟堵塞发生争吵",
        "idempotency_key": key,
        **extra,
    }


def test_batch_answers_each_call_and_a_retry_creates_nothing(api_as: Callable[[str], Api]) -> None:
    dispatcher = api_as("wubei_dispatcher")
    body = {"items": [item("api-b-1"), item("api-b-2", priority=7), item("api-b-1")]}
    response = dispatcher.post("/api/incidents/batch", body)
    assert response.status_code == 200
    data = response.json()
    assert data["created"] == 1
    assert [r["status"] for r in data["results"]] == [201, 400, 200]
    assert data["results"][0]["unit"] == "武北区域联合派出所综合指挥室"
    assert data["results"][1]["errors"] == {"priority": "等级须为1至3"}
    assert data["results"][2]["id"] == data["results"][0]["id"]
    again = dispatcher.post("/api/incidents/batch", body).json()
    assert again["created"] == 0 and again["results"][0]["status"] == 200
    assert Incident.objects.filter(idempotency_key="api-b-1").count() == 1


def test_batch_limits_and_access(api_as: Callable[[str], Api]) -> None:
    assert api_as("dispatcher").post("/api/incidents/batch", {"items": []}).status_code == 422
    too_many = {"items": [item(f"api-c-{n}") for n in range(501)]}
    assert api_as("dispatcher").post("/api/incidents/batch", too_many).status_code == 422
    refused = api_as("auditor").post("/api/incidents/batch", {"items": [item("api-c-x")]})
    assert refused.status_code == 403 and refused.json()["detail"] == "无权执行此操作"
    assert Api().post("/api/incidents/batch", {"items": [item("api-c-y")]}).status_code == 401
