from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from jingwu.audit.models import Outcome
from jingwu.audit.selectors import audit_entry_list
from jingwu.audit.services import audit_record

FILTERS = ("username", "action", "object_type", "object_id", "outcome", "date_from", "date_to")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """Auditors browse and filter the log; browsing is itself recorded."""
    params = {name: request.GET.get(name, "").strip() for name in FILTERS}
    entries = audit_entry_list(
        actor=request.user,
        username=params["username"],
        action=params["action"],
        object_type=params["object_type"],
        object_id=params["object_id"],
        outcome=params["outcome"],
        date_from=_date(params["date_from"]),
        date_to=_date(params["date_to"]),
    )
    audit_record(
        actor=request.user,
        action="audit.view",
        object_type="audit.auditentry",
        changes={"filters": {k: v for k, v in params.items() if v}} if any(params.values()) else None,
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    extra_query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "params": params,
            "outcomes": Outcome.choices,
            "extra_query": extra_query + "&" if extra_query else "",
        },
    )
