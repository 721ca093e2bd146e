from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jingwu.web.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    menu = menu_for(user) if user is not None and user.is_authenticated else []
    return {"menu": menu, "demo_mode": settings.DEMO_MODE}
