"""The property pages (涉案财物): the room's list and its filters, registration from a case search, the
movement forms and their refusals, the label with its QR code (carrying the label code only), the scan
page, the chain-break page, and the shelf inventory with an inventory check; each with its "no access"."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import segno
from django.test import Client
from django.utils import timezone
from PIL import Image

from jingwu.audit.models import AuditEntry
from jingwu.org.models import User
from jingwu.property import labels
from jingwu.property.choices import CustodyKind, ItemState
from jingwu.property.models import InventoryCheck, PropertyItem

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_property_room_list_filters_by_state_location_and_case(case, shelf, register, hand_in) -> None:
    stored, waiting = register(description="手机一部"), register(description="电动车一辆")
    hand_in(stored, shelf)
    keeper = client_for("property_keeper")
    page = keeper.get("/property/").content.decode()
    assert stored.label_code in page and waiting.label_code in page
    page = keeper.get("/property/", {"state": ItemState.IN_ROOM}).content.decode()
    assert stored.label_code in page and waiting.label_code not in page
    page = keeper.get("/property/", {"location": shelf.pk}).content.decode()
    assert stored.label_code in page and waiting.label_code not in page
    page = keeper.get("/property/", {"case": case.number, "category": "vehicle"}).content.decode()
    assert stored.label_code in page  # the default category of the fixture is vehicle
    assert client_for("pingchuan_officer").get("/property/").content.decode().count("data-item=") == 0
    for outsider in ("mediator", "assistant", "auditor"):
        assert client_for(outsider).get("/property/").status_code == 403


def test_registering_an_item_from_a_case_search(users, case, suspect) -> None:
    officer = client_for("officer")
    found = officer.get("/property/new/", {"q": case.number}).content.decode()
    assert f"?case={case.pk}" in found
    assert officer.get("/property/new/", {"case": case.pk}).status_code == 200
    response = officer.post(
        "/property/new/",
        {
            "case": case.pk,
            "description": "黑色华为手机一部",
            "category": "electronics",
            "quantity": "1",
            "measure_unit": "部",
            "estimated_value": "3000",
            "seizure_kind": "seized",
            "seizure_document": "武公（刑）扣字〔2026〕21号",
            "seized_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "holder": suspect.pk,
        },
    )
    item = PropertyItem.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == f"/property/{item.pk}/"
    assert item.holder == suspect
    # Without the seizure document the form comes back with the refusal.
    refused = officer.post(
        "/property/new/",
        {
            "case": case.pk,
            "description": "x",
            "category": "other",
            "quantity": "1",
            "measure_unit": "件",
            "seizure_kind": "seized",
        },
    )
    assert refused.status_code == 400
    # Another station's officer cannot register on this case.
    assert client_for("pingchuan_officer").get("/property/new/", {"case": case.pk}).status_code == 404
    assert client_for("leader").get("/property/new/", {"case": case.pk}).status_code == 403


def test_movement_forms_and_their_refusals(users, shelf, register) -> None:
    item = register()
    keeper = client_for("property_keeper")
    detail = keeper.get(f"/property/{item.pk}/").content.decode()
    assert f'data-move="{CustodyKind.INTO_ROOM}"' in detail
    form = keeper.get(f"/property/{item.pk}/move/into_room/").content.decode()
    assert users.officer.full_name in form  # the seizing officer hands in
    no_location = keeper.post(
        f"/property/{item.pk}/move/into_room/",
        {"handed_over_by": "甲", "received_by": "乙", "reason": "移交"},
    )
    assert no_location.status_code == 400
    moved = keeper.post(
        f"/property/{item.pk}/move/into_room/",
        {"handed_over_by": "甲", "received_by": "乙", "reason": "移交", "location": shelf.pk},
    )
    assert moved.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.location) == (ItemState.IN_ROOM, shelf)
    no_document = keeper.post(
        f"/property/{item.pk}/move/destruction/",
        {"handed_over_by": "甲", "received_by": "乙", "reason": "销毁"},
    )
    assert no_document.status_code == 400 and "document_number" in no_document.context["form"].errors
    # The leader reads the item but has no movement forms.
    leader = client_for("leader")
    assert "data-move=" not in leader.get(f"/property/{item.pk}/").content.decode()
    assert leader.get(f"/property/{item.pk}/move/out_to_court/").status_code == 403
    assert client_for("pingchuan_officer").get(f"/property/{item.pk}/").status_code == 404


def test_the_label_qr_code_carries_the_label_code_only(register) -> None:
    item = register()
    assert labels.qr_payload(item) == item.label_code
    expected = segno.make_qr(item.label_code, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    assert str(labels.qr_svg(labels.qr_payload(item))) == expected
    # A QR code of anything more (the case number, the description) would differ.
    assert expected != segno.make_qr(f"{item.label_code} {item.case.number}", error="m").svg_inline(
        scale=4, dark="#000", light="#fff"
    )
    page = client_for("property_keeper").get(f"/property/{item.pk}/label/").content.decode()
    assert expected in page and item.label_code in page
    assert not re.search(r"<style|style=", page.split('data-testid="label"')[1])


def test_the_label_pdf(register) -> None:
    item = register()
    response = client_for("property_keeper").get(f"/property/{item.pk}/label.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_scanned_label_opens_the_item_within_access(register) -> None:
    item = register()
    response = client_for("property_keeper").get(f"/property/label/{item.label_code}/")
    assert response.status_code == 302 and response["Location"] == f"/property/{item.pk}/"
    assert client_for("pingchuan_officer").get(f"/property/label/{item.label_code}/").status_code == 404
    assert client_for("property_keeper").get("/property/label/WP-1999-000001/").status_code == 404
    assert AuditEntry.objects.filter(action="property.scan", actor_username="pingchuan_officer").exists()


def test_the_anomaly_page_and_the_home_count(register) -> None:
    late = register(seized_at=timezone.now() - timedelta(hours=30), description="杉木原木")
    page = client_for("property_keeper").get("/property/anomalies/").content.decode()
    assert f'data-anomaly="not_handed_in" data-item="{late.label_code}"' in page
    home = client_for("property_keeper").get("/").content.decode()
    assert "涉案财物流转异常（1）" in home
    assert "涉案财物流转异常" not in client_for("officer").get("/").content.decode()


def test_photos_are_stored_and_served_within_access(register) -> None:
    item = register()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    buffer.name = "现场照片.png"
    buffer.seek(0)
    officer = client_for("officer")
    assert officer.post(f"/property/{item.pk}/photos/", {"photo": buffer}).status_code == 302
    photo = item.photos.get()
    served = officer.get(f"/property/photos/{photo.pk}/")
    assert served.status_code == 200 and served.content == buffer.getvalue()
    assert client_for("pingchuan_officer").get(f"/property/photos/{photo.pk}/").status_code == 404


def test_shelf_inventory_and_an_inventory_check(shelf, register, hand_in) -> None:
    items = [register(description=f"手机{n}") for n in range(2)]
    for item in items:
        hand_in(item, shelf)
    keeper = client_for("property_keeper")
    page = keeper.get(f"/property/locations/{shelf.pk}/").content.decode()
    assert all(f'data-item="{i.label_code}"' in page for i in items)
    response = keeper.post(
        f"/property/locations/{shelf.pk}/", {"found": items[0].label_code, "note": "月度盘点"}
    )
    assert response.status_code == 302
    check = InventoryCheck.objects.get(location=shelf)
    assert check.missing == [items[1].label_code] and check.has_discrepancy
    assert "账实不符" in keeper.get(f"/property/locations/{shelf.pk}/").content.decode()
    for other in ("officer", "leader"):
        assert client_for(other).get(f"/property/locations/{shelf.pk}/").status_code == 403
    created = keeper.post("/property/locations/", {"room": "a", "shelf": "03", "box": "01"})
    assert created.status_code == 302
    assert keeper.post("/property/locations/", {"room": "A", "shelf": "03", "box": "01"}).status_code == 409
