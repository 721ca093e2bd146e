"""The second factor (二次验证): TOTP authenticator apps and one-time recovery codes, by django-otp.

Who must use it: the roles that approve, review, reveal personal data or administer. It is enforced
when settings.JINGWU_OTP_ENFORCED is on (the default in production); in demo mode it is offered, and
a user who has enrolled is asked for it from then on. Every enrolment, verification failure, use of a
recovery code and reset is audited.
"""

from __future__ import annotations

import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingwu.access.models import ApiToken
from jingwu.access.policy import require
from jingwu.access.roles import Role
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.core.errors import ServiceError

# 等保2.0 三级 身份鉴别: two factors for those who approve, review, reveal personal data or administer.
SECOND_FACTOR_ROLES = frozenset(
    {Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER, Role.UNIT_CHIEF, Role.ADMIN, Role.AUDITOR}
)
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODE_COUNT = 10
# 10 characters of an alphabet without 0/O/1/I/L: ~48 bits each, easy to copy from paper.
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def role_needs_second_factor(user: Any) -> bool:
    return bool(set(getattr(user, "role_codes", ()) or ()) & {r.value for r in SECOND_FACTOR_ROLES})


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user: Any) -> bool:
    """Must this user verify a second factor? Enforced roles always; anyone once enrolled."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(settings, "JINGWU_OTP_ENFORCED", False) and role_needs_second_factor(user):
        return True
    return has_confirmed_device(user)


def _recovery_code() -> str:
    return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))


def _normalise(token: str) -> str:
    return "".join((token or "").split()).replace("-", "").upper()


def enrolment_start(*, actor: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for the actor (any earlier unconfirmed one is dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name=DEVICE_NAME, confirmed=False)


def pending_device(actor: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (CSP allows img-src data:, no inline style)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")


def secret_base32(device: TOTPDevice) -> str:
    """The shared secret for typing into an app by hand, in groups of four."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def enrolment_confirm(*, actor: Any, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with its first code; returns it and fresh recovery codes
    (shown once: only they are stored, the user keeps the paper)."""
    device = pending_device(actor)
    if device is None:
        raise ServiceError("请重新开始绑定", {"token": "绑定已失效，请刷新页面重新扫码"})
    with transaction.atomic():
        if not device.verify_token(_normalise(token)):
            audit_record(
                actor=actor,
                action="auth.2fa.enrol",
                obj=actor,
                outcome=Outcome.DENIED,
                changes={"reason": "bad_token"},
            )
            raise ServiceError("动态口令不正确", {"token": "动态口令不正确，请核对手机时间后重试"})
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()  # re-enrolment replaces the old app
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        audit_record(
            actor=actor, action="auth.2fa.enrol", obj=actor, changes={"recovery_codes": [None, len(codes)]}
        )
    return device, codes


def verify(*, actor: Any, token: str) -> Any | None:
    """The confirmed device (authenticator or recovery codes) that accepts `token`, or None; audited.
    A recovery code is spent by its use. django-otp throttles repeated failures per device."""
    token = _normalise(token)
    if not token:
        return None
    with transaction.atomic():
        # A 6-digit code is for the authenticator, anything else a recovery code: a typo in one must not
        # count against (and throttle) the other.
        kind = TOTPDevice if token.isdigit() and len(token) <= 8 else StaticDevice
        for device in devices_for_user(actor, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_token(token):
                used_recovery = isinstance(device, StaticDevice)
                audit_record(
                    actor=actor,
                    action="auth.2fa.verify",
                    obj=actor,
                    changes={"method": [None, "recovery_code" if used_recovery else "totp"]},
                )
                return device
    audit_record(
        actor=actor,
        action="auth.2fa.verify",
        obj=actor,
        outcome=Outcome.DENIED,
        changes={"reason": "bad_token"},
    )
    return None


def recovery_codes_regenerate(*, actor: Any) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not has_confirmed_device(actor):
        raise ServiceError("请先绑定身份验证器")
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        audit_record(actor=actor, action="auth.2fa.recovery_codes", obj=actor)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def second_factor_reset(*, actor: Any, user_id: int) -> Any:
    """管理员重置二次验证: remove a user's authenticator and recovery codes (lost phone) and revoke the
    user's API tokens; the user enrols again at the next login. Never one's own: a second person acts."""
    from django.contrib.auth import get_user_model

    require(actor, "second_factor.reset")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    if user.pk == actor.pk:
        audit_record(
            actor=actor, action="auth.2fa.reset", obj=user, outcome=Outcome.DENIED, changes={"reason": "self"}
        )
        raise ServiceError("不能重置本人的二次验证，请由另一名系统管理员办理")
    _reset(actor, user)
    return user


def _reset(actor: Any, user: Any) -> None:
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        StaticDevice.objects.filter(user=user).delete()
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="auth.2fa.reset",
            obj=user,
            changes={"devices": [removed, 0], "tokens_revoked": [None, revoked]},
        )


def second_factor_reset_from_console(*, username: str, operator: str) -> Any:
    """The same reset from `manage.py second_factor_reset` (the last administrator lost the phone):
    whoever has shell access on the server acts, named in the audit entry."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ServiceError(f"没有用户 {username}")
    _reset(_Console(f"console:{operator}"), user)
    return user


class _Console:
    """The audit log's actor for a reset made on the server's console."""

    is_authenticated = False

    def __init__(self, username: str) -> None:
        self.username = username
