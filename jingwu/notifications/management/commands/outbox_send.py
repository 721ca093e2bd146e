"""python manage.py outbox_send [--limit N]

Delivers the queued outbox (jingwu.notifications.services.outbox_deliver): e-mail through Django's mail
backend (settings MAILERS / DEFAULT_FROM_EMAIL), SMS through the gateway
command of JINGWU_SMS_COMMAND (e.g. ``/usr/local/bin/sms-send {phone}``; the text arrives on standard
input). The intranet has no SMS gateway by default: without the command, SMS messages stay queued and
are counted as "skipped". Which channels are queued at all is JINGWU_NOTIFY_CHANNELS (``email,sms``;
default none). Run it every minute from cron, next to ``supervision_sweep``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingwu.notifications.services import outbox_deliver


class Command(BaseCommand):
    help = "发送发件箱中的邮件/短信（短信须配置 JINGWU_SMS_COMMAND 网关命令，否则保持待发送）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="at most this many messages per run")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        result = outbox_deliver(limit=limit)
        self.stdout.write(
            f"已发送 {result.sent} 条，待重试 {result.retry} 条，失败 {result.failed} 条，"
            f"短信未配置网关待发送 {result.skipped} 条"
        )
