from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PHONE_110 = "phone_110", _("110电话")
    WALK_IN = "walk_in", _("来所报警")
    ONLINE = "online", _("网上报警")
    TRANSFERRED = "transferred", _("其他单位移交")


class Priority(models.IntegerChoices):
    URGENT = 1, _("一级（紧急）")
    NORMAL = 2, _("二级")
    LOW = 3, _("三级")


class Status(models.TextChoices):
    RECEIVED = "received", _("已接警")
    DISPATCHED = "dispatched", _("已派警")
    ACKNOWLEDGED = "acknowledged", _("已受领")
    ARRIVED = "arrived", _("已到场")
    HANDLED = "handled", _("已处置")
    CLOSED = "closed", _("已结束")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.ARRIVED, Status.HANDLED)


class StepKind(models.TextChoices):
    RECEIVED = "received", _("接警")
    REROUTED = "rerouted", _("改派单位")
    DISPATCHED = "dispatched", _("派警")
    ACKNOWLEDGED = "acknowledged", _("受领")
    ARRIVED = "arrived", _("到场")
    HANDLED = "handled", _("处置")
    CLOSED = "closed", _("结束")
    LINKED_CALL = "linked_call", _("重复报警")
    NOTE = "note", _("备注")


class Disposition(models.TextChoices):
    NO_ACTION = "no_action", _("无需进一步处理")
    ADVICE = "advice", _("当场劝解/告知")
    REFERRED = "referred", _("移交其他部门")
    DISPUTE = "dispute", _("转矛盾纠纷调解")
    ADMINISTRATIVE_CASE = "administrative_case", _("转行政（治安）案件")
    CRIMINAL_CASE = "criminal_case", _("转刑事案件")


class Area(models.TextChoices):
    """Where the incident happened, for the local arrival norms (城区/城郊/农村, D110-003)."""

    URBAN = "urban", _("城区")
    SUBURBAN = "suburban", _("城郊")
    RURAL = "rural", _("农村")
