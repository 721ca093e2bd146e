"""The enterprise pages: the list in one's area, registration with a wrong code refused on the page, the
visit and request forms, masking and the audited reveal, linking a suggested incident, issuing a bulletin
with a preview, the delivery list and the acknowledgement form; the 404s and 403s for the others."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.enterprises.models import Bulletin, BulletinDelivery
from jingwu.enterprises.tests.conftest import PINGCHUAN, TAOXI_VILLAGE, uscc, village_of
from jingwu.geo.models import Division
from jingwu.incidents.services import incident_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(user_of):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(user_of(username))
        return client

    return make


def test_list_and_detail_in_ones_area(client_of, officer, outsider, make) -> None:
    mine = make(officer, name="武平县桃溪视图测试有限公司")
    other = make(outsider, name="武平县平川视图测试有限公司", village_id=village_of(PINGCHUAN).pk)
    page = client_of("officer").get(reverse("enterprises:list")).content.decode()
    assert mine.name in page and other.name not in page
    assert client_of("officer").get(reverse("enterprises:detail", args=[other.pk])).status_code == 404
    detail = client_of("officer").get(reverse("enterprises:detail", args=[mine.pk])).content.decode()
    assert "139****1234" in detail and "13905971234" not in detail
    assert 'data-testid="visit-form"' in detail and 'data-testid="link-form"' in detail
    # The leader reads, without the forms.
    leader_page = client_of("leader").get(reverse("enterprises:detail", args=[mine.pk])).content.decode()
    assert mine.name in leader_page and 'data-testid="visit-form"' not in leader_page
    assert client_of("assistant").get(reverse("enterprises:list")).status_code == 403


def test_registration_through_the_page(client_of, officer) -> None:
    client = client_of("officer")
    assert client.get(reverse("enterprises:create")).status_code == 200
    form = {
        "name": "武平县页面登记有限公司",
        "uscc": "91350824MA00000019",
        "industry": "food",
        "village": Division.objects.get(code=TAOXI_VILLAGE).pk,
        "contact_name": "钟会计",
        "contact_phone": "13905973333",
        "status": "active",
    }
    refused = client.post(reverse("enterprises:create"), form)
    assert refused.status_code == 400 and "统一社会信用代码校验码错误" in refused.content.decode()
    form["uscc"] = uscc()
    response = client.post(reverse("enterprises:create"), form)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "武平县页面登记有限公司" in page and form["uscc"] in page


def test_visit_request_and_reveal_on_the_page(client_of, officer, make) -> None:
    enterprise = make(officer)
    client = client_of("officer")
    refused = client.post(
        reverse("enterprises:visit", args=[enterprise.pk]),
        {"topics": "", "visited_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
    )
    body = refused.content.decode()
    assert refused.status_code == 400 and "请填写交流内容" in body and "走访日期不能晚于今天" in body
    done = client.post(
        reverse("enterprises:visit", args=[enterprise.pk]),
        {"topics": "督促落实转账核验制度", "checks": ["payment_check", "cctv"]},
    )
    assert done.status_code == 302
    request = client.post(
        reverse("enterprises:request", args=[enterprise.pk]), {"kind": "security", "summary": "夜间有人翻墙"}
    )
    assert request.status_code == 302
    row = enterprise.requests.get()
    handled = client.post(reverse("enterprises:handle", args=[enterprise.pk, row.pk]), {"handling_note": ""})
    assert handled.status_code == 400 and "请填写办理情况" in handled.content.decode()
    page = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert "督促落实转账核验制度" in page and "视频监控运行" in page and "夜间有人翻墙" in page
    revealed = client.post(reverse("enterprises:reveal", args=[enterprise.pk])).content.decode()
    assert "13905971234" in revealed
    assert AuditEntry.objects.filter(action="person.reveal", object_id=str(enterprise.pk)).exists()


def test_link_a_suggested_incident(client_of, officer, user_of, make) -> None:
    enterprise = make(officer)
    incident = incident_create(
        actor=user_of("wubei_dispatcher"),
        source="phone_110",
        village_code=TAOXI_VILLAGE,
        category="criminal",
        subcategory="theft",
        narrative="茶厂仓库被盗茶叶十余箱。",
        received_at=timezone.now() - timedelta(days=3),
    ).incident
    client = client_of("officer")
    page = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert f'data-suggested="{incident.number}"' in page
    assert (
        client.post(
            reverse("enterprises:link", args=[enterprise.pk]), {"incident_id": incident.pk}
        ).status_code
        == 302
    )
    page = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert f'data-linked="{incident.number}"' in page and f'data-suggested="{incident.number}"' not in page
    again = client.post(reverse("enterprises:link", args=[enterprise.pk]), {"number": incident.number})
    assert again.status_code == 409 and "该警情已关联" in again.content.decode()


def test_issue_a_bulletin_with_preview_then_acknowledge(
    settings, client_of, chief, officer, park, make
) -> None:
    in_park = make(officer, park_id=park.pk, name="武平县园区甲有限公司")
    outside = make(officer, name="武平县园外乙有限公司")
    client = client_of("chief")
    form = {
        "title": "警惕冒充老板诈骗",
        "kind": "fraud_pattern",
        "channel": "sms",
        "body": "凡QQ、微信要求转账的，务必电话核实。",
        "parks": [park.pk],
    }
    preview = client.post(reverse("enterprises:bulletin_create"), {**form, "preview": "1"}).content.decode()
    assert f'data-target="{in_park.uscc}"' in preview and f'data-target="{outside.uscc}"' not in preview
    assert not Bulletin.objects.exists()
    response = client.post(reverse("enterprises:bulletin_create"), {**form, "issue": "1"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f'data-delivery="{in_park.uscc}"' in page and f'data-delivery="{outside.uscc}"' not in page
    assert "待发送" in page
    delivery = BulletinDelivery.objects.get(bulletin=bulletin)
    url = reverse("enterprises:acknowledge", args=[bulletin.pk, delivery.pk])
    refused = client_of("officer").post(url, {"method": "phone"})
    assert refused.status_code == 400 and "只能以上门告知方式登记签收" in refused.content.decode()
    assert client_of("officer").post(url, {"method": "in_person", "note": "走访时告知"}).status_code == 302
    assert BulletinDelivery.objects.get(pk=delivery.pk).acknowledged_at is not None
    # An officer of the station may not issue one.
    assert client_of("officer").get(reverse("enterprises:bulletin_create")).status_code == 403
