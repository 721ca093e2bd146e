from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

# A JSON escape of NUL: `\u0000` preceded by an even number of backslashes (an odd count escapes the
# backslash itself, and the text is then a harmless literal "\u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class LanguageMiddleware:
    """Chinese first: the language is the user's explicit choice (cookie) or zh-hans, never guessed
    from the browser's Accept-Language, which on many intranet PCs says English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulCharactersMiddleware:
    """Refuses, with 400, a request whose parameters or text body hold a NUL character.

    No field of Jingwu may contain one, and PostgreSQL cannot store or even compare it in a text value:
    without this check such a request reached the database and answered 500 (schemathesis found it with
    a NUL in a list filter). Files (multipart file parts) are not inspected: their bytes are their own.
    """

    FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = self._holds_nul(request)
        except RequestDataTooBig:
            refused = False  # the view's own handling answers 413, as without this check
        if refused:
            message = _("请求中含有不允许的空字符（NUL），请检查输入")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": {}}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def _holds_nul(self, request: HttpRequest) -> bool:
        if _has_nul(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type == "application/json":
            return b"\x00" in request.body or bool(_JSON_NUL.search(request.body))
        if content_type in self.FORM_BODIES:
            return _has_nul(request.POST)
        return False


def _has_nul(params: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists())
