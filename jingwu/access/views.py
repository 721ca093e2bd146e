"""The second-factor pages (二次验证): status, enrolment with a QR code, verification, admin reset."""

from __future__ import annotations

from typing import Any

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingwu.access import second_factor as sf
from jingwu.access.policy import has_capability, require
from jingwu.core.errors import ServiceError
from jingwu.core.forms import apply_service_error, form_status, submit_form


class TokenForm(forms.Form):
    token = forms.CharField(label=_("动态口令或恢复码"), max_length=20, strip=True)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """The user's own second factor: enrolled or not, recovery codes left."""
    return render(
        request,
        "access/second_factor.html",
        {
            "enrolled": sf.has_confirmed_device(request.user),
            "required": sf.second_factor_required(request.user),
            "role_needs": sf.role_needs_second_factor(request.user),
            "codes_left": sf.recovery_codes_left(request.user),
            "can_reset": has_capability(request.user, "second_factor.reset"),
        },
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """绑定身份验证器: scan the QR code, type the first code; the recovery codes are shown once."""
    if sf.has_confirmed_device(request.user) and not request.user.is_verified():
        # Re-enrolling must not be a way around the second factor: verify with the old one first.
        return redirect(f"/account/2fa/verify/?next={request.path}")
    device = sf.pending_device(request.user)
    if request.method != "POST" or device is None:
        device = sf.enrolment_start(actor=request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    result = submit_form(
        request, form, lambda data: sf.enrolment_confirm(actor=request.user, token=data["token"])
    )
    if result is not None:
        confirmed, codes = result
        django_otp.login(request, confirmed)
        return render(request, "access/recovery_codes.html", {"codes": codes, "next": _next(request)})
    return render(
        request,
        "access/second_factor_setup.html",
        {
            "form": form,
            "qr": sf.qr_data_uri(device),
            "secret": sf.secret_base32(device),
            "next": _next(request),
        },
        status=form_status(form),
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """输入动态口令 after the password; a recovery code is accepted instead (and spent)."""
    if not sf.has_confirmed_device(request.user):
        return redirect("access:second_factor_setup")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = sf.verify(actor=request.user, token=form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            if isinstance(device, sf.StaticDevice):
                messages.warning(
                    request,
                    _("已使用一个恢复码，剩余 %(n)d 个。") % {"n": sf.recovery_codes_left(request.user)},
                )
            return redirect(_next(request))
        apply_service_error(form, ServiceError("动态口令不正确", {"token": "动态口令不正确或已使用"}))
    return render(
        request,
        "access/second_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=form_status(form),
    )


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """重新生成恢复码 (the old ones stop working)."""
    try:
        codes = sf.recovery_codes_regenerate(actor=request.user)
    except ServiceError as refusal:
        messages.error(request, refusal.message)
        return redirect("access:second_factor")
    return render(request, "access/recovery_codes.html", {"codes": codes, "next": "/account/2fa/"})


@login_required
def users(request: HttpRequest) -> HttpResponse:
    """二次验证管理: who must use a second factor and who has enrolled (administrators)."""
    require(request.user, "second_factor.reset")
    role_codes = {r.value for r in sf.SECOND_FACTOR_ROLES}
    enrolled = set(sf.TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows: list[dict[str, Any]] = []
    for user in get_user_model().objects.select_related("unit").order_by("unit__code", "username"):
        needs = bool(set(user.role_codes) & role_codes)
        if needs or user.pk in enrolled:
            rows.append({"user": user, "needs": needs, "enrolled": user.pk in enrolled})
    return render(request, "access/second_factor_users.html", {"rows": rows})


@login_required
@require_POST
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        user = sf.second_factor_reset(actor=request.user, user_id=user_id)
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("已重置 %(name)s 的二次验证，其下次登录时须重新绑定。") % {"name": user.full_name}
        )
    return redirect("access:second_factor_users")
