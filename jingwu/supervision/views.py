from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jingwu.access.policy import require
from jingwu.supervision.models import Deadline, DeadlineStatus
from jingwu.supervision.selectors import ALERT_STATUSES, deadline_counts, deadlines_for

STATUS_FILTERS = {
    "": ALERT_STATUSES,
    "warning": (DeadlineStatus.WARNING,),
    "breach": (DeadlineStatus.BREACH,),
    "pending": (DeadlineStatus.PENDING,),
}


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天" + (f"{hours}小时" if hours else "")
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分" if minutes else "不足1分钟"


def countdown_text(due_at: datetime | None, now: datetime) -> str:
    """'还剩 3小时12分' before the due time, '已超期 2天' after it; '' without a due time."""
    if due_at is None:
        return ""
    seconds = int((due_at - now).total_seconds())
    return f"还剩 {_span(seconds)}" if seconds >= 0 else f"已超期 {_span(-seconds)}"


def subject_labels(deadlines: list[Deadline]) -> dict[tuple[str, int], str]:
    """{(subject_type, id): case or incident number} for a page of deadlines, in two queries."""
    from jingwu.cases.models import Case
    from jingwu.incidents.models import Incident

    labels: dict[tuple[str, int], str] = {}
    case_ids = {d.subject_id for d in deadlines if d.subject_type == "case"}
    incident_ids = {d.subject_id for d in deadlines if d.subject_type == "incident"}
    if case_ids:
        for pk, number, title in Case.objects.filter(pk__in=case_ids).values_list("pk", "number", "title"):
            labels["case", pk] = f"{number} {title}"
    if incident_ids:
        for pk, number in Incident.objects.filter(pk__in=incident_ids).values_list("pk", "number"):
            labels["incident", pk] = number or f"警情#{pk}"
    return labels


def person_labels(deadlines: list[Deadline]) -> dict[str, str]:
    """{person key "P<party id>": the party's name} for the case deadlines counted per person."""
    from jingwu.cases.models import CaseParty

    ids = {int(d.key[1:]) for d in deadlines if d.subject_type == "case" and re.fullmatch(r"P\d+", d.key)}
    if not ids:
        return {}
    parties = CaseParty.objects.filter(pk__in=ids).values_list("pk", "person__name")
    return {f"P{pk}": name for pk, name in parties}


def deadline_rows(deadlines: list[Deadline], now: datetime) -> list[dict[str, Any]]:
    subjects = subject_labels(deadlines)
    people = person_labels(deadlines)
    return [
        {
            "deadline": d,
            "subject": subjects.get((d.subject_type, d.subject_id), f"{d.subject_type}#{d.subject_id}"),
            "subject_kind": "案件" if d.subject_type == "case" else "警情",
            "person": people.get(d.key, d.key),
            "countdown": countdown_text(d.due_at, now),
        }
        for d in deadlines
    ]


@login_required
@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    """执法监督期限: the warnings and breaches the user may see, soonest due first."""
    require(request.user, "deadline.view")
    status = request.GET.get("status", "")
    statuses = STATUS_FILTERS.get(status, ALERT_STATUSES)
    mine = request.GET.get("mine") == "1"
    deadlines = deadlines_for(actor=request.user, statuses=statuses, mine=mine)
    page = Paginator(deadlines, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": deadline_rows(list(page.object_list), now),
        "counts": deadline_counts(actor=request.user),
        "status": status if status in STATUS_FILTERS else "",
        "mine": mine,
        "extra_query": f"{query.urlencode()}&" if query else "",
        "now": now,
    }
    return render(request, "supervision/deadlines.html", context)
