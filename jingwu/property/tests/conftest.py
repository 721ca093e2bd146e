"""Fixtures of the property tests: demo accounts, a 桃溪 criminal case led by `officer`, an administrative
case, property-room locations, and a file store per test.

Demo accounts (jingwu/org/demo.py): `officer` (桃溪社区警务队) leads the cases; `property_keeper`
(执法办案管理中心, bureau-wide); `wubei_officer` sees the case (武北 reviews for 桃溪) but is not one of
its officers; `pingchuan_officer` (平川) sees nothing of 桃溪; `leader` and `legal_affairs` read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.access.policy import visible_to
from jingwu.cases import services as case_services
from jingwu.cases.choices import PartyRole
from jingwu.cases.models import Case, CaseParty
from jingwu.cases.offences import find_offence
from jingwu.org.models import User
from jingwu.people.models import Person
from jingwu.property import services
from jingwu.property.choices import CustodyKind, PropertyCategory, SeizureKind
from jingwu.property.models import PropertyItem, PropertyLocation


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path):
    settings.JINGWU_FILES_ROOT = tmp_path / "files"
    return settings.JINGWU_FILES_ROOT


@pytest.fixture
def users(user_of) -> Any:
    """`users.officer`, `users.property_keeper` …: fresh instances of the demo accounts."""

    class Users:
        def __getattr__(self, name: str) -> User:
            user = user_of(name)
            setattr(self, name, user)
            return user

    return Users()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """Run a write with its on-commit callbacks (the deadlines' refresh) executed."""

    def run(action: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


def _case(users: Any, kind: str) -> Case:
    case = case_services.case_accept(
        actor=users.officer,
        kind=kind,
        title="桃溪村电动车被盗案" if kind == "criminal" else "桃溪村无证采伐林木案",
        facts="报案人称其电动车被盗" if kind == "criminal" else "护林员发现有人无证砍伐杉木",
        source="walk_in",
        accepted_at=timezone.now() - timedelta(days=90),
    )
    offence = (
        find_offence("盗窃罪", "criminal") if kind == "criminal" else find_offence("盗窃", "administrative")
    )
    return case_services.case_assign(
        actor=users.legal_officer,
        case_id=case.pk,
        version=case.version,
        kind=kind,
        offence_code=offence.code,
        is_major=False,
        lead_officer_id=users.officer.pk,
    )


@pytest.fixture
def case(users: Any) -> Case:
    return _case(users, "criminal")


@pytest.fixture
def admin_case(users: Any) -> Case:
    return _case(users, "administrative")


@pytest.fixture
def suspect(users: Any, case: Case) -> CaseParty:
    person = visible_to(users.officer, "person.view", Person.objects.order_by("id")).first()
    return case_services.party_add(
        actor=users.officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT
    )


@pytest.fixture
def shelf(users: Any) -> PropertyLocation:
    return services.location_create(
        actor=users.property_keeper, room="A", shelf="02", box="03", description="电子产品"
    )


@pytest.fixture
def other_shelf(users: Any) -> PropertyLocation:
    return services.location_create(
        actor=users.property_keeper, room="C", shelf="01", description="车辆停放区"
    )


@pytest.fixture
def register(users: Any, case: Case) -> Callable[..., PropertyItem]:
    """`register(seized_at=…, case=…, **overrides)`: an item registered by the case's lead officer."""

    def make(*, seized_at: datetime | None = None, on: Case | None = None, **overrides: Any) -> PropertyItem:
        data: dict[str, Any] = {
            "description": "蓝色雅迪电动车一辆，车架号LYD2024093318",
            "category": PropertyCategory.VEHICLE,
            "quantity": 1,
            "measure_unit": "辆",
            "estimated_value": "2800",
            "seizure_kind": SeizureKind.SEIZED,
            "seizure_document": "武公（刑）扣字〔2026〕15号",
            **overrides,
        }
        return services.item_register(
            actor=users.officer,
            case_id=(on or case).pk,
            seized_at=seized_at or timezone.now() - timedelta(days=40),
            **data,
        )

    return make


@pytest.fixture
def hand_in(users: Any) -> Callable[..., Any]:
    def move(item: PropertyItem, location: PropertyLocation, at: datetime | None = None) -> Any:
        return services.item_move(
            actor=users.property_keeper,
            item_id=item.pk,
            kind=CustodyKind.INTO_ROOM,
            at=at,
            location_id=location.pk,
            handed_over_by=users.officer.full_name,
            received_by=users.property_keeper.full_name,
            reason="扣押后移交",
        )

    return move
