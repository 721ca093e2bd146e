from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jingwu.access.policy import can, get_visible_or_404, require
from jingwu.core.errors import ServiceError
from jingwu.core.forms import apply_service_error
from jingwu.org import forms, selectors, services
from jingwu.org.models import Unit, User


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "unit.view")
    units = selectors.unit_list(actor=request.user).prefetch_related("commands")
    return render(request, "org/units.html", {"units": units, "can_manage": can(request.user, "unit.manage")})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "unit.manage")
    form = forms.UnitCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已创建单位：{unit.name}")
            return redirect("org:units")
    return render(
        request, "org/form.html", {"form": form, "title": "新建单位"}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_visible_or_404(request.user, "unit.manage", Unit.objects.all(), unit_field="", pk=unit_id)
    form = forms.UnitMoveForm(request.POST or None, initial={"parent": unit.parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"])
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已调整单位：{unit.name}")
            return redirect("org:units")
    return render(
        request,
        "org/form.html",
        {"form": form, "title": f"调整上级单位：{unit.name}"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def unit_set_active(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_visible_or_404(request.user, "unit.manage", Unit.objects.all(), unit_field="", pk=unit_id)
    active = request.POST.get("active") == "1"
    try:
        services.unit_set_active(actor=request.user, unit=unit, active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{'已启用' if active else '已停用'}：{unit.name}")
    return redirect("org:units")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(selectors.user_list(actor=request.user, query=query), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "org/users.html", {"page": page, "q": query})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "user.manage")
    form = forms.UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已创建用户：{user}")
            return redirect("org:users")
    return render(
        request, "org/form.html", {"form": form, "title": "新建用户"}, status=400 if form.errors else 200
    )


def _managed_user(request: HttpRequest, user_id: int) -> User:
    return get_visible_or_404(request.user, "user.manage", User.objects.select_related("unit"), pk=user_id)


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    initial = {
        "full_name": user.full_name,
        "unit": user.unit_id,
        "roles": sorted(user.role_codes),
        "badge_number": user.badge_number,
        "phone": user.phone,
    }
    form = forms.UserEditForm(request.POST or None, initial=initial)
    reset_form = forms.PasswordResetForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已保存：{user}")
            return redirect("org:users")
    return render(
        request,
        "org/user_edit.html",
        {"form": form, "reset_form": reset_form, "managed": user},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def user_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{'已启用' if active else '已停用'}：{user}")
    return redirect("org:users")


@login_required
@require_POST
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    reset_form = forms.PasswordResetForm(request.POST)
    if reset_form.is_valid():
        try:
            services.user_reset_password(
                actor=request.user, user=user, password=reset_form.cleaned_data["password"]
            )
        except ServiceError as exc:
            apply_service_error(reset_form, exc)
        else:
            messages.success(request, f"已重置密码：{user}")
            return redirect("org:users")
    initial = {"full_name": user.full_name, "unit": user.unit_id, "roles": sorted(user.role_codes)}
    return render(
        request,
        "org/user_edit.html",
        {"form": forms.UserEditForm(initial=initial), "reset_form": reset_form, "managed": user},
        status=400,
    )
