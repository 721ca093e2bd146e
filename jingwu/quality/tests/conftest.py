"""A small constructed bureau-year for the evaluation tests: cases of 桃溪, 平川 and 武北 with deadlines,
legal review returns, supplementary investigation returns and supervision notices, in a past quarter
(2025-Q2) so that the live computation is stable; `NOW` is the moment the tests compute at."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from jingwu.org.models import Unit, User
from jingwu.quality.periods import parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 8, 15, 10, 0, tzinfo=SHANGHAI)
Q2 = parse_period("2025-Q2")
TAOXI, PINGCHUAN, WUBEI = "wp-ps-350824105", "wp-ps-350824001", "wp-wb"
_numbers = count(1)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


@pytest.fixture
def client_for(db: None) -> Any:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


class Builder:
    """Records made straight through the models: the sources read them, no workflow needed."""

    def __init__(self) -> None:
        self.officer = User.objects.get(username="officer")

    def case(
        self, handling: str | None, *, reviewing: str = "wp-wb-aj", title: str = "村民家中被盗案"
    ) -> Any:
        from jingwu.cases.models import Case

        n = next(_numbers)
        return Case.objects.create(
            number=f"QT-2025-{n:05d}",
            kind="criminal",
            title=title,
            facts="报案人称其家中财物被盗",
            source="walk_in",
            station=unit(TAOXI),
            reviewing_unit=unit(reviewing),
            handling_unit=unit(handling) if handling else None,
            accepted_at=local(2025, 4, 2, 9, 0),
            created_by=self.officer,
        )

    def deadline(self, case: Any, unit_code: str, status: str, due_at: datetime, rule: str = "CR-002") -> Any:
        from jingwu.supervision.models import Deadline

        return Deadline.objects.create(
            subject_type="case",
            subject_id=case.pk,
            rule_id=rule,
            key=f"P{next(_numbers)}",
            title="刑事拘留后提请批准逮捕",
            citation="刑事诉讼法 第91条",
            status=status,
            due_at=due_at,
            unit=unit(unit_code),
            evaluated_at=due_at,
        )

    def approval_returned(self, case: Any, decided_at: datetime, *, roles: list[str], step: int) -> Any:
        from jingwu.cases.models import Approval

        return Approval.objects.create(
            case=case,
            subject="transition:transfer_for_prosecution",
            label="移送审查起诉",
            roles=roles,
            step=step,
            status="returned",
            history=[{"role": roles[step], "decision": "return", "opinion": "证据链不完整，补充询问笔录"}],
            submitted_by=self.officer,
            decided_at=decided_at,
        )

    def supplementary(self, case: Any, at: datetime) -> Any:
        from jingwu.timeline.models import LegalEvent

        return LegalEvent.objects.create(
            subject_type="case",
            subject_id=case.pk,
            code="returned_for_supplementary_investigation",
            at=at,
            unit=case.reviewing_unit,
        )

    def notice(
        self,
        case: Any,
        unit_code: str,
        *,
        kind: str = "notice",
        issued_at: datetime,
        rectify_by: date,
        status: str = "issued",
        accepted_at: datetime | None = None,
    ) -> Any:
        from jingwu.supervision.models import SupervisionNotice

        return SupervisionNotice.objects.create(
            number=f"武公法监〔2025〕{next(_numbers)}号",
            kind=kind,
            case=case,
            unit=unit(unit_code),
            defect="missing_document",
            description="卷内缺少拘留通知书送达回执",
            issued_by=User.objects.get(username="legal_affairs"),
            issued_at=issued_at,
            rectify_by=rectify_by,
            status=status,
            accepted_at=accepted_at,
        )


@pytest.fixture
def build(db: None) -> Builder:
    return Builder()
