from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.access.second_factor import second_factor_reset_from_console
from jingwu.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Reset a user's second factor from the server console (二次验证重置), e.g. for the last "
        "administrator; audited with the operating system user's name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = second_factor_reset_from_console(username=username, operator=getpass.getuser())
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"second factor reset for {user.username}; they enrol again at the next login")
