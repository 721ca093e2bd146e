"""The pages of 队伍建设 and the 荣誉室 through the test client: who reaches what, the forms' Chinese
refusals, the attendance row, the PDF download and the photo (issue 13)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from jingwu.personnel import demo
from jingwu.personnel.models import BrandPhoto, Course
from jingwu.personnel.tests.conftest import TAOXI, enrolment_of, unit

pytestmark = pytest.mark.django_db


def test_the_menu_entries(client_for) -> None:
    page = client_for("officer").get("/").content.decode()
    assert 'data-menu="personnel"' in page and 'data-menu="honours"' in page
    page = client_for("mediator").get("/").content.decode()
    assert 'data-menu="personnel"' not in page and 'data-menu="honours"' not in page
    page = client_for("assistant").get("/").content.decode()
    assert 'data-menu="personnel"' not in page and 'data-menu="honours"' in page


def test_the_index_sends_officers_to_their_record_and_reviewers_to_the_courses(client_for, user_of) -> None:
    assert client_for("officer").get("/personnel/").url == f"/personnel/officers/{user_of('officer').pk}/"
    assert client_for("chief").get("/personnel/").url == "/personnel/courses/"
    assert client_for("mediator").get("/personnel/").status_code == 403


def test_planning_a_course_through_the_form(client_for) -> None:
    client = client_for("personnel")
    assert client.get("/personnel/courses/new/").status_code == 200
    bad = client.post("/personnel/courses/new/", {"title": "", "kind": "legal", "starts_on": "2025-05-06"})
    assert bad.status_code == 400 and not Course.objects.exists()
    refused = client.post(  # the service's refusal lands on its field
        "/personnel/courses/new/",
        {"title": "x", "kind": "legal", "starts_on": "2025-05-06", "due_on": "2025-05-01"},
    )
    assert refused.status_code == 400 and "应完成日期不能早于开始日期" in refused.content.decode()
    response = client.post(
        "/personnel/courses/new/",
        {
            "title": "询问笔录规范培训",
            "kind": "case_handling",
            "starts_on": "2025-05-06",
            "due_on": "2025-05-20",
            "pass_score": "70",
            "unit_ids": [unit(TAOXI).pk],
            "roles": ["officer"],
        },
    )
    course = Course.objects.get(title="询问笔录规范培训")
    assert response.status_code == 302 and response.url == f"/personnel/courses/{course.pk}/"
    assert client_for("chief").get("/personnel/courses/new/").status_code == 403


def test_recording_attendance_on_the_course_page(legal_course, client_for, user_of) -> None:
    client = client_for("personnel")
    enrolment = enrolment_of(legal_course, "officer")
    page = client.get(f"/personnel/courses/{legal_course.pk}/").content.decode()
    assert 'data-testid="attendance-officer"' in page
    refused = client.post(f"/personnel/enrolments/{enrolment.pk}/", {f"e{enrolment.pk}-status": "attended"})
    assert refused.status_code == 400 and "请填写成绩" in refused.content.decode()
    done = client.post(
        f"/personnel/enrolments/{enrolment.pk}/",
        {f"e{enrolment.pk}-status": "attended", f"e{enrolment.pk}-score": "91"},
    )
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.passed and str(enrolment.score) == "91.0"
    # The officer sees it on his record; the chief cannot record it.
    mine = client_for("officer").get(f"/personnel/officers/{user_of('officer').pk}/").content.decode()
    assert "新修订《治安管理处罚法》专题培训" in mine and "91.0" in mine
    assert client_for("chief").post(f"/personnel/enrolments/{enrolment.pk}/", {}).status_code == 403


def test_another_officers_record_is_missing(legal_course, client_for, user_of) -> None:
    other = user_of("pingchuan_officer").pk
    assert client_for("officer").get(f"/personnel/officers/{other}/").status_code == 404
    assert client_for("officer").get(f"/personnel/officers/{other}/pdf/").status_code == 404
    assert client_for("chief").get(f"/personnel/officers/{user_of('officer').pk}/").status_code == 200
    assert client_for("officer").get("/personnel/officers/").status_code == 403


def test_the_overdue_page(legal_course, client_for) -> None:
    Course.objects.filter(pk=legal_course.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    page = client_for("chief").get("/personnel/overdue/").content.decode()
    assert 'data-officer="officer"' in page and 'data-officer="pingchuan_officer"' not in page


def test_the_profile_pdf_downloads(client_for, user_of) -> None:
    response = client_for("officer").get(f"/personnel/officers/{user_of('officer').pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_wall_the_room_and_the_photo(client_for) -> None:
    demo.load(random.Random(350824))
    client = client_for("assistant")
    wall = client.get("/personnel/honours/").content.decode()
    assert "全国优秀公安局" in wall and "“搏”文化" in wall
    room = client.get(f"/personnel/honours/units/{unit('wp-ps-350824102').pk}/").content.decode()
    assert "公安文化建设示范点" in room and "敢打敢拼" in room and 'data-testid="brand-form"' not in room
    photo = BrandPhoto.objects.filter(brand__unit__code="wp-ps-350824102").first()
    response = client.get(f"/personnel/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for("mediator").get("/personnel/honours/").status_code == 403
    assert client_for("mediator").get(f"/personnel/photos/{photo.pk}/").status_code == 403


def test_a_chief_edits_his_brand_and_uploads_a_photo(client_for) -> None:
    from PIL import Image

    client = client_for("chief")
    taoxi = unit(TAOXI).pk
    assert 'data-testid="brand-form"' in client.get(f"/personnel/honours/units/{taoxi}/").content.decode()
    assert client.post(f"/personnel/honours/units/{taoxi}/photos/", {}).status_code == 400  # no brand yet
    saved = client.post(f"/personnel/honours/units/{taoxi}/brand/", {"name": "“和”文化", "text": "以和为贵"})
    assert saved.status_code == 302
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="JPEG")
    out.name = "警营.jpg"
    out.seek(0)
    uploaded = client.post(f"/personnel/honours/units/{taoxi}/photos/", {"photo": out, "caption": "警营一角"})
    assert uploaded.status_code == 302
    assert BrandPhoto.objects.get(brand__unit_id=taoxi).content_type == "image/jpeg"
    other = unit("wp-ps-350824102").pk
    assert (
        client.post(f"/personnel/honours/units/{other}/brand/", {"name": "x", "text": "y"}).status_code == 404
    )
