from django.db import models
from django.utils.translation import gettext_lazy as _


class ChiefLevel(models.TextChoices):
    """The three levels of the forest police chief system (森林警长制)."""

    COUNTY = "county", _("县级森林警长")
    TOWNSHIP = "township", _("乡镇级森林警长")
    VILLAGE = "village", _("村级森林警长")


class TransferDecision(models.TextChoices):
    ACCEPT = "accept", _("立案")
    REFUSE = "refuse", _("不予立案")


class TransferState(models.TextChoices):
    """Where a transfer stands, read from its case and its notice (never stored twice)."""

    RECEIVED = "received", _("待审查")
    REQUESTED = "requested", _("决定审批中")
    FILED = "filed", _("已立案")
    REFUSED = "refused", _("不予立案")
    NOTIFIED = "notified", _("已书面通知移送机关")
