"""Operator commands: the first administrator, the reference data loader."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingwu.audit.models import AuditEntry
from jingwu.org.models import User

pytestmark = pytest.mark.django_db


def test_create_admin_makes_an_administrator_of_the_bureau(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGWU_ADMIN_PASSWORD", "Bureau-admin-2026")
    call_command("create_admin", "it_admin")
    user = User.objects.get(username="it_admin")
    assert (
        user.role_codes == {"admin"} and user.unit.code == "wp" and user.check_password("Bureau-admin-2026")
    )
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_create_admin_refuses_a_weak_password_and_an_unknown_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGWU_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create_admin", "weak_admin")
    monkeypatch.setenv("JINGWU_ADMIN_PASSWORD", "Bureau-admin-2026")
    with pytest.raises(CommandError, match="no unit"):
        call_command("create_admin", "lost_admin", unit="nowhere")
    assert not User.objects.filter(username__in=["weak_admin", "lost_admin"]).exists()
