"""Login security: argon2, password rules, lockout per account and per address, idle expiry, CSRF."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.org.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_hashed_with_argon2(user_of) -> None:
    assert identify_hasher(user_of("officer").password).algorithm == "argon2"


def test_successful_login_lands_on_home_and_is_audited() -> None:
    client = Client()
    response = _login(client, "officer", DEMO_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert AuditEntry.objects.filter(
        action="auth.login", actor_username="officer", outcome="allowed"
    ).exists()


def test_failed_login_shows_an_error_and_is_audited() -> None:
    response = _login(Client(), "officer", "wrong-password-1")
    assert response.status_code == 200
    assert "正确的用户名和密码" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login", object_label="officer", outcome="denied").exists()


def test_account_is_locked_after_repeated_failures_from_different_addresses() -> None:
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "chief", f"wrong-{attempt}-x", ip=f"10.0.1.{attempt + 1}")
    # The right password no longer helps, from yet another address: the account is locked.
    response = _login(client, "chief", DEMO_PASSWORD, ip="10.0.1.200")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_address_is_locked_after_failures_on_different_accounts() -> None:
    client = Client()
    usernames = [a.username for a in DEMO_ACCOUNTS][: settings.AXES_FAILURE_LIMIT]
    for username in usernames:
        _login(client, username, "wrong-password-9", ip="10.0.2.7")
    response = _login(client, "leader", DEMO_PASSWORD, ip="10.0.2.7")
    assert response.status_code == 429
    # Another address can still log in to the same account.
    assert _login(Client(), "leader", DEMO_PASSWORD, ip="10.0.2.8").status_code == 302


def test_idle_sessions_expire_after_thirty_minutes_and_every_request_renews() -> None:
    client = Client()
    _login(client, "officer", DEMO_PASSWORD)
    session = Session.objects.get(pk=client.session.session_key)
    # 25 minutes idle: still in, and the request renews the full 30 minutes.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get(reverse("web:home")).status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert timedelta(minutes=29) < renewed <= timedelta(minutes=30)
    # Past the idle limit: back to the login page.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_forms_require_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("web:login"), {"username": "officer", "password": DEMO_PASSWORD})
    assert response.status_code == 403


def test_security_headers_and_a_csp_that_allows_only_this_origin() -> None:
    response = Client().get(reverse("web:login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "http" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_users_are_sent_to_login() -> None:
    response = Client().get(reverse("people:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_password_rules_refuse_weak_passwords() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1a", "onlyletterslong", "1234567890123", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Taoxi-2026-patrol")


def test_production_mode_refuses_to_start_without_its_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}}
    env["JINGWU_MODE"] = "production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when JINGWU_MODE=production" in result.stderr


def test_readme_lists_every_demo_account_with_the_password() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{DEMO_PASSWORD}`" in readme
    for account in DEMO_ACCOUNTS:
        assert f"| `{account.username}` | {account.full_name} |" in readme
