from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.core.errors import ServiceError
from jingwu.core.forms import apply_service_error, form_status, submit_form
from jingwu.supervision import services
from jingwu.supervision.catalogue import catalogue
from jingwu.supervision.forms import NoticeFilterForm, NoticeIssueForm, NoticeResponseForm, NoticeReviewForm
from jingwu.supervision.models import (
    OPEN_NOTICE_STATUSES,
    Deadline,
    DeadlineStatus,
    NoticeKind,
    NoticeStatus,
    SupervisionNotice,
)
from jingwu.supervision.selectors import (
    ALERT_STATUSES,
    deadline_counts,
    deadlines_for,
    notice_get,
    notices_for,
    subject_labels,
)
from jingwu.supervision.services import issue_action, may_respond, may_review, notice_issue

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
        "can_issue_notice": has_capability(request.user, "notice.issue"),
    }
    return render(request, "supervision/deadlines.html", context)


# ----------------------------------------------------------------------------------------------------------
# Supervision notices (执法监督通知书) and procurators' opinions (检察监督意见)

# The services' argument names → the forms' fields, so that a refusal lands on its input.
NOTICE_FIELDS = {"case_id": "case_number", "deadline_id": "case_number"}


def _issuable_kinds(user: Any) -> list[str]:
    return [k for k in NoticeKind.values if has_capability(user, issue_action(k))]


def _on_fields(error: ServiceError) -> ServiceError:
    error.field_errors = {NOTICE_FIELDS.get(k, k): v for k, v in error.field_errors.items()}
    return error


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """监督通知: the notices and opinions the user may see, with filters (status, kind, overdue)."""
    require(request.user, "notice.view")
    form = NoticeFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    case_id = request.GET.get("case", "")
    notices = notices_for(
        actor=request.user,
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        overdue=bool(data.get("overdue")),
        case_id=int(case_id) if case_id.isdigit() else None,
    )
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "can_issue": bool(_issuable_kinds(request.user)),
        "defects": catalogue().defects,
        "extra_query": f"{query.urlencode()}&" if query else "",
    }
    return render(request, "supervision/notices.html", context)


def _initial(request: HttpRequest, kinds: list[str]) -> dict[str, Any]:
    """Prefill from ?case=<id> or ?deadline=<id> (the 下发监督通知 action of a breach row)."""
    from jingwu.cases.selectors import case_list

    initial: dict[str, Any] = {"kind": kinds[0], "rectify_by": timezone.localdate() + timedelta(days=7)}
    deadline_id, case_id = request.GET.get("deadline", ""), request.GET.get("case", "")
    if deadline_id.isdigit():
        deadline = (
            deadlines_for(actor=request.user, statuses=None)
            .filter(pk=deadline_id, subject_type="case")
            .first()
        )
        if deadline is not None:
            case_id = str(deadline.subject_id)
            initial.update(
                deadline=deadline.pk,
                defect="overdue",
                description=f"{deadline.title}已于 {timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M} "
                f"届满，未依法办理（{deadline.rule_id}）。依据：{deadline.citation}"
                if deadline.due_at
                else deadline.title,
            )
    if case_id.isdigit():
        number = case_list(actor=request.user).filter(pk=case_id).values_list("number", flat=True).first()
        if number:
            initial["case_number"] = number
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest) -> HttpResponse:
    """下发执法监督通知书 (legal affairs) / 提出检察监督意见 (procurators)."""
    from jingwu.cases.models import Case

    kinds = _issuable_kinds(request.user)
    if not kinds:
        require(request.user, "notice.issue")  # audited refusal, 403
    form = NoticeIssueForm(request.POST or None, initial=_initial(request, kinds), kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case_id = Case.objects.filter(number=data["case_number"].strip()).values_list("pk", flat=True).first()
        try:
            if case_id is None:
                raise ServiceError("未找到该案件", {"case_number": "未找到该编号的案件"})
            notice = notice_issue(
                actor=request.user,
                case_id=case_id,
                kind=data["kind"],
                defect=data["defect"],
                opinion_type=data.get("opinion_type") or "",
                description=data["description"],
                requirement=data["requirement"],
                rectify_by=data["rectify_by"],
                deadline_id=data["deadline"],
            )
        except Http404:
            form.add_error("case_number", "未找到该案件或无权查看")
        except ServiceError as exc:
            apply_service_error(form, _on_fields(exc))
        else:
            messages.success(request, f"已下发 {notice.number}")
            return redirect("supervision:notice", notice.pk)
    status = 400 if form.errors else 200
    return render(request, "supervision/notice_new.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, notice: SupervisionNotice, **bound: Any) -> dict[str, Any]:
    user = request.user
    cat = catalogue()
    can_respond = notice.status in OPEN_NOTICE_STATUSES and may_respond(user, notice)
    can_review = notice.status == NoticeStatus.RESPONDED and may_review(user, notice)
    opinion = cat.opinion_types.get(notice.opinion_type)
    return {
        "notice": notice,
        "defect": cat.defects.get(notice.defect, notice.defect),
        "opinion": opinion,
        "issuer_name": cat.issuers[notice.kind],
        "entries": list(notice.entries.select_related("actor", "actor__unit")),
        "overdue": notice.status in OPEN_NOTICE_STATUSES and notice.rectify_by < timezone.localdate(),
        "response_form": (bound.get("response_form") or NoticeResponseForm()) if can_respond else None,
        "review_form": (bound.get("review_form") or NoticeReviewForm()) if can_review else None,
    }


@login_required
@require_GET
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = notice_get(actor=request.user, notice_id=notice_id)
    return render(request, "supervision/notice_detail.html", _detail_context(request, notice))


def _notice_write(
    request: HttpRequest, notice_id: int, form: Any, key: str, action: Any, success: str
) -> HttpResponse:
    result = submit_form(request, form, action)
    if result is not None:
        messages.success(request, success)
        return redirect("supervision:notice", notice_id)
    refusal = getattr(form, "service_error", None)
    messages.error(request, refusal.message if refusal else "提交的内容有误，请检查后重试")
    notice = notice_get(actor=request.user, notice_id=notice_id)
    status = refusal.status_code if refusal else form_status(form)
    return render(
        request,
        "supervision/notice_detail.html",
        _detail_context(request, notice, **{key: form}),
        status=status,
    )


@login_required
@require_POST
def notice_respond(request: HttpRequest, notice_id: int) -> HttpResponse:
    form = NoticeResponseForm(request.POST)
    return _notice_write(
        request,
        notice_id,
        form,
        "response_form",
        lambda data: services.notice_respond(actor=request.user, notice_id=notice_id, text=data["text"]),
        "已反馈整改情况",
    )


@login_required
@require_POST
def notice_review(request: HttpRequest, notice_id: int) -> HttpResponse:
    form = NoticeReviewForm(request.POST)
    decision = request.POST.get("decision", "")
    return _notice_write(
        request,
        notice_id,
        form,
        "review_form",
        lambda data: services.notice_review(
            actor=request.user, notice_id=notice_id, decision=data["decision"], comment=data["comment"]
        ),
        "已验收通过" if decision == "accept" else "已退回重改",
    )


@login_required
@require_GET
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The notice as an A4 PDF (WeasyPrint, like the case documents)."""
    from jingwu.supervision.documents import notice_pdf as render_notice

    notice = notice_get(actor=request.user, notice_id=notice_id)
    response = HttpResponse(render_notice(notice, request.user), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{notice.number}.pdf")
    return response
