"""Fixtures of the custody tests: demo accounts, a filed 桃溪 case with a summoned suspect, a file store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.choices import PartyRole
from jingwu.cases.models import Case, CaseParty, Measure
from jingwu.cases.offences import find_offence
from jingwu.custody import services
from jingwu.custody.models import CustodyStay
from jingwu.org.models import User
from jingwu.people.services import person_create

THEFT = find_offence("盗窃罪", "criminal").code  # type: ignore[union-attr]
TAOXI_HELPER = "roster-wp-ps-350824105-sq-1"  # an officer of the 桃溪 community team, not on the case
# A tiny valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path):
    settings.JINGWU_FILES_ROOT = tmp_path / "files"
    return settings.JINGWU_FILES_ROOT


@pytest.fixture
def users(user_of) -> Any:
    """`users.custody`, `users.officer` …: fresh instances of the demo accounts (and roster officers)."""

    class Users:
        def __getattr__(self, name: str) -> User:
            user = user_of(name)
            setattr(self, name, user)
            return user

        def get(self, username: str) -> User:
            return user_of(username)

    return Users()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """Run a service call and then its on-commit callbacks (the deadline refresh), as a commit would."""

    def run(fn: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


@dataclass
class Summoned:
    case: Case
    party: CaseParty
    measure: Measure


@pytest.fixture
def world(users, on_commit) -> Any:
    """Builders: `world.case(kind, accepted_at)` a filed case led by the 桃溪 officer;
    `world.summon(case, name, at)` a suspect summoned at `at`; `world.enter(...)` his entry."""

    class World:
        def case(self, kind: str = "criminal", accepted_at: datetime | None = None) -> Case:
            accepted_at = accepted_at or timezone.now() - timedelta(days=3)
            case = on_commit(
                case_services.case_accept,
                actor=users.officer,
                kind=kind,
                title="桃溪村民家中被盗案" if kind == "criminal" else "桃溪村民殴打他人案",
                facts="报案人称其家中财物被盗",
                source="walk_in",
                accepted_at=accepted_at,
            )
            on_commit(
                case_services.case_assign,
                actor=users.legal_officer,
                case_id=case.pk,
                version=case.version,
                kind=kind,
                offence_code=THEFT if kind == "criminal" else "A-theft",
                is_major=False,
                lead_officer_id=users.officer.pk,
            )
            approval = case_services.case_request(
                actor=users.legal_officer, case_id=case.pk, transition="file"
            )
            on_commit(
                case_services.approval_decide,
                actor=users.chief,
                approval_id=approval.pk,
                decision="approve",
                opinion="同意",
            )
            case.refresh_from_db()
            return case

        def summon(
            self, case: Case, name: str = "钟永福", at: datetime | None = None, kind: str = "summons"
        ) -> Summoned:
            person = person_create(actor=users.officer, name=name, sex="male")
            party = case_services.party_add(
                actor=users.officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT
            )
            measure = on_commit(
                case_services.measure_request,
                actor=users.officer,
                case_id=case.pk,
                party_id=party.pk,
                kind=kind,
                started_at=at or timezone.now() - timedelta(hours=3),
            )
            return Summoned(case, party, measure)

        def enter(
            self, s: Summoned, actor: User | None = None, at: datetime | None = None, **extra: Any
        ) -> CustodyStay:
            return on_commit(
                services.stay_register,
                actor=actor or users.custody,
                case_id=s.case.pk,
                party_id=s.party.pk,
                measure_id=s.measure.pk,
                basis_document=extra.pop("basis_document", "武公（桃）传字〔2026〕18号"),
                brought_by_ids=extra.pop("brought_by_ids", [users.officer.pk]),
                entered_at=at or s.measure.started_at + timedelta(minutes=10),
                **extra,
            )

    return World()
