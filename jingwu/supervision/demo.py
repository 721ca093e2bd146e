"""Demo supervision notices (执法监督通知书) and procurators' opinions (检察监督意见) on the demo cases, in
every state of their flow, so that the notice pages, the inboxes and the home sections have something
to show. Runs the deadline sweep first: the breaches it flags (and the notifications that follow) are
what a notice is issued from."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from jingwu.cases.models import Case
from jingwu.org.models import User
from jingwu.supervision import services
from jingwu.supervision.models import Deadline, DeadlineStatus, SupervisionNotice
from jingwu.supervision.recipients import CHIEF, overseers

#: (defect, what legal affairs found, what the unit did)
FINDINGS = [
    (
        "missing_document",
        "卷内缺少《拘留通知书》副本，无法证明已在规定时限内通知被拘留人家属。",
        "已补充《拘留通知书》副本及送达回执，并对承办民警进行了提醒谈话。",
    ),
    (
        "wrong_legal_basis",
        "《受案登记表》引用的法律条款与认定的违法事实不符。",
        "已重新核对法律依据，更正受案登记表并由审核人签字确认。",
    ),
    (
        "procedure_violation",
        "询问笔录未记载告知当事人权利义务的内容，询问人签名不全。",
        "已组织办案民警学习《公安机关办理行政案件程序规定》，对笔录存在的问题作出书面说明。",
    ),
]
REOPEN_COMMENT = "书面说明未附整改责任人签字，请补充后重新反馈。"
ACCEPT_COMMENT = "整改措施到位，予以验收。"


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _responder(case: Case) -> User | None:
    """Who answers for the case's unit in the demo: its lead officer, else a chief covering the unit."""
    if case.lead_officer_id:
        return User.objects.select_related("unit").get(pk=case.lead_officer_id)
    unit_id = case.handling_unit_id or case.reviewing_unit_id
    chiefs = sorted(overseers([unit_id], roles=[CHIEF]).get(unit_id, ()))
    return User.objects.select_related("unit").get(pk=chiefs[0]) if chiefs else None


def _issue(actor: User, case: Case, rng: random.Random, **values: Any) -> SupervisionNotice:
    return services.notice_issue(
        actor=actor,
        case_id=case.pk,
        rectify_by=timezone.localdate() + timedelta(days=rng.choice([5, 7, 10, 15])),
        **values,
    )


def load(rng: random.Random) -> int:
    if SupervisionNotice.objects.exists():
        return 0
    services.deadlines_sweep()  # flags the breaches; the notifications follow its commit
    legal, procurator = _user("legal_affairs"), _user("procurator")
    used: set[int] = set()
    created = 0

    # 1. From a breach found by the engine: issued, waiting for the unit.
    breach = (
        Deadline.objects.filter(status=DeadlineStatus.BREACH, subject_type="case")
        .exclude(officer=None)
        .order_by("due_at", "id")
        .first()
    )
    if breach is not None:
        case = Case.objects.get(pk=breach.subject_id)
        due = timezone.localtime(breach.due_at).strftime("%Y-%m-%d %H:%M") if breach.due_at else ""
        _issue(
            legal,
            case,
            rng,
            kind="notice",
            defect="overdue",
            description=f"{breach.title}已于 {due} 届满，未依法办理（{breach.rule_id}）。",
            requirement="立即依法办理，查明超期原因并书面说明，落实责任人。",
            deadline_id=breach.pk,
        )
        used.add(case.pk)
        created += 1

    # 2–4. Defects found by reading the file: one responded, one accepted, one reopened.
    cases = list(Case.objects.exclude(lead_officer=None).exclude(pk__in=used).order_by("accepted_at", "id"))
    rng.shuffle(cases)
    for (defect, found, done), outcome in zip(FINDINGS, ("responded", "accepted", "reopened"), strict=True):
        if not cases:
            break
        case = cases.pop()
        responder = _responder(case)
        notice = _issue(legal, case, rng, kind="notice", defect=defect, description=found)
        created += 1
        used.add(case.pk)
        if responder is None:
            continue
        services.notice_respond(actor=responder, notice_id=notice.pk, text=done)
        if outcome == "accepted":
            services.notice_accept(actor=legal, notice_id=notice.pk, comment=ACCEPT_COMMENT)
        elif outcome == "reopened":
            services.notice_reopen(actor=legal, notice_id=notice.pk, comment=REOPEN_COMMENT)

    # 5–6. The procuratorate on criminal cases: one answered by the unit, one still open.
    criminal = [c for c in cases if c.kind == "criminal"]
    criminal.sort(key=lambda c: (c.status != "transferred", c.pk))
    opinions = [
        (
            "correction_notice",
            "procedure_violation",
            "犯罪嫌疑人被刑事拘留后，未在二十四小时内通知其家属，亦未记载无法通知的原因。",
            "已补充通知家属并制作《拘留通知书》送达回执，对相关民警进行了批评教育。",
        ),
        (
            "procuratorial_suggestion",
            "missing_document",
            "随案移送的扣押物品清单与扣押决定书记载不一致，建议规范涉案财物登记。",
            "",
        ),
    ]
    for (opinion_type, defect, found, done), case in zip(opinions, criminal, strict=False):
        notice = _issue(
            procurator,
            case,
            rng,
            kind="procurator_opinion",
            opinion_type=opinion_type,
            defect=defect,
            description=found,
        )
        created += 1
        responder = _responder(case)
        if done and responder is not None:
            services.notice_respond(actor=responder, notice_id=notice.pk, text=done)
    return created
