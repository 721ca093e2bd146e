"""Authentication endpoints of the REST API (/api/auth/) and the bearer-token auth class."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from jingwu.access.tokens import LoginFailed, token_issue, token_lookup, token_revoke

router = Router(tags=["认证"])


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; a missing, expired or revoked token is a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        found = token_lookup(token)
        if found is None:
            return None
        # Selectors and services take the actor from request.user, as the web views do.
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class TokenIn(Schema):
    username: str
    password: str
    otp: str = Field("", max_length=20, description="动态口令或恢复码（须二次验证的角色必填）")


class TokenOut(Schema):
    token: str
    expires_at: datetime


class MeOut(Schema):
    username: str
    full_name: str
    unit: str
    unit_code: str
    roles: list[str]
    role_labels: list[str]


@router.post("/token", auth=None, response=TokenOut, summary="用用户名和密码换取访问令牌")
def issue_token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    raw = token_issue(request=request, username=payload.username, password=payload.password, otp=payload.otp)
    token = token_lookup(raw)
    if token is None:  # only if the account was deactivated in the meantime
        raise LoginFailed("用户名或密码错误")
    return {"token": raw, "expires_at": token.expires_at}


@router.delete("/token", response={204: None}, summary="注销当前令牌")
def revoke_token(request: HttpRequest) -> Status:
    token_revoke(actor=request.auth, token=request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "unit": user.unit.name,
        "unit_code": user.unit.code,
        "roles": sorted(user.role_codes),
        "role_labels": user.role_labels(),
    }
