from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jingwu.access.roles import Role
from jingwu.audit.services import audit_record
from jingwu.org.models import Role as RoleRow
from jingwu.org.models import Unit, User


class Command(BaseCommand):
    help = (
        "Create the first administrator (系统管理员) of a new installation. "
        "Password from JINGWU_ADMIN_PASSWORD or a prompt."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--unit", default="wp", help="unit code (default: the bureau)")

    def handle(self, *args: Any, username: str, full_name: str, unit: str, **options: Any) -> None:
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists")
        home = Unit.objects.filter(code=unit).first()
        if home is None:
            raise CommandError(f"no unit {unit!r}: run load_reference_data first")
        password = os.environ.get("JINGWU_ADMIN_PASSWORD") or getpass.getpass("password: ")
        user = User(username=username, full_name=full_name, unit=home)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.roles.set([RoleRow.objects.get(code=Role.ADMIN)])
            audit_record(actor=None, action="user.create", obj=user, changes={"roles": [None, ["admin"]]})
        self.stdout.write(f"administrator {username} created in {home.name}")
