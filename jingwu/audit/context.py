"""Per-request facts the audit log records (address, request id, path), kept in a context variable."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    request_id: str = ""
    path: str = ""


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "jingwu_request_context", default=RequestContext()
)
