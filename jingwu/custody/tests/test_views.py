"""The center's pages: the screen with its amber/red rows and htmx partial, registration by search and
pick, a stay's page with its forms and refusals, the history, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jingwu.custody.models import CustodyStay, QuestioningSession
from jingwu.custody.tests.conftest import PNG, TAOXI_HELPER

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_screen_shows_who_is_inside_amber_near_the_limit(users, world) -> None:
    case = world.case(kind="administrative")
    near = world.enter(world.summon(case, name="钟永福", at=timezone.now() - timedelta(hours=7, minutes=20)))
    calm = world.enter(world.summon(case, name="王建华", at=timezone.now() - timedelta(hours=1)))
    page = client_of(users.custody).get("/custody/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<tr class="custody-limit-warning" data-stay="{near.pk}"' in html
    assert f'<tr class="custody-limit-ok" data-stay="{calm.pk}"' in html
    assert 'hx-trigger="every 30s"' in html and "治安传唤后询问查证时间" in html
    assert "还剩 " in html and 'data-testid="register"' in html
    # The polled partial is the table alone.
    partial = client_of(users.custody).get("/custody/inside/").content.decode()
    assert partial.lstrip().startswith('<section class="card custody-screen"') and "<html" not in partial


def test_registration_by_search_and_pick(users, world) -> None:
    case = world.case()
    summoned = world.summon(case, name="钟永福")
    client = client_of(users.custody)
    found = client.get("/custody/register/", {"q": "钟永福"}).content.decode()
    assert f'href="?measure={summoned.measure.pk}"' in found
    form = client.get("/custody/register/", {"measure": summoned.measure.pk})
    assert "钟永福" in form.content.decode()
    refused = client.post(
        f"/custody/register/?measure={summoned.measure.pk}",
        {"basis_document": "", "brought_by": [users.officer.pk]},
    )
    assert refused.status_code == 400 and "请填写法律文书文号" in refused.content.decode()
    done = client.post(
        f"/custody/register/?measure={summoned.measure.pk}",
        {
            "basis_document": "武公（桃）传字〔2026〕21号",
            "brought_by": [users.officer.pk],
            "entered_at": local(timezone.now()),
        },
    )
    stay = CustodyStay.objects.get(party=summoned.party)
    assert done.status_code == 302 and done["Location"] == f"/custody/{stay.pk}/"
    # A reader may not register; another station's officer does not find the case.
    assert client_of(users.leader).get("/custody/register/").status_code == 403
    assert (
        f"?measure={summoned.measure.pk}"
        not in client_of(users.pingchuan_officer).get("/custody/register/", {"q": "钟永福"}).content.decode()
    )


def test_the_stay_page_records_a_session_belongings_and_the_exit(users, world) -> None:
    stay = world.enter(world.summon(world.case(), at=timezone.now() - timedelta(hours=3)))
    client = client_of(users.custody)
    page = client.get(f"/custody/{stay.pk}/").content.decode()
    for form in ("session-form", "log-form", "belonging-form", "exit-form"):
        assert f'data-testid="{form}"' in page
    start = stay.entered_at + timedelta(minutes=20)
    one = client.post(
        f"/custody/{stay.pk}/sessions/",
        {"kind": "interrogation", "room": "xw1", "started_at": local(start), "officers": [users.officer.pk]},
    )
    assert one.status_code == 400 and "讯问、询问民警不得少于二人" in one.content.decode()
    two = client.post(
        f"/custody/{stay.pk}/sessions/",
        {
            "kind": "interrogation",
            "room": "xw1",
            "started_at": local(start),
            "ended_at": local(start + timedelta(hours=1)),
            "officers": [users.officer.pk, users.get(TAOXI_HELPER).pk],
        },
    )
    assert two.status_code == 302 and QuestioningSession.objects.filter(stay=stay).count() == 1
    photo = client.post(
        f"/custody/{stay.pk}/belongings/",
        {"name": "手机", "quantity": 1, "description": "黑色", "photo": _upload("phone.png", PNG)},
    )
    assert photo.status_code == 302
    shown = client.get(f"/custody/{stay.pk}/").content.decode()
    assert "custody-thumb" in shown
    stay.refresh_from_db()
    photo_id = stay.belongings.get().photos.get().pk
    image = client.get(f"/custody/photos/{photo_id}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client_of(users.pingchuan_officer).get(f"/custody/photos/{photo_id}/").status_code == 404

    unreturned = client.post(f"/custody/{stay.pk}/exit/", {"destination": "released"})
    assert unreturned.status_code == 400 and "须返还签收或说明未返还原因" in unreturned.content.decode()
    left = client.post(
        f"/custody/{stay.pk}/exit/",
        {"destination": "released", "return_all": "on", "received_by": "钟永福", "signature_confirmed": "on"},
    )
    assert left.status_code == 302
    stay.refresh_from_db()
    assert stay.status == "left"
    history = client.get("/custody/history/", {"destination": "released"}).content.decode()
    assert f'data-stay="{stay.pk}"' in history
    assert (
        f'data-stay="{stay.pk}"'
        not in client.get("/custody/history/", {"destination": "bail"}).content.decode()
    )


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def test_readers_see_the_page_without_forms_and_outsiders_nothing(users, world) -> None:
    stay = world.enter(world.summon(world.case()))
    for reader in ("leader", "legal_affairs"):
        page = client_of(users.get(reader)).get(f"/custody/{stay.pk}/")
        assert page.status_code == 200 and 'data-testid="exit-form"' not in page.content.decode()
        refused = client_of(users.get(reader)).post(
            f"/custody/{stay.pk}/log/", {"kind": "note", "text": "越权"}
        )
        assert refused.status_code == 403
    assert client_of(users.pingchuan_officer).get(f"/custody/{stay.pk}/").status_code == 404
    for outsider in ("mediator", "assistant"):
        assert client_of(users.get(outsider)).get("/custody/").status_code == 403
        assert client_of(users.get(outsider)).get(f"/custody/{stay.pk}/").status_code == 403


def test_the_centers_home_page_lists_who_is_inside(users, world) -> None:
    world.enter(world.summon(world.case(), name="钟永福"))
    home = client_of(users.custody).get("/").content.decode()
    assert "办案中心在区人员（1）" in home and "钟永福 · 传唤" in home
    assert "办案中心在区人员" not in client_of(users.leader).get("/").content.decode()
