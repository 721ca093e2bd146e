from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jingwu.access.policy import can, get_visible_or_404, require
from jingwu.core.errors import ServiceError
from jingwu.core.forms import form_status, submit_form
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
    unit = submit_form(request, form, lambda data: services.unit_create(actor=request.user, **data))
    if unit:
        messages.success(request, f"已创建单位：{unit.name}")
        return redirect("org:units")
    return render(request, "org/form.html", {"form": form, "title": "新建单位"}, status=form_status(form))


def _managed_unit(request: HttpRequest, unit_id: int) -> Unit:
    return get_visible_or_404(request.user, "unit.manage", Unit.objects.all(), unit_field="", pk=unit_id)


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    form = forms.UnitMoveForm(request.POST or None, initial={"parent": unit.parent_id})
    moved = submit_form(
        request,
        form,
        lambda data: services.unit_move(actor=request.user, unit=unit, new_parent=data["parent"]),
    )
    if moved:
        messages.success(request, f"已调整单位：{unit.name}")
        return redirect("org:units")
    context = {"form": form, "title": f"调整上级单位：{unit.name}"}
    return render(request, "org/form.html", context, status=form_status(form))


@login_required
@require_POST
def unit_set_active(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    return _set_active(
        request,
        unit.name,
        lambda active: services.unit_set_active(actor=request.user, unit=unit, active=active),
        "org:units",
    )


def _set_active(request: HttpRequest, name: str, change: Callable[[bool], object], back: str) -> HttpResponse:
    """Deactivate or reactivate (the POSTed `active`), saying what happened or why not."""
    active = request.POST.get("active") == "1"
    try:
        change(active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{'已启用' if active else '已停用'}：{name}")
    return redirect(back)


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
    user = submit_form(request, form, lambda data: services.user_create(actor=request.user, **data))
    if user:
        messages.success(request, f"已创建用户：{user}")
        return redirect("org:users")
    return render(request, "org/form.html", {"form": form, "title": "新建用户"}, status=form_status(form))


def _managed_user(request: HttpRequest, user_id: int) -> User:
    return get_visible_or_404(request.user, "user.manage", User.objects.select_related("unit"), pk=user_id)


def _user_edit_page(
    request: HttpRequest,
    user: User,
    form: forms.UserEditForm | None = None,
    reset_form: forms.PasswordResetForm | None = None,
) -> HttpResponse:
    form = form or forms.UserEditForm(initial=_user_initial(user))
    reset_form = reset_form or forms.PasswordResetForm()
    context = {"form": form, "reset_form": reset_form, "managed": user}
    status = 400 if form.errors or reset_form.errors else 200
    return render(request, "org/user_edit.html", context, status=status)


def _user_initial(user: User) -> dict[str, object]:
    return {
        "full_name": user.full_name,
        "unit": user.unit_id,
        "roles": sorted(user.role_codes),
        "badge_number": user.badge_number,
        "phone": user.phone,
    }


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    form = forms.UserEditForm(request.POST or None, initial=_user_initial(user))
    if submit_form(request, form, lambda data: services.user_update(actor=request.user, user=user, **data)):
        messages.success(request, f"已保存：{user}")
        return redirect("org:users")
    return _user_edit_page(request, user, form=form)


@login_required
@require_POST
def user_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    return _set_active(
        request,
        str(user),
        lambda active: services.user_set_active(actor=request.user, user=user, active=active),
        "org:users",
    )


@login_required
@require_POST
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _managed_user(request, user_id)
    reset_form = forms.PasswordResetForm(request.POST)
    done = submit_form(
        request,
        reset_form,
        lambda data: services.user_reset_password(actor=request.user, user=user, password=data["password"]),
    )
    if done:
        messages.success(request, f"已重置密码：{user}")
        return redirect("org:users")
    return _user_edit_page(request, user, reset_form=reset_form)
