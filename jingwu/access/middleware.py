"""The second factor's gate (二次验证拦截): a signed-in user who must verify is sent to verify first."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class SecondFactorMiddleware:
    """After the password, before anything else: a user whom `second_factor_required` names and whose
    session is not yet verified (django-otp's OTPMiddleware sets `user.is_verified`) may only reach
    the second-factor pages, logout, language switching and static files. The API is not gated here:
    it never accepts a session, and its tokens need the second factor when issued (jingwu.access.tokens).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _open_paths(self) -> tuple[str, ...]:
        return (
            "/account/2fa/verify/",
            "/account/2fa/setup/",
            reverse("web:logout"),
            "/i18n/",
            "/api/",
            settings.STATIC_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self._open_paths()):
            from jingwu.access.second_factor import has_confirmed_device, second_factor_required

            if second_factor_required(user) and not user.is_verified():
                name = (
                    "access:second_factor_verify"
                    if has_confirmed_device(user)
                    else "access:second_factor_setup"
                )
                target = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
                if request.headers.get("HX-Request") == "true":  # htmx swaps 2xx only
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)
