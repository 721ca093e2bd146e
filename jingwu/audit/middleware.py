from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jingwu.audit.context import RequestContext, bind_request, unbind_request


class RequestContextMiddleware:
    """Give every request an id and remember its address for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = bind_request(
            RequestContext(
                ip=request.META.get("REMOTE_ADDR", ""), request_id=request_id, path=request.path[:300]
            )
        )
        try:
            response = self.get_response(request)
        finally:
            unbind_request(token)
        response["X-Request-Id"] = request_id
        return response
