"""The pages of 队伍建设 (training, officers' records) and of the 荣誉室 (honours wall, station brands).
Thin: every write is a service call (access and audit are there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.access.policy import can, has_capability, require
from jingwu.cases.storage import read
from jingwu.core.errors import ServiceError
from jingwu.core.forms import form_status, submit_form
from jingwu.personnel import documents, forms, selectors, services
from jingwu.personnel.models import BrandPhoto, Enrolment, StationBrand
from jingwu.personnel.training import course_kinds


def _tabs(request: HttpRequest, current: str) -> dict[str, object]:
    user = request.user
    return {
        "tab": current,
        "can_review": has_capability(user, "personnel.review"),
        "can_manage": has_capability(user, "personnel.manage"),
        "kinds": {k.code: k.name for k in course_kinds().values()},
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """队伍建设: reviewers land on the courses, every other officer on his own record."""
    require(request.user, "personnel.view")
    if has_capability(request.user, "personnel.review"):
        return redirect("personnel:courses")
    return redirect("personnel:profile", request.user.pk)


# --------------------------------------------------------------------------------------------------
# training


@login_required
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    rows = selectors.course_list(actor=request.user).select_related("organiser")[:200]
    return render(request, "personnel/courses.html", {"courses": rows, **_tabs(request, "courses")})


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "personnel.manage")
    form = forms.CourseForm(request.POST or None)
    course = submit_form(request, form, lambda data: services.course_create(actor=request.user, **data))
    if course:
        messages.success(request, f"已计划课程“{course.title}”，参训{course.enrolments.count()}人")
        return redirect("personnel:course", course.pk)
    return render(
        request,
        "personnel/course_form.html",
        {"form": form, **_tabs(request, "courses")},
        status=form_status(form),
    )


def _course_page(
    request: HttpRequest, course_id: int, status: int = 200, bound: dict | None = None
) -> HttpResponse:
    course = selectors.course_get(actor=request.user, course_id=course_id)
    enrolments = selectors.course_enrolments(actor=request.user, course=course)
    today = timezone.localdate()
    manage = has_capability(request.user, "personnel.manage")
    rows = [
        {
            "enrolment": e,
            "overdue": not e.completed and course.due_on < today,
            "form": (bound or {}).get(e.pk)
            or (
                forms.AttendanceForm(
                    initial={"status": e.status, "score": e.score, "note": e.note}, prefix=f"e{e.pk}"
                )
                if manage
                else None
            ),
        }
        for e in enrolments
    ]
    context = {
        "course": course,
        "kind": course_kinds().get(course.kind),
        "rows": rows,
        "tally": selectors.course_tally(enrolments, today),
        **_tabs(request, "courses"),
    }
    return render(request, "personnel/course.html", context, status=status)


@login_required
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    return _course_page(request, course_id)


@login_required
@require_POST
def course_enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    added = services.course_enrol_required(actor=request.user, course_id=course_id)
    messages.success(request, f"已补充参训人员{added}人")
    return redirect("personnel:course", course_id)


@login_required
@require_POST
def attendance(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    require(request.user, "personnel.manage")
    enrolment = Enrolment.objects.filter(pk=enrolment_id).only("course_id").first()
    if enrolment is None:
        raise Http404
    form = forms.AttendanceForm(request.POST, prefix=f"e{enrolment_id}")
    done = submit_form(
        request,
        form,
        lambda data: services.attendance_record(actor=request.user, enrolment_id=enrolment_id, **data),
    )
    if done:
        messages.success(request, f"已登记 {done.officer.full_name} 的参训情况")
        return redirect("personnel:course", enrolment.course_id)
    return _course_page(request, enrolment.course_id, status=form_status(form), bound={enrolment_id: form})


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    rows = selectors.overdue_enrolments(actor=request.user)[:500]
    return render(request, "personnel/overdue.html", {"rows": rows, **_tabs(request, "overdue")})


@login_required
@require_GET
def officers(request: HttpRequest) -> HttpResponse:
    require(request.user, "personnel.review")
    rows = selectors.officers_in_scope(actor=request.user)[:500]
    return render(request, "personnel/officers.html", {"officers": rows, **_tabs(request, "officers")})


@login_required
@require_GET
def profile(request: HttpRequest, officer_id: int) -> HttpResponse:
    data = selectors.officer_profile(actor=request.user, officer_id=officer_id)
    tab = "me" if data.officer.pk == request.user.pk else "officers"
    return render(request, "personnel/profile.html", {"profile": data, **_tabs(request, tab)})


@login_required
@require_GET
def profile_pdf(request: HttpRequest, officer_id: int) -> HttpResponse:
    data, pdf = documents.profile_pdf(actor=request.user, officer_id=officer_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"个人档案摘要-{data.officer.full_name}.pdf"
    )
    return response


# --------------------------------------------------------------------------------------------------
# honours and station culture


@login_required
@require_GET
def honours(request: HttpRequest) -> HttpResponse:
    entries = selectors.honour_wall(actor=request.user)
    return render(
        request,
        "personnel/honours.html",
        {"entries": entries, "can_manage": has_capability(request.user, "personnel.manage")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def honour_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "personnel.manage")
    form = forms.HonourForm(request.POST or None)
    honour = submit_form(request, form, lambda data: services.honour_create(actor=request.user, **data))
    if honour:
        messages.success(request, f"已登记荣誉“{honour.title}”")
        return redirect("personnel:honour_unit", selectors.wall_unit(honour.unit).pk)
    return render(request, "personnel/honour_form.html", {"form": form}, status=form_status(form))


def _unit_page(request: HttpRequest, unit_id: int, status: int = 200, **bound: object) -> HttpResponse:
    wall = selectors.unit_wall(actor=request.user, unit_id=unit_id)
    can_edit = (
        can(request.user, "culture.manage", wall.unit, unit_field="")
        and wall.unit.kind in services.BRAND_UNIT_KINDS
    )
    context = {
        "wall": wall,
        "can_edit": can_edit,
        "brand_form": bound.get("brand_form")
        or forms.BrandForm(
            initial={"name": wall.brand.name, "motto": wall.brand.motto, "text": wall.brand.text}
            if wall.brand
            else None
        ),
        "photo_form": bound.get("photo_form") or forms.PhotoForm(),
        "activity_form": bound.get("activity_form") or forms.ActivityForm(),
    }
    return render(request, "personnel/unit.html", context, status=status)


@login_required
@require_GET
def honour_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _unit_page(request, unit_id)


@login_required
@require_POST
def brand_save(request: HttpRequest, unit_id: int) -> HttpResponse:
    form = forms.BrandForm(request.POST)
    if submit_form(
        request, form, lambda data: services.brand_save(actor=request.user, unit_id=unit_id, **data)
    ):
        messages.success(request, "已保存品牌介绍")
        return redirect("personnel:honour_unit", unit_id)
    return _unit_page(request, unit_id, status=form_status(form), brand_form=form)


def _brand_id(unit_id: int) -> int:
    brand_id = StationBrand.objects.filter(unit_id=unit_id).values_list("pk", flat=True).first()
    if brand_id is None:
        raise ServiceError("请先填写品牌介绍，再上传照片或登记活动")
    return brand_id


@login_required
@require_POST
def brand_photo(request: HttpRequest, unit_id: int) -> HttpResponse:
    require(request.user, "culture.manage")
    form = forms.PhotoForm(request.POST, request.FILES)

    def upload(data: dict) -> object:
        upload = data["photo"]
        return services.brand_photo_add(
            actor=request.user,
            brand_id=_brand_id(unit_id),
            name=upload.name,
            content=upload.read(),
            caption=data["caption"],
        )

    if submit_form(request, form, upload):
        messages.success(request, "已上传照片")
        return redirect("personnel:honour_unit", unit_id)
    return _unit_page(request, unit_id, status=form_status(form), photo_form=form)


@login_required
@require_POST
def brand_activity(request: HttpRequest, unit_id: int) -> HttpResponse:
    require(request.user, "culture.manage")
    form = forms.ActivityForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda data: services.brand_activity_add(actor=request.user, brand_id=_brand_id(unit_id), **data),
    )
    if done:
        messages.success(request, "已登记品牌活动")
        return redirect("personnel:honour_unit", unit_id)
    return _unit_page(request, unit_id, status=form_status(form), activity_form=form)


@login_required
@require_GET
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A brand photo, for whoever may visit the honours room; served from the content-addressed store."""
    require(request.user, "honours.view")
    item = BrandPhoto.objects.filter(pk=photo_id).first()
    if item is None:
        raise Http404
    try:
        content = read(item.path)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=item.content_type)
    response["Content-Disposition"] = content_disposition_header(False, item.file_name)
    response["Cache-Control"] = "private, max-age=3600"
    return response
