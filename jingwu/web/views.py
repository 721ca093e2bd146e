from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingwu.access.policy import has_capability, require, unit_scope
from jingwu.org.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from jingwu.web.home import home_sections


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_accounts"] = DEMO_ACCOUNTS
            context["demo_password"] = DEMO_PASSWORD
        return context


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this after too many failures, for the account or for the address."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "登录失败次数过多，账号或地址已被暂时锁定，请15分钟后再试"}, status=429
        )
    return render(request, "web/locked_out.html", status=429)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(request.user, "home.view")
    return render(
        request,
        "web/home.html",
        {
            "sections": home_sections(request.user),
            "scope": unit_scope(request.user),
            "can_persons": has_capability(request.user, "person.view"),
        },
    )
