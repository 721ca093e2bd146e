from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeSource(models.TextChoices):
    INCIDENT = "incident", _("警情处置")
    WALK_IN = "walk_in", _("群众来访")
    SCREENING = "screening", _("网格排查")
    DIALOGUE = "dialogue", _("警民恳谈")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    PARTY = "party", _("当事人")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class Route(models.TextChoices):
    POLICE = "police", _("治安调解")
    PEOPLE = "people", _("人民调解（公调衔接）")
    OTHER = "other", _("移交其他机关")


class SessionResult(models.TextChoices):
    AGREED = "agreed", _("达成协议")
    NOT_AGREED = "not_agreed", _("未达成协议")
    ADJOURNED = "adjourned", _("休会待续")


class FollowOn(models.TextChoices):
    ADMINISTRATIVE_CASE = "administrative_case", _("依法作出治安处罚（转行政案件办理）")
    LAWSUIT = "lawsuit", _("告知当事人向人民法院起诉")
    OTHER_ROUTE = "other_route", _("改由其他途径化解")
    NONE = "none", _("当事人放弃/无需处理")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    PERFORMED = "performed", _("已履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", _("审查中")
    CONFIRMED = "confirmed", _("裁定确认有效")
    REJECTED = "rejected", _("裁定驳回申请")
