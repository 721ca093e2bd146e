"""The center's pages (执法办案管理中心): who is inside now with the countdown to the legal limit (polled by
htmx), the registration of an entry, a stay's page with its log, sessions, belongings and exit, and the
history. Thin views over jingwu.custody.services and .selectors; a refusal is shown on the page that was
posted from, with its Chinese message and 400/409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import has_capability, require
from jingwu.cases.models import Measure
from jingwu.cases.storage import read
from jingwu.core.forms import refusal_status, renamed_fields, submit_form
from jingwu.custody import forms, selectors, services
from jingwu.custody.config import custody_config
from jingwu.custody.models import BelongingPhoto
from jingwu.supervision.views import countdown_text

# The services' argument names → the forms' field names, so that a refusal lands on its input.
FIELD_NAMES = {
    "brought_by_ids": "brought_by",
    "officer_ids": "officers",
    "belonging_ids": "belongings",
    "photos": "photo",
}


def _say_why(form: django_forms.Form) -> None:
    """Keep the refusal's own sentence above the form too (the field messages only say what to fix)."""
    refusal = getattr(form, "service_error", None)
    if refusal is not None and refusal.message not in form.non_field_errors():
        form.add_error(None, refusal.message)


def elapsed_text(span: timedelta) -> str:
    """'3小时12分': how long a person has been inside."""
    minutes = max(0, int(span.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分"


def _screen_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    rows = selectors.inside_now(actor=request.user, now=now)
    return {
        "rows": [
            {
                "r": row,
                "duration": elapsed_text(now - row.stay.entered_at),
                "countdown": countdown_text(row.limit.due_at, now),
            }
            for row in rows
        ],
        "now": timezone.localtime(now),
        "can_register": has_capability(request.user, "custody.manage"),
    }


@login_required
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """在区人员: the center's screen."""
    require(request.user, "custody.view")
    return render(request, "custody/screen.html", _screen_context(request))


@login_required
@require_GET
def inside(request: HttpRequest) -> HttpResponse:
    """The screen's table alone, polled by htmx."""
    require(request.user, "custody.view")
    return render(request, "custody/_inside.html", _screen_context(request))


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    require(request.user, "custody.view")
    form = forms.HistoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.HistoryFilters(
        text=data.get("text") or "",
        destination=data.get("destination") or "",
        since=data.get("since"),
        until=data.get("until"),
    )
    page = Paginator(selectors.stay_history(actor=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.history_rows(list(page.object_list)),
        "extra_query": query.urlencode() + "&" if query else "",
    }
    return render(request, "custody/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """入区登记: search the case or the person, pick the party's measure, then the document and officers."""
    require(request.user, "custody.manage")
    query = request.GET.get("q", "").strip()
    measure_id = request.GET.get("measure", "")
    chosen = None
    if measure_id:
        if not measure_id.isdigit():
            raise Http404
        matches = [
            o
            for o in selectors.basis_options(actor=request.user, query=_measure_query(measure_id))
            if o.measure.pk == int(measure_id)
        ]
        if not matches:
            raise Http404
        chosen = matches[0]
    form = forms.RegisterForm(
        request.POST or None, officers=services.officer_candidates(chosen.case) if chosen else ()
    )
    if chosen is not None:
        stay = submit_form(
            request,
            form,
            renamed_fields(FIELD_NAMES)(
                lambda data: services.stay_register(
                    actor=request.user,
                    case_id=chosen.case.pk,
                    party_id=chosen.measure.party_id,
                    measure_id=chosen.measure.pk,
                    basis_document=data["basis_document"],
                    brought_by_ids=data["brought_by"],
                    entered_at=data["entered_at"],
                    note=data["note"],
                )
            ),
        )
        if stay:
            messages.success(request, f"已登记入区：{stay.person.name}")
            return redirect("custody:detail", stay.pk)
        _say_why(form)
    context = {
        "query": query,
        "options": selectors.basis_options(actor=request.user, query=query) if query and not chosen else [],
        "chosen": chosen,
        "form": form,
    }
    return render(
        request, "custody/register.html", context, status=refusal_status(form) if form.errors else 200
    )


def _measure_query(measure_id: str) -> str:
    """The case number of a measure: the search that finds it again (scoped like any search)."""
    measure = Measure.objects.filter(pk=int(measure_id)).select_related("case").first()
    if measure is None:
        raise Http404
    return measure.case.number


# --------------------------------------------------------------------------------------------------
# one stay


def _detail(request: HttpRequest, stay_id: int, status: int = 200, **bound: Any) -> HttpResponse:
    detail = selectors.stay_get(actor=request.user, stay_id=stay_id)
    stay = detail.stay
    now = timezone.now()
    rooms = custody_config().rooms
    for session in detail.sessions:
        session.room_name = rooms.get(session.room, session.room)
    context: dict[str, Any] = {
        "d": detail,
        "stay": stay,
        "countdown": countdown_text(detail.limit.due_at, now),
        "outstanding": [b for b in detail.belongings if b.returned_at is None],
    }
    if detail.can_manage:
        officers = services.officer_candidates(stay.case)
        context["log_form"] = bound.get("log_form") or forms.LogForm()
        context["session_form"] = bound.get("session_form") or forms.SessionForm(officers=officers)
        context["end_form"] = forms.SessionEndForm()
        if stay.exited_at is None:
            context["belonging_form"] = bound.get("belonging_form") or forms.BelongingForm()
            context["exit_form"] = bound.get("exit_form") or forms.ExitForm()
        if context["outstanding"]:
            context["return_form"] = bound.get("return_form") or forms.ReturnForm(
                outstanding=context["outstanding"]
            )
    return render(request, "custody/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, stay_id: int) -> HttpResponse:
    return _detail(request, stay_id)


def _act(
    request: HttpRequest,
    stay_id: int,
    name: str,
    form: django_forms.Form,
    action: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    services.visible_stay(request.user, stay_id)  # 404 before anything for a stay one cannot see
    if submit_form(request, form, renamed_fields(FIELD_NAMES)(action)) is not None:
        messages.success(request, done)
        return redirect("custody:detail", stay_id)
    _say_why(form)
    return _detail(request, stay_id, status=refusal_status(form), **{name: form})


@login_required
@require_POST
def log_add(request: HttpRequest, stay_id: int) -> HttpResponse:
    form = forms.LogForm(request.POST)
    return _act(
        request,
        stay_id,
        "log_form",
        form,
        lambda d: services.stay_log_add(
            actor=request.user, stay_id=stay_id, kind=d["kind"], text=d["text"], at=d["at"]
        ),
        "已记录",
    )


@login_required
@require_POST
def session_add(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay = services.visible_stay(request.user, stay_id)
    form = forms.SessionForm(request.POST, officers=services.officer_candidates(stay.case))
    return _act(
        request,
        stay_id,
        "session_form",
        form,
        lambda d: services.session_add(
            actor=request.user,
            stay_id=stay_id,
            kind=d["kind"],
            room=d["room"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            officer_ids=d["officers"],
        ),
        "已登记讯问/询问",
    )


@login_required
@require_POST
def session_end(request: HttpRequest, stay_id: int, session_id: int) -> HttpResponse:
    form = forms.SessionEndForm(request.POST)
    stay = services.visible_stay(request.user, stay_id)
    if not stay.sessions.filter(pk=session_id).exists():
        raise Http404
    return _act(
        request,
        stay_id,
        "end_form",
        form,
        lambda d: services.session_end(actor=request.user, session_id=session_id, ended_at=d["ended_at"]),
        "讯问/询问已结束",
    )


@login_required
@require_POST
def belonging_add(request: HttpRequest, stay_id: int) -> HttpResponse:
    form = forms.BelongingForm(request.POST, request.FILES)

    def add(d: dict[str, Any]) -> Any:
        upload = d.get("photo")
        photos = (
            [services.Photo(upload.name, upload.read(), upload.content_type or "")]
            if upload is not None
            else []
        )
        return services.belonging_add(
            actor=request.user,
            stay_id=stay_id,
            name=d["name"],
            quantity=d["quantity"],
            description=d["description"],
            photos=photos,
        )

    return _act(request, stay_id, "belonging_form", form, add, "已登记随身物品")


@login_required
@require_POST
def belongings_return(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay = services.visible_stay(request.user, stay_id)
    form = forms.ReturnForm(request.POST, outstanding=stay.belongings.filter(returned_at__isnull=True))
    return _act(
        request,
        stay_id,
        "return_form",
        form,
        lambda d: services.belongings_return(
            actor=request.user,
            stay_id=stay_id,
            belonging_ids=d["belongings"],
            received_by=d["received_by"],
            signature_confirmed=d["signature_confirmed"],
        ),
        "物品已返还并签收",
    )


@login_required
@require_POST
def stay_exit(request: HttpRequest, stay_id: int) -> HttpResponse:
    form = forms.ExitForm(request.POST)
    return _act(
        request,
        stay_id,
        "exit_form",
        form,
        lambda d: services.stay_exit(actor=request.user, stay_id=stay_id, **d),
        "已登记出区",
    )


@login_required
@require_GET
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A belonging's photo, for those who may read the stay."""
    found = BelongingPhoto.objects.filter(pk=photo_id).select_related("belonging").first()
    if found is None:
        raise Http404
    services.visible_stay(request.user, found.belonging.stay_id)
    try:
        content = read(found.path)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
