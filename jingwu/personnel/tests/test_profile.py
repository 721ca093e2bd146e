"""The officer's profile (个人档案): his training, honours and the cases and incidents he handled, as the
owning apps show them to the reader; and the one-page PDF summary for the annual review (issue 13)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from jingwu.audit.models import AuditEntry
from jingwu.geo.models import Division
from jingwu.personnel import documents, selectors, services
from jingwu.personnel.tests.conftest import TAOXI, enrolment_of, unit
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def record(legal_course, user_of):
    """The demo officer: passed the legal course (88), a 三等功, leads one case, attended one incident."""
    from jingwu.cases.models import Case
    from jingwu.incidents.models import Incident

    officer, personnel = user_of("officer"), user_of("personnel")
    services.attendance_record(
        actor=personnel, enrolment_id=enrolment_of(legal_course, "officer").pk, status="attended", score="88"
    )
    services.honour_create(
        actor=personnel,
        kind="individual",
        title="个人三等功",
        level="city",
        awarded_on=date(2024, 1, 18),
        awarding_body="龙岩市公安局",
        officer_id=officer.pk,
    )
    case = Case.objects.create(
        number="TX-2025-00001",
        kind="administrative",
        title="桃溪村邻里殴打他人案",
        facts="两村民因宅基地纠纷互殴",
        source="walk_in",
        station=unit(TAOXI),
        reviewing_unit=unit("wp-wb-aj"),
        handling_unit=unit(TAOXI),
        lead_officer=officer,
        accepted_at=datetime(2025, 4, 2, 9, 0, tzinfo=SHANGHAI),
        created_by=officer,
    )
    village = Division.objects.filter(parent__code="350824105000").order_by("code").first()
    incident = Incident.objects.create(
        number="J2025040200001",
        received_at=datetime(2025, 4, 2, 8, 0, tzinfo=SHANGHAI),
        source="phone_110",
        village=village,
        area="rural",
        category="dispute",
        subcategory="neighbour",
        narrative="报警称邻里因宅基地发生争吵",
        station=unit(TAOXI),
        unit=unit("wp-wb-zh"),
        created_by=user_of("dispatcher"),
    )
    incident.officers.add(officer)
    return {"officer": officer, "case": case, "incident": incident}


def handled(profile, label: str):
    return next(h for h in profile.handled if h.label == label)


def test_the_officer_sees_his_training_honours_and_work(record, user_of) -> None:
    officer = record["officer"]
    profile = selectors.officer_profile(actor=officer, officer_id=officer.pk, today=date(2025, 6, 10))
    [enrolment] = profile.enrolments
    assert enrolment.passed and str(enrolment.score) == "88.0"
    assert [h.title for h in profile.honours] == ["个人三等功"]
    assert handled(profile, "承办案件").count == 1
    assert handled(profile, "承办案件").recent[0]["url"] == f"/cases/{record['case'].pk}/"
    assert handled(profile, "处置警情").count == 1
    assert handled(profile, "调解纠纷").count == 0
    assert profile.overdue == 0
    # Reading one's own record is not an audited look at someone's file.
    assert not AuditEntry.objects.filter(action="personnel.view", object_id=str(officer.pk)).exists()


def test_the_work_shown_is_what_the_reader_may_see(record, user_of) -> None:
    # The political department keeps training records, not cases: what it may not see stays hidden.
    profile = selectors.officer_profile(actor=user_of("personnel"), officer_id=record["officer"].pk)
    cases = handled(profile, "承办案件")
    assert not cases.visible and cases.count == 0 and cases.recent == []
    # The chief reads the cases of his station.
    profile = selectors.officer_profile(actor=user_of("chief"), officer_id=record["officer"].pk)
    assert handled(profile, "承办案件").count == 1


def test_the_profile_pdf_summarises_the_record(record, user_of) -> None:
    officer = record["officer"]
    _, pdf = documents.profile_pdf(actor=officer, officer_id=officer.pk, today=date(2025, 6, 10))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in (
        "民警个人档案摘要",
        officer.full_name,
        "桃溪社区警务队",
        "新修订《治安管理处罚法》专题培训",
        "88.0",
        "合格",
        "个人三等功",
        "龙岩市公安局",
        "承办案件",
        "逾期未完成的必训课程：0门",
    ):
        assert expected in text, expected
    assert AuditEntry.objects.filter(action="personnel.profile_pdf", object_id=str(officer.pk)).exists()


def test_the_pdf_of_another_officer_is_refused_like_his_page(record, user_of) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        documents.profile_pdf(actor=user_of("pingchuan_officer"), officer_id=record["officer"].pk)
