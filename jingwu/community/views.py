"""The community pages (社区警务): the assignment board, a village's page, the assistant's grid work (a
phone-sized page), information reports and their conversion, the monthly performance sheet, six-no
assessments, dialogue meetings and tasks. Thin: every write is a service call; a refusal is shown on
the page it was posted from, with its Chinese message and 400/409."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.community import export, forms, selectors, services
from jingwu.community.choices import ConcernOutcome, HazardStatus, ReportStatus
from jingwu.community.models import Assignment, Concern
from jingwu.community.performance import scheme, staff_kinds
from jingwu.community.services import ConcernInput, CriterionVerdict
from jingwu.core.errors import ServiceError
from jingwu.core.forms import refusal_status, renamed_fields, submit_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD_NAMES = {"user_id": "user", "owner_id": "owner", "village_id": "village", "staff_id": "staff"}


def _grouped_villages(actor: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for village in selectors.villages_in_scope(actor):
        groups.setdefault(village.parent.name, []).append((village.pk, village.name))
    return list(groups.items())


# --------------------------------------------------------------------------------------------------
# assignments


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """网格责任人一览: villages by township with their assistant and community officer."""
    user = request.user
    if selectors.is_assistant_only(user):
        return redirect("community:grid")
    require(user, "community.view")
    township = request.GET.get("township", "")
    blocks = selectors.assignment_board(actor=user, township_code=township)
    context = {
        "blocks": blocks,
        "township": township,
        "townships": [b.township for b in selectors.assignment_board(actor=user)]
        if township
        else [b.township for b in blocks],
        "missing": sum(b.missing for b in blocks),
        "can_assign": has_capability(user, "community.assign"),
    }
    return render(request, "community/board.html", context)


@login_required
@require_GET
def village_detail(request: HttpRequest, village_id: int) -> HttpResponse:
    user = request.user
    village = selectors.village_get(actor=user, village_id=village_id)
    return render(request, "community/village.html", _village_context(request, village))


def _village_context(request: HttpRequest, village: Any, **bound: Any) -> dict[str, Any]:
    user = request.user
    can_assign = has_capability(user, "community.assign")
    users: list[tuple[int, str]] = []
    if can_assign:
        for kind in ("assistant", "officer"):
            users += [
                (u.pk, f"{u.full_name}（{u.unit.name}）")
                for u in selectors.assignable_users(actor=user, village=village, kind=kind)
            ]
    history = selectors.assignment_history(village=village)
    return {
        "village": village,
        "history": history,
        "current": [a for a in history if a.ends_on is None],
        "can_assign": can_assign,
        "assign_form": bound.get("assign_form") or forms.AssignForm(users=users),
        "end_form": forms.EndForm(initial={"ends_on": timezone.localdate()}),
        "staff_view": has_capability(user, "community.view"),
    }


@login_required
@require_POST
def assign(request: HttpRequest, village_id: int) -> HttpResponse:
    user = request.user
    require(user, "community.assign")
    village = selectors.village_get(actor=user, village_id=village_id)
    users = [
        (u.pk, u.full_name)
        for kind in ("assistant", "officer")
        for u in selectors.assignable_users(actor=user, village=village, kind=kind)
    ]
    form = forms.AssignForm(request.POST, users=users)
    done = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.assignment_set(
                actor=user,
                village_id=village.pk,
                kind=d["kind"],
                user_id=int(d["user"]),
                starts_on=d["starts_on"],
                note=d["note"],
            )
        ),
    )
    if done:
        messages.success(request, f"已将{done.user.full_name}设为{village.name}的{done.get_kind_display()}")
        return redirect("community:village", village.pk)
    return render(
        request,
        "community/village.html",
        _village_context(request, village, assign_form=form),
        status=refusal_status(form),
    )


@login_required
@require_POST
def assignment_end(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = request.user
    form = forms.EndForm(request.POST)
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    done = submit_form(
        request,
        form,
        lambda d: services.assignment_end(
            actor=user, assignment_id=assignment_id, ends_on=d["ends_on"], note=d["note"]
        ),
    )
    if done:
        messages.success(request, "已终止该任职")
    else:
        messages.error(
            request, "；".join(str(e) for errors in form.errors.values() for e in errors) or "无法终止"
        )
    return redirect("community:village", assignment.village_id) if assignment else redirect("community:board")


# --------------------------------------------------------------------------------------------------
# the assistant's grid work (phone-sized)

GRID_FORMS: dict[str, tuple[type[django_forms.Form], str]] = {
    "patrol": (forms.PatrolForm, "记录巡逻"),
    "visit": (forms.VisitForm, "记录入户走访"),
    "hazard": (forms.HazardForm, "上报安全隐患"),
    "report": (forms.ReportForm, "信息报送"),
    "log": (forms.LogForm, "今日工作日志"),
}


@login_required
@require_GET
def grid(request: HttpRequest) -> HttpResponse:
    """网格工作: the assistant's village, today's log, open hazards and what they recorded lately."""
    user = request.user
    require(user, "gridwork.record")
    assignment = services.current_assignment(user)
    context: dict[str, Any] = {"assignment": assignment}
    if assignment is not None:
        officer = (
            Assignment.objects.filter(village=assignment.village, kind="officer", ends_on__isnull=True)
            .select_related("user")
            .first()
        )
        context.update(
            {
                "officer": officer,
                "log": selectors.today_log(actor=user),
                "open_hazards": selectors.hazard_list(actor=user, status=HazardStatus.OPEN)[:10],
                "activities": selectors.activity_list(actor=user)[:8],
                "reports": selectors.report_list(actor=user)[:8],
                "tasks": selectors.task_list(actor=user).filter(status="open")[:5],
            }
        )
    return render(request, "community/grid.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def grid_record(request: HttpRequest, kind: str) -> HttpResponse:
    user = request.user
    require(user, "gridwork.record")
    if kind not in GRID_FORMS:
        raise Http404
    form_class, title = GRID_FORMS[kind]
    initial: dict[str, Any] = {}
    if kind == "log" and (log := selectors.today_log(actor=user)) is not None:
        initial["content"] = log.content
    form = form_class(request.POST or None, initial=initial)

    def record(data: dict[str, Any]) -> Any:
        if kind in ("patrol", "visit"):
            return services.activity_record(actor=user, kind=kind, **data)
        if kind == "hazard":
            return services.hazard_report(actor=user, **data)
        if kind == "report":
            return services.report_submit(actor=user, **data)
        return services.daily_log_save(actor=user, content=data["content"])

    done = submit_form(request, form, record)
    if done:
        messages.success(request, f"{title}已保存")
        return redirect("community:grid")
    return render(
        request,
        "community/grid_form.html",
        {"form": form, "title": title, "kind": kind},
        status=refusal_status(form),
    )


@login_required
@require_GET
def hazard_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    hazards = selectors.hazard_list(actor=request.user, status=status)[:200]
    return render(
        request,
        "community/hazards.html",
        {
            "hazards": hazards,
            "status": status,
            "statuses": HazardStatus.choices,
            "staff_view": has_capability(request.user, "community.view"),
        },
    )


@login_required
@require_POST
def hazard_fix(request: HttpRequest, hazard_id: int) -> HttpResponse:
    form = forms.FixForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda d: services.hazard_fix(
            actor=request.user, hazard_id=hazard_id, fixed_on=d["fixed_on"], note=d["note"]
        ),
    )
    if done:
        messages.success(request, "已记录隐患整改")
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/community/") else "community:hazards")


# --------------------------------------------------------------------------------------------------
# information reports


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get(
        "status", "" if selectors.is_assistant_only(request.user) else ReportStatus.SUBMITTED
    )
    reports = selectors.report_list(actor=request.user, status=status if status != "all" else "")[:200]
    return render(
        request,
        "community/reports.html",
        {
            "reports": reports,
            "status": status,
            "statuses": ReportStatus.choices,
            "staff_view": has_capability(request.user, "community.view"),
        },
    )


def _report_context(request: HttpRequest, report: Any, **bound: Any) -> dict[str, Any]:
    user = request.user
    pending = report.status == ReportStatus.SUBMITTED
    can_handle = pending and has_capability(user, "community.manage")
    return {
        "report": report,
        "staff_view": has_capability(user, "community.view"),
        "can_incident": can_handle and has_capability(user, "incident.create"),
        "can_dispute": can_handle and has_capability(user, "dispute.create"),
        "can_decide": can_handle,
        "incident_form": bound.get("incident_form") or forms.ToIncidentForm(),
        "dispute_form": bound.get("dispute_form") or forms.ToDisputeForm(),
        "decide_form": bound.get("decide_form") or forms.DecideForm(),
    }


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(actor=request.user, report_id=report_id)
    return render(request, "community/report.html", _report_context(request, report))


@login_required
@require_POST
def report_to_incident(request: HttpRequest, report_id: int) -> HttpResponse:
    user = request.user
    report = selectors.report_get(actor=user, report_id=report_id)
    form = forms.ToIncidentForm(request.POST)
    incident = submit_form(
        request,
        form,
        lambda _: services.report_to_incident(actor=user, report_id=report.pk, **form.service_arguments()),
    )
    if incident:
        messages.success(request, f"已将信息 {report.number} 转为警情 {incident.number}")
        return redirect("community:report", report.pk)
    return render(
        request,
        "community/report.html",
        _report_context(request, report, incident_form=form),
        status=refusal_status(form),
    )


@login_required
@require_POST
def report_to_dispute(request: HttpRequest, report_id: int) -> HttpResponse:
    user = request.user
    report = selectors.report_get(actor=user, report_id=report_id)
    form = forms.ToDisputeForm(request.POST)
    dispute = submit_form(
        request,
        form,
        lambda d: services.report_to_dispute(
            actor=user,
            report_id=report.pk,
            kind=d["kind"],
            parties=form.parties(),
            relationship=d["relationship"],
        ),
    )
    if dispute:
        messages.success(request, f"已将信息 {report.number} 转为矛盾纠纷 {dispute.number}")
        return redirect("community:report", report.pk)
    return render(
        request,
        "community/report.html",
        _report_context(request, report, dispute_form=form),
        status=refusal_status(form),
    )


@login_required
@require_POST
def report_decide(request: HttpRequest, report_id: int) -> HttpResponse:
    user = request.user
    report = selectors.report_get(actor=user, report_id=report_id)
    form = forms.DecideForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda d: services.report_decide(
            actor=user, report_id=report.pk, adopted=d["adopted"], note=d["note"]
        ),
    )
    if done:
        messages.success(request, "已记录处理意见")
        return redirect("community:report", report.pk)
    return render(
        request,
        "community/report.html",
        _report_context(request, report, decide_form=form),
        status=refusal_status(form),
    )


# --------------------------------------------------------------------------------------------------
# performance


@login_required
@require_GET
def performance_sheet(request: HttpRequest) -> HttpResponse:
    user = request.user
    month = selectors.check_month(request.GET.get("month", ""))
    sheet = selectors.monthly_sheet(actor=user, month=month)
    return render(
        request,
        "community/performance.html",
        {"sheet": sheet, "month": month, "scheme": scheme(), "kinds": staff_kinds()},
    )


@login_required
@require_GET
def performance_export(request: HttpRequest) -> HttpResponse:
    month = selectors.check_month(request.GET.get("month", ""))
    content, filename = export.monthly_workbook(actor=request.user, month=month)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def staff_month(request: HttpRequest, staff_id: int) -> HttpResponse:
    user = request.user
    month = selectors.check_month(request.GET.get("month") or request.POST.get("month", ""))
    form = forms.AdjustForm(request.POST or None)
    if request.method == "POST":
        require(user, "performance.manage")
    done = submit_form(
        request,
        form,
        lambda d: services.adjustment_record(
            actor=user, staff_id=staff_id, month=month, points=d["points"], reason=d["reason"]
        ),
    )
    if done:
        messages.success(request, "已记录绩效调整")
        return redirect(f"{request.path}?month={month}")
    row = selectors.staff_month(actor=user, staff_id=staff_id, month=month)
    return render(
        request,
        "community/staff_month.html",
        {"row": row, "month": month, "form": form, "can_adjust": has_capability(user, "performance.manage")},
        status=refusal_status(form),
    )


# --------------------------------------------------------------------------------------------------
# six-no


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return (
        int(value)
        if value.isdigit() and 2000 <= int(value) <= timezone.localdate().year
        else timezone.localdate().year
    )


@login_required
@require_GET
def sixno_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    rows = selectors.sixno_overview(actor=request.user, year=year)
    return render(request, "community/sixno_list.html", {"rows": rows, "year": year})


@login_required
@require_http_methods(["GET", "POST"])
def sixno_detail(request: HttpRequest, community_id: int, year: int) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        require(user, "sixno.assess")
    community, assessment, views = selectors.sixno_detail(actor=user, community_id=community_id, year=year)
    initial = {}
    for view in views:
        initial[f"{view.criterion.key}_verdict"] = view.verdict
        initial[f"{view.criterion.key}_justification"] = view.justification
    form = forms.SixNoForm(request.POST or None, initial=initial)

    def assess(data: dict[str, Any]) -> Any:
        verdicts = {
            v.criterion.key: CriterionVerdict(
                data[f"{v.criterion.key}_verdict"], data[f"{v.criterion.key}_justification"]
            )
            for v in views
            if data.get(f"{v.criterion.key}_verdict")
        }
        try:
            return services.sixno_assess(
                actor=user, community_id=community.pk, year=year, verdicts=verdicts, conclude=data["conclude"]
            )
        except ServiceError as exc:
            # A criterion's refusal belongs beside its justification (or its verdict, when one is missing).
            exc.field_errors = {
                f"{key}_{'justification' if key in verdicts else 'verdict'}": message
                for key, message in exc.field_errors.items()
            }
            raise

    done = submit_form(request, form, assess)
    if done:
        messages.success(request, "已保存六无评估" + ("并评定" if done.status == "concluded" else ""))
        return redirect("community:sixno_detail", community.pk, year)
    rows = [
        (view, form[f"{view.criterion.key}_verdict"], form[f"{view.criterion.key}_justification"])
        for view in views
    ]
    return render(
        request,
        "community/sixno_detail.html",
        {
            "community": community,
            "assessment": assessment,
            "rows": rows,
            "year": year,
            "form": form,
            "can_assess": has_capability(user, "sixno.assess")
            and not (assessment and assessment.status == "concluded"),
        },
        status=refusal_status(form),
    )


# --------------------------------------------------------------------------------------------------
# dialogue meetings and tasks


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meeting_list(actor=request.user)[:100]
    return render(
        request,
        "community/meetings.html",
        {"meetings": meetings, "can_create": has_capability(request.user, "community.manage")},
    )


def _concerns(text: str) -> list[ConcernInput]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        who, sep, what = line.partition("：")
        found.append(
            ConcernInput(text=what.strip(), raised_by=who.strip())
            if sep and len(who) <= 20
            else ConcernInput(text=line)
        )
    return found


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, "community.manage")
    form = forms.MeetingForm(
        request.POST or None, villages=_grouped_villages(user), initial={"held_on": timezone.localdate()}
    )
    meeting = submit_form(
        request,
        form,
        renamed_fields(FIELD_NAMES)(
            lambda d: services.meeting_record(
                actor=user,
                village_id=d["village"],
                held_on=d["held_on"],
                place=d["place"],
                attendees=d["attendees"],
                attendee_count=d["attendee_count"] or 0,
                summary=d["summary"],
                concerns=_concerns(d["concerns"]),
            )
        ),
    )
    if meeting:
        messages.success(request, "已记录警民恳谈会")
        return redirect("community:meeting", meeting.pk)
    return render(request, "community/meeting_form.html", {"form": form}, status=refusal_status(form))


def _owners(actor: Any, meeting: Any) -> list[tuple[int, str]]:
    from jingwu.org.models import User

    users = User.objects.filter(unit__path__startswith=meeting.station.path, is_active=True).exclude(
        roles__code__in=["mediator"]
    )
    return [
        (u.pk, f"{u.full_name}（{u.unit.name}）")
        for u in users.select_related("unit").distinct().order_by("unit__path", "username")[:200]
    ]


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, meeting_id=meeting_id)
    return render(request, "community/meeting.html", _meeting_context(request, meeting))


def _meeting_context(request: HttpRequest, meeting: Any) -> dict[str, Any]:
    user = request.user
    return {
        "meeting": meeting,
        "concerns": meeting.concerns.select_related("dispute", "incident", "task__owner"),
        "can_handle": has_capability(user, "community.manage"),
        "incident_form": forms.ToIncidentForm(),
        "dispute_form": forms.ToDisputeForm(),
        "task_form": forms.TaskForm(owners=_owners(user, meeting), initial={"due_on": timezone.localdate()}),
        "answer_form": forms.AnswerForm(),
    }


@login_required
@require_POST
def concern_act(request: HttpRequest, concern_id: int, action: str) -> HttpResponse:
    """One action on a concern: to a dispute, an incident or a task, or answered on the spot."""
    user = request.user
    require(user, "community.manage")
    concern = Concern.objects.select_related("meeting__station").filter(pk=concern_id).first()
    if concern is None:
        raise Http404
    meeting = selectors.meeting_get(actor=user, meeting_id=concern.meeting_id)
    form: django_forms.Form
    if action == "dispute":
        form = forms.ToDisputeForm(request.POST)
        done = submit_form(
            request,
            form,
            lambda d: services.concern_to_dispute(
                actor=user,
                concern_id=concern_id,
                kind=d["kind"],
                parties=form.parties(),
                relationship=d["relationship"],
            ),
        )
    elif action == "incident":
        form = forms.ToIncidentForm(request.POST)
        done = submit_form(
            request,
            form,
            lambda _: services.concern_to_incident(
                actor=user, concern_id=concern_id, **form.service_arguments()
            ),
        )
    elif action == "task":
        form = forms.TaskForm(request.POST, owners=_owners(user, meeting))
        done = submit_form(
            request,
            form,
            renamed_fields(FIELD_NAMES)(
                lambda d: services.concern_to_task(
                    actor=user,
                    concern_id=concern_id,
                    title=d["title"],
                    owner_id=d["owner"],
                    due_on=d["due_on"],
                )
            ),
        )
    elif action == "answer":
        form = forms.AnswerForm(request.POST)
        done = submit_form(
            request,
            form,
            lambda d: services.concern_answer(actor=user, concern_id=concern_id, answer=d["answer"]),
        )
    else:
        raise Http404
    if done:
        outcome = ConcernOutcome.ANSWERED if action == "answer" else ConcernOutcome(action)
        messages.success(request, f"已处理：{outcome.label}")
        return redirect("community:meeting", meeting.pk)
    context = _meeting_context(request, meeting)
    context["error_concern"] = concern_id
    context["errors"] = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "community/meeting.html", context, status=refusal_status(form))


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    tasks = selectors.task_list(actor=request.user, overdue_only=overdue, today=today)[:200]
    return render(
        request,
        "community/tasks.html",
        {
            "tasks": tasks,
            "overdue": overdue,
            "today": today,
            "staff_view": has_capability(request.user, "community.view"),
        },
    )


@login_required
@require_POST
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    form = forms.CompleteForm(request.POST)
    done = submit_form(
        request, form, lambda d: services.task_complete(actor=request.user, task_id=task_id, note=d["note"])
    )
    if done:
        messages.success(request, "任务已办结")
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("community:tasks")
