"""Second factor (二次验证): enrolment with a QR code, login, recovery codes, admin reset, API tokens."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingwu.access import second_factor as sf
from jingwu.access.models import ApiToken
from jingwu.audit.models import AuditEntry
from jingwu.org.demo import DEMO_PASSWORD
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def enforced(settings):
    settings.JINGWU_OTP_ENFORCED = True
    return settings


def _at(device: TOTPDevice, offset: int = 0) -> str:
    """The code an authenticator app shows now, or `offset` steps later (a code is accepted once)."""
    t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    t.time = time.time() + offset * device.step
    return f"{t.token():06d}"


def _login(username: str) -> Client:
    client = Client(REMOTE_ADDR="10.9.0.1")
    response = client.post(reverse("web:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def _enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("access:second_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("access:second_factor_setup"), {"token": _at(device), "next": "/"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9A-Z]{10})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


def test_the_roles_that_approve_review_reveal_or_administer_need_it(user_of) -> None:
    for username in ("legal_officer", "legal_affairs", "leader", "chief", "admin", "auditor"):
        assert sf.role_needs_second_factor(user_of(username)), username
    for username in ("officer", "dispatcher", "mediator", "assistant", "procurator"):
        assert not sf.role_needs_second_factor(user_of(username)), username


def test_demo_mode_offers_it_but_the_password_alone_still_logs_in(settings) -> None:
    settings.JINGWU_OTP_ENFORCED = False
    client = _login("leader")
    assert client.get(reverse("web:home")).status_code == 200
    status = client.get(reverse("access:second_factor"))
    assert "启用二次验证" in status.content.decode()


def test_production_defaults_to_enforced() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "JINGWU_MODE": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a"}
    env["DATABASE_URL"] = "sqlite:////tmp/unused.sqlite3"
    env["JINGWU_DATA_KEYS"] = env["JINGWU_INDEX_KEYS"] = "k1:" + "A" * 43 + "="  # 32 zero bytes
    env.pop("JINGWU_OTP_ENFORCED", None)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django;django.setup();from django.conf import settings as s;print(s.JINGWU_OTP_ENFORCED)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "jingwu.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"


def test_enforced_user_is_sent_to_enrol_then_verify_and_recovery_codes_work(enforced, user_of) -> None:
    leader = user_of("leader")
    client = _login("leader")
    # Without a device: every page sends the leader to enrolment, nothing else is reachable.
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url.startswith(reverse("access:second_factor_setup"))
    page = client.get(response.url)
    body = page.content.decode()
    # The QR code is an <img> with an SVG data URI: no inline style or script for the CSP to refuse.
    assert re.search(r'<img class="otp-qr" src="data:image/svg\+xml', body)
    assert "style=" not in body.split("<main", 1)[1]
    device, codes = _enrol(client, leader)
    assert device.confirmed and len(codes) == sf.RECOVERY_CODE_COUNT
    assert client.get(reverse("web:home")).status_code == 200  # verified by the enrolment itself
    assert AuditEntry.objects.filter(
        action="auth.2fa.enrol", actor_username="leader", outcome="allowed"
    ).exists()

    # A new login: the password is not enough.
    client = _login("leader")
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("access:second_factor_verify"))
    bad = client.post(reverse("access:second_factor_verify"), {"token": "000000"})
    assert bad.status_code == 400
    assert AuditEntry.objects.filter(
        action="auth.2fa.verify", actor_username="leader", outcome="denied"
    ).exists()
    time.sleep(1.1)  # django-otp throttles a device for a second after a failure (doubling each time)
    # A recovery code works once.
    ok = client.post(reverse("access:second_factor_verify"), {"token": codes[0].lower(), "next": "/cases/"})
    assert ok.status_code == 302 and ok.url == "/cases/"
    assert client.get(reverse("web:home")).status_code == 200
    assert not StaticToken.objects.filter(device__user=leader, token=codes[0]).exists()
    again = _login("leader")
    assert again.post(reverse("access:second_factor_verify"), {"token": codes[0]}).status_code == 400
    time.sleep(1.1)
    # The authenticator's next code works (the current one was spent at enrolment: no replay).
    ok = again.post(reverse("access:second_factor_verify"), {"token": _at(device, 1)})
    assert ok.status_code == 302


def test_an_offsite_next_is_not_followed(enforced, user_of) -> None:
    client = _login("auditor")
    _, codes = _enrol(client, user_of("auditor"))
    client = _login("auditor")
    response = client.post(
        reverse("access:second_factor_verify"), {"token": codes[1], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_officers_are_not_asked_when_enforced(enforced) -> None:
    client = _login("officer")
    assert client.get(reverse("web:home")).status_code == 200


def test_a_wrong_first_code_does_not_enrol(enforced, user_of) -> None:
    client = _login("admin")
    client.get(reverse("access:second_factor_setup"))
    response = client.post(reverse("access:second_factor_setup"), {"token": "123456"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=user_of("admin"), confirmed=True).exists()
    assert client.get(reverse("web:home")).status_code == 302


def test_admin_reset_is_audited_revokes_tokens_and_cannot_target_oneself(enforced, user_of) -> None:
    legal = user_of("legal_officer")
    _enrol(_login("legal_officer"), legal)
    ApiToken.objects.create(user=legal, key_hash="f" * 64, expires_at="2099-01-01T00:00:00Z")
    admin_client = _login("admin")
    admin = user_of("admin")
    _enrol(admin_client, admin)
    listing = admin_client.get(reverse("access:second_factor_users"))
    assert listing.status_code == 200 and "legal_officer" in listing.content.decode()
    response = admin_client.post(reverse("access:second_factor_reset", args=[legal.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=legal).exists()
    assert not ApiToken.objects.filter(user=legal, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="auth.2fa.reset", object_id=str(legal.pk), outcome="allowed")
    assert entry.actor_username == "admin"
    # Not one's own.
    admin_client.post(reverse("access:second_factor_reset", args=[admin.pk]))
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert AuditEntry.objects.filter(
        action="auth.2fa.reset", outcome="denied", actor_username="admin"
    ).exists()


def test_only_admins_may_reset(settings, user_of) -> None:
    settings.JINGWU_OTP_ENFORCED = False
    client = _login("leader")
    target = user_of("legal_officer")
    assert client.get(reverse("access:second_factor_users")).status_code == 403
    assert client.post(reverse("access:second_factor_reset", args=[target.pk])).status_code == 403


def test_a_demo_user_who_enrolled_is_asked_from_then_on(settings, user_of) -> None:
    settings.JINGWU_OTP_ENFORCED = False
    client = _login("chief")
    _enrol(client, user_of("chief"))
    assert _login("chief").get(reverse("web:home")).status_code == 302


def _token(username: str, otp: str | None = None):
    body = {"username": username, "password": DEMO_PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return Api(remote_addr="10.9.0.2").post("/api/auth/token", body)


def test_api_token_needs_the_second_factor_when_enforced(enforced, user_of) -> None:
    leader = user_of("leader")
    not_enrolled = _token("leader")
    assert not_enrolled.status_code == 401 and "绑定" in not_enrolled.json()["detail"]
    _, codes = _enrol(_login("leader"), leader)
    missing = _token("leader")
    assert missing.status_code == 401 and missing.json()["errors"]["otp"]
    wrong = _token("leader", "000000")
    assert wrong.status_code == 401
    assert (
        AuditEntry.objects.filter(action="auth.token", actor_username="leader", outcome="denied").count() >= 2
    )
    time.sleep(1.1)  # the throttle after the wrong code
    good = _token("leader", codes[2])
    assert good.status_code == 200
    assert Api(good.json()["token"]).get("/api/auth/me").json()["username"] == "leader"
    # Officers are not asked.
    assert _token("officer").status_code == 200


def test_guessing_codes_on_the_api_locks_the_account(enforced, user_of, settings) -> None:
    _, codes = _enrol(_login("auditor"), user_of("auditor"))
    statuses = [_token("auditor", f"{n:06d}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    # Wrong codes count as failed logins: the last allowed failure locks the account.
    assert statuses == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    time.sleep(2.1)
    assert _token("auditor", codes[0]).status_code == 429  # even the right code, until the cool-off ends


def test_the_console_reset_for_the_last_administrator_is_audited(enforced, user_of) -> None:
    from io import StringIO

    from django.core.management import call_command

    admin = user_of("admin")
    _enrol(_login("admin"), admin)
    out = StringIO()
    call_command("second_factor_reset", "admin", stdout=out)
    assert not TOTPDevice.objects.filter(user=admin).exists()
    entry = AuditEntry.objects.filter(action="auth.2fa.reset", object_id=str(admin.pk)).latest("seq")
    assert entry.actor_username.startswith("console:") and entry.outcome == "allowed"
