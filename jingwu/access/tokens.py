"""API tokens (接口令牌): issue after a password check that django-axes guards, look up, revoke.

The raw token is shown once, at issue; the database keeps only its SHA-256, so a copy of the
database cannot be replayed against the API.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from jingwu.access.models import ApiToken
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.core.errors import ServiceError

DEFAULT_LIFETIME = timedelta(hours=8)
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class LoginFailed(ServiceError):
    """Wrong username or password, or an inactive account (deliberately indistinguishable)."""

    status_code = 401


class SecondFactorNeeded(ServiceError):
    """The account must prove a second factor (二次验证) and gave none, or a wrong one."""

    status_code = 401


class LockedOut(ServiceError):
    """Too many failures: django-axes refuses further attempts for the cool-off period."""

    status_code = 429


@dataclass(frozen=True)
class _Claimant:
    """Whoever asked for a token without proving who they are (the audit log's actor)."""

    username: str
    is_authenticated: bool = False


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _lifetime() -> timedelta:
    return getattr(settings, "API_TOKEN_LIFETIME", DEFAULT_LIFETIME)


def _cooloff_minutes() -> int:
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    return max(1, int(cooloff.total_seconds() // 60)) if isinstance(cooloff, timedelta) else 15


def _check_second_factor(request: HttpRequest, user: Any, username: str, otp: str) -> None:
    """Users who must use a second factor give its code as `otp` (a TOTP code or a recovery code).
    A wrong code counts as a failed login for django-axes, so guessing codes locks the account too."""
    from jingwu.access.second_factor import has_confirmed_device, second_factor_required, verify

    if not second_factor_required(user):
        return
    if not has_confirmed_device(user):
        reason, message = "otp_not_enrolled", "该账号须使用二次验证，请先在网页上绑定身份验证器"
    elif not (otp or "").strip():
        reason, message = "otp_missing", "该账号须提供动态口令（otp）"
    elif verify(actor=user, token=otp) is not None:
        return
    else:
        reason, message = "bad_otp", "动态口令不正确"
    if reason != "bad_otp":  # verify() has audited the bad code already
        audit_record(
            actor=user, action="auth.token", obj=user, outcome=Outcome.DENIED, changes={"reason": reason}
        )
    if reason == "bad_otp":
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    raise SecondFactorNeeded(message, {"otp": message})


def token_issue(*, request: HttpRequest, username: str, password: str, otp: str = "") -> str:
    """Check the password (through axes, so lockout applies) and, for the roles that need it, the
    second factor; return a new raw token."""
    username = (username or "").strip()
    # authenticate() runs AxesStandaloneBackend first: a locked-out user is refused before the
    # password is even checked, and every failure is counted by axes' user_login_failed handler.
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        locked = bool(getattr(request, "axes_locked_out", False))
        audit_record(
            actor=_Claimant(username),
            action="auth.token",
            object_type="org.user",
            object_label=username,
            outcome=Outcome.DENIED,
            changes={"reason": "locked_out" if locked else "bad_credentials"},
        )
        if locked:
            # We answer in JSON here; left set, the flag makes AxesMiddleware swap our response
            # for the web login's lockout page.
            request.axes_locked_out = False
            raise LockedOut(f"登录失败次数过多，账号已被临时锁定，请{_cooloff_minutes()}分钟后再试")
        raise LoginFailed("用户名或密码错误")
    _check_second_factor(request, user, username, otp)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=hash_token(raw), expires_at=timezone.now() + _lifetime()
        )
        audit_record(actor=user, action="auth.token", obj=token)
    # A token login is a login: axes resets the failure count, Django records last_login.
    user_logged_in.send(sender=type(user), request=request, user=user)
    return raw


def token_lookup(raw: str) -> ApiToken | None:
    """The usable token for `raw` (not expired, not revoked, user active), or None."""
    if not raw:
        return None
    token = ApiToken.objects.select_related("user", "user__unit").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_user(raw: str) -> Any | None:
    """The active user a usable token belongs to, or None."""
    token = token_lookup(raw)
    return token.user if token else None


def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """End a token now (logout); only its owner may."""
    if token.user_id != getattr(actor, "pk", None):
        audit_record(actor=actor, action="auth.token.revoke", obj=token, outcome=Outcome.DENIED)
        raise PermissionDenied("auth.token.revoke")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="auth.token.revoke", obj=token)
