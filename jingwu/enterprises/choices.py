from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("正常经营")
    SUSPENDED = "suspended", _("停产停业")
    CLOSED = "closed", _("已注销")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待办理")
    HANDLED = "handled", _("已办结")


class DeliveryChannel(models.TextChoices):
    """The channels a bulletin goes out by: jingwu.notifications' outbox channels."""

    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class DeliveryState(models.TextChoices):
    """A delivery's state, read from its outbox message (jingwu.enterprises.selectors.delivery_state)."""

    QUEUED = "queued", _("待发送")
    RETRYING = "retrying", _("发送失败，重试中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")
    NO_ADDRESS = "no_address", _("无联系方式")
    ACKNOWLEDGED = "acknowledged", _("已签收")


class AckMethod(models.TextChoices):
    """How the enterprise's acknowledgement (签收) was obtained, recorded by an officer."""

    PHONE = "phone", _("电话确认")
    SMS_REPLY = "sms_reply", _("短信回复")
    IN_PERSON = "in_person", _("上门告知")
