"""荣誉室 and 一所一品牌: honours with their awarding body and date, the wall per unit that every
intranet user may browse, and the stations' brand pages with photos and activities (issue 13)."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import ServiceError
from jingwu.personnel import demo, selectors, services
from jingwu.personnel.models import Honour, StationBrand
from jingwu.personnel.tests.conftest import TAOXI, unit

pytestmark = pytest.mark.django_db
YANQIAN, SHIFANG = "wp-ps-350824102", "wp-ps-350824103"


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def demo_loaded(db) -> int:
    return demo.load(random.Random(350824))


def test_the_demo_has_the_bureaus_public_honours(demo_loaded, user_of) -> None:
    bureau = unit("wp")
    national = Honour.objects.get(unit=bureau, title="全国优秀公安局")
    assert national.awarded_on.year == 2022 and national.awarding_body == "中华人民共和国公安部"
    ratings = Honour.objects.filter(unit=bureau, title__contains="执法质量", awarding_body="福建省公安厅")
    assert ratings.count() == 12 and all(h.date_is_illustrative for h in ratings)
    assert Honour.objects.filter(title="公安文化建设示范点", unit__code__in=[YANQIAN, SHIFANG]).count() == 2
    assert StationBrand.objects.get(unit__code=YANQIAN).name == "“搏”文化"
    assert StationBrand.objects.get(unit__code=SHIFANG).name == "“家”文化"
    # Loading twice adds nothing.
    assert demo.load(random.Random(1)) == 0


@pytest.mark.parametrize("username", ["officer", "assistant", "auditor", "custody", "personnel", "leader"])
def test_every_staff_member_browses_the_wall(demo_loaded, user_of, username) -> None:
    entries = selectors.honour_wall(actor=user_of(username))
    codes = [e.unit.code for e in entries]
    assert codes[0] == "wp" and {YANQIAN, SHIFANG} <= set(codes)
    bureau = entries[0]
    assert bureau.collective == 13 and bureau.top.title == "全国优秀公安局"


@pytest.mark.parametrize("username", ["procurator", "mediator"])
def test_external_users_do_not(demo_loaded, user_of, username) -> None:
    with pytest.raises(PermissionDenied):
        selectors.honour_wall(actor=user_of(username))


def test_a_units_room_shows_its_honours_its_officers_and_its_brand(demo_loaded, user_of) -> None:
    wall = selectors.unit_wall(actor=user_of("officer"), unit_id=unit(YANQIAN).pk)
    assert [h.title for h in wall.collective] == ["公安文化建设示范点"]
    # An officer of the station's case team: his honour hangs in the station's room.
    assert [h.officer.username for h in wall.individual] == [f"roster-{YANQIAN}-aj-1"]
    assert wall.brand.name == "“搏”文化" and len(wall.photos) == 1 and len(wall.activities) == 2
    assert wall.photos[0].verify()
    taoxi = selectors.unit_wall(actor=user_of("officer"), unit_id=unit(TAOXI).pk)
    # The station's room holds its teams' officers too, newest first.
    assert [(h.officer.username, h.title) for h in taoxi.individual] == [
        ("officer", "个人三等功"),
        ("chief", "全省优秀人民警察"),
    ]


def test_honours_are_validated_and_audited(user_of) -> None:
    personnel = user_of("personnel")
    with pytest.raises(ServiceError) as error:
        services.honour_create(
            actor=personnel,
            kind="individual",
            title="个人嘉奖",
            level="county",
            awarded_on=date(2099, 1, 1),
            awarding_body="",
            officer_id=user_of("mediator").pk,  # not a police officer
        )
    assert set(error.value.field_errors) == {"awarded_on", "awarding_body", "officer_id"}
    honour = services.honour_create(
        actor=personnel,
        kind="individual",
        title="个人嘉奖",
        level="county",
        awarded_on=date(2025, 1, 22),
        awarding_body="武平县公安局",
        officer_id=user_of("officer").pk,
    )
    assert honour.unit.code == f"{TAOXI}-sq"
    assert AuditEntry.objects.filter(action="personnel.honour_create", object_id=str(honour.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.honour_create(
            actor=user_of("chief"),
            kind="collective",
            title="x",
            level="county",
            awarded_on=date(2025, 1, 1),
            awarding_body="x",
            unit_id=unit(TAOXI).pk,
        )


def test_a_chief_keeps_his_own_stations_brand_only(user_of) -> None:
    chief = user_of("chief")
    brand = services.brand_save(
        actor=chief, unit_id=unit(TAOXI).pk, name="“和”文化", text="以和为贵，调解为先。"
    )
    photo = services.brand_photo_add(
        actor=chief, brand_id=brand.pk, name="警营.png", content=png(), caption="警营"
    )
    assert photo.content_type == "image/png" and photo.verify()
    with pytest.raises(ServiceError, match="只能上传照片"):
        services.brand_photo_add(
            actor=chief, brand_id=brand.pk, name="x.png", content=b"<script>alert(1)</script>"
        )
    activity = services.brand_activity_add(
        actor=chief, brand_id=brand.pk, title="警民恳谈会", held_on=date(2025, 5, 1), summary="与村民代表座谈"
    )
    assert AuditEntry.objects.filter(action="culture.activity_add", object_id=str(activity.pk)).exists()
    assert AuditEntry.objects.filter(action="culture.photo_add", object_id=str(brand.pk)).exists()
    with pytest.raises(Http404):
        services.brand_save(actor=chief, unit_id=unit(YANQIAN).pk, name="x", text="y")
    with pytest.raises(PermissionDenied):
        services.brand_save(actor=user_of("officer"), unit_id=unit(TAOXI).pk, name="x", text="y")
