from django.db import models
from django.utils.translation import gettext_lazy as _


class StayStatus(models.TextChoices):
    INSIDE = "inside", _("在区")
    LEFT = "left", _("已出区")


class ExitDestination(models.TextChoices):
    """出区去向; what each records and requires is in data/custody.yaml `exits:`."""

    RELEASED = "released", _("释放/离开")
    DETENTION_CENTER = "detention_center", _("送看守所")
    BAIL = "bail", _("取保候审")
    RESIDENTIAL_SURVEILLANCE = "residential_surveillance", _("监视居住")
    ADMINISTRATIVE_DETENTION = "administrative_detention", _("送拘留所（行政拘留）")
    OTHER = "other", _("其他")


class LogKind(models.TextChoices):
    """Kinds of the stay log (在区记录事项)."""

    SAFETY_CHECK = "safety_check", _("人身安全检查")
    HEALTH = "health", _("健康状况申报")
    INFO_COLLECTION = "info_collection", _("信息采集")
    MEAL_REST = "meal_rest", _("饮食与休息")
    COUNSEL_VISIT = "counsel_visit", _("律师会见")
    NOTE = "note", _("其他情况")


class SessionKind(models.TextChoices):
    INTERROGATION = "interrogation", _("讯问")
    INQUIRY = "inquiry", _("询问")
