from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import User


class NotificationKind(models.TextChoices):
    DEADLINE_WARNING = "deadline_warning", _("期限预警")
    DEADLINE_BREACH = "deadline_breach", _("超期告警")
    NOTICE_ISSUED = "notice_issued", _("监督通知")
    NOTICE_RESPONDED = "notice_responded", _("整改反馈")
    NOTICE_ACCEPTED = "notice_accepted", _("整改验收")
    NOTICE_REOPENED = "notice_reopened", _("退回重改")
    GENERAL = "general", _("消息")


class Notification(models.Model):
    """An in-app message to one user (站内消息). Each user only ever reads their own."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类别"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [
            # The header's unread count and the "unread" filter: (recipient, read_at IS NULL).
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class OutboxMessage(models.Model):
    """A message waiting to leave the system by e-mail or SMS (发件箱); ``outbox_send`` delivers it."""

    channel = models.CharField(_("渠道"), max_length=8, choices=OutboxChannel.choices)
    address = models.CharField(_("收件地址"), max_length=254)
    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [models.Index(fields=["status", "channel", "created_at"], name="outbox_queue")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}: {self.subject} ({self.status})"
