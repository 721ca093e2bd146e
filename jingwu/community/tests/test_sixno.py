"""Six-no assessments (六无社区): the criteria as data, the evidence shown automatically, and the rule that
a community with a relevant case in the year cannot pass that criterion without a recorded justification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.cases.choices import CaseKind, CaseSource
from jingwu.cases.offences import find_offence
from jingwu.cases.services import case_accept
from jingwu.community import selectors, services
from jingwu.community.evidence import evidence_for
from jingwu.community.services import CriterionVerdict
from jingwu.community.sixno import CriteriaError, criteria, parse_criteria
from jingwu.core.errors import Conflict, ServiceError
from jingwu.incidents.services import incident_create

PASS, FAIL = "pass", "fail"


def all_pass(**overrides: CriterionVerdict) -> dict[str, CriterionVerdict]:
    return {item.key: overrides.get(item.key, CriterionVerdict(PASS)) for item in criteria().items}


@pytest.fixture
def fraud_case(user_of, xincai):
    """A telecom-fraud incident in 新礤村 this year, accepted as a 帮信 case."""
    incident = incident_create(
        actor=user_of("wubei_dispatcher"),
        source="phone_110",
        village_code=xincai.code,
        category="criminal",
        subcategory="telecom_fraud",
        narrative="群众举报出租屋内有人用大量手机卡拨打电话。",
        received_at=timezone.now() - timedelta(hours=5),
    ).incident
    offence = find_offence("帮助信息网络犯罪活动罪", CaseKind.CRIMINAL)
    case = case_accept(
        actor=user_of("wubei_officer"),
        kind=CaseKind.CRIMINAL,
        title="新礤村帮信案",
        facts="为诈骗团伙提供手机卡。",
        source=CaseSource.INCIDENT,
        incident_id=incident.pk,
        offence_code=offence.code,
    )
    return incident, case


def test_the_six_criteria_load_with_their_source() -> None:
    loaded = criteria()
    assert len(loaded.items) == 6
    assert "六无" in loaded.source
    assert loaded.get("no_fraud_den").title_zh == "无电信网络诈骗窝点"
    assert loaded.get("no_fraud_den").matches_incident("criminal", "telecom_fraud")
    assert not loaded.get("no_fraud_den").matches_incident("criminal", "theft")
    assert loaded.get("no_drugs").matches_offence("非法持有毒品罪")


def test_a_criteria_file_naming_unknown_things_stops() -> None:
    base = {"key": "a", "title_zh": "甲", "incidents": [], "offences": ["诈骗罪"]}
    six = [dict(base, key=f"k{i}") for i in range(6)]
    categories, names = {"criminal": {"telecom_fraud"}}, {"诈骗罪"}
    assert len(parse_criteria({"source": "x", "criteria": six}, categories, names).items) == 6
    with pytest.raises(CriteriaError, match="source"):
        parse_criteria({"criteria": six}, categories, names)
    with pytest.raises(CriteriaError, match="six"):
        parse_criteria({"source": "x", "criteria": six[:5]}, categories, names)
    with pytest.raises(CriteriaError, match="incident category"):
        parse_criteria(
            {"source": "x", "criteria": [dict(six[0], incidents=["criminal/arson"]), *six[1:]]},
            categories,
            names,
        )
    with pytest.raises(CriteriaError, match="offence"):
        parse_criteria(
            {"source": "x", "criteria": [dict(six[0], offences=["无此罪"]), *six[1:]]}, categories, names
        )


def test_evidence_shows_the_communitys_incidents_and_cases_of_the_year(fraud_case, xincai, taoxi) -> None:
    incident, case = fraud_case
    year = timezone.localdate().year
    evidence = evidence_for(xincai, year)
    assert [row["number"] for row in evidence["no_fraud_den"].incidents] == [incident.number]
    assert [row["number"] for row in evidence["no_fraud_den"].cases] == [case.number]
    assert not evidence["no_drugs"]
    assert not evidence_for(xincai, year - 1)["no_fraud_den"]  # another year
    assert not evidence_for(taoxi, year)["no_fraud_den"]  # another village


def test_passing_a_criterion_with_a_case_needs_a_justification(chief, fraud_case, xincai) -> None:
    year = timezone.localdate().year
    with pytest.raises(ServiceError) as refused:
        services.sixno_assess(
            actor=chief, community_id=xincai.pk, year=year, verdicts=all_pass(), conclude=True
        )
    assert refused.value.message == "有相关案（事）件的评估项判定达标须说明理由"
    assert "须填写说明理由" in refused.value.field_errors["no_fraud_den"]
    assert set(refused.value.field_errors) == {"no_fraud_den"}
    # Failing it needs no justification; passing it with one is accepted and recorded.
    failed = services.sixno_assess(
        actor=chief, community_id=xincai.pk, year=year, verdicts=all_pass(no_fraud_den=CriterionVerdict(FAIL))
    )
    assert failed.status == "draft"
    justified = services.sixno_assess(
        actor=chief,
        community_id=xincai.pk,
        year=year,
        verdicts=all_pass(
            no_fraud_den=CriterionVerdict(PASS, "窝点系外地人员临时租住，已打掉，非本村人员组织")
        ),
        conclude=True,
    )
    assert justified.verdict == "pass" and justified.status == "concluded"
    result = justified.results.get(criterion="no_fraud_den")
    assert result.justification.startswith("窝点系外地人员") and result.evidence == [
        fraud_case[0].number,
        fraud_case[1].number,
    ]
    assert AuditEntry.objects.filter(action="sixno.assess", object_id=str(justified.pk)).count() == 2


def test_one_failing_criterion_fails_the_community_and_a_concluded_one_is_locked(
    chief, fraud_case, xincai
) -> None:
    year = timezone.localdate().year
    assessment = services.sixno_assess(
        actor=chief,
        community_id=xincai.pk,
        year=year,
        verdicts=all_pass(no_fraud_den=CriterionVerdict(FAIL)),
        conclude=True,
    )
    assert assessment.verdict == "fail"
    with pytest.raises(Conflict):
        services.sixno_assess(
            actor=chief, community_id=xincai.pk, year=year, verdicts=all_pass(), conclude=True
        )


def test_concluding_needs_all_six_and_unknown_keys_are_refused(chief, taoxi) -> None:
    year = timezone.localdate().year
    with pytest.raises(ServiceError) as refused:
        services.sixno_assess(
            actor=chief,
            community_id=taoxi.pk,
            year=year,
            verdicts={"no_drugs": CriterionVerdict(PASS)},
            conclude=True,
        )
    assert len(refused.value.field_errors) == 5
    with pytest.raises(ServiceError):
        services.sixno_assess(
            actor=chief, community_id=taoxi.pk, year=year, verdicts={"no_ghosts": CriterionVerdict(PASS)}
        )


def test_only_the_stations_chief_assesses(officer, user_of, taoxi) -> None:
    from django.core.exceptions import PermissionDenied

    year = timezone.localdate().year
    with pytest.raises(PermissionDenied):
        services.sixno_assess(actor=officer, community_id=taoxi.pk, year=year, verdicts=all_pass())
    with pytest.raises(Http404):
        services.sixno_assess(
            actor=user_of("roster-wp-ps-350824001-chief"),
            community_id=taoxi.pk,
            year=year,
            verdicts=all_pass(),
        )
    with pytest.raises(Http404):
        selectors.sixno_detail(actor=user_of("pingchuan_officer"), community_id=taoxi.pk, year=year)
