"""Per-request facts the audit log records (address, request id, path), kept in a context variable."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    request_id: str = ""
    path: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "jingwu_request_context", default=None
)
NO_REQUEST = RequestContext()


def current_request() -> RequestContext:
    """The request being served, or empty facts outside a request (commands, jobs)."""
    return _current.get() or NO_REQUEST


def bind_request(context: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def unbind_request(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
