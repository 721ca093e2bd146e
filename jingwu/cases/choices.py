from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    CRIMINAL = "criminal", _("刑事案件")
    ADMINISTRATIVE = "administrative", _("行政（治安）案件")


class CaseSource(models.TextChoices):
    INCIDENT = "incident", _("110警情转案")
    WALK_IN = "walk_in", _("群众报案/控告/举报")
    TRANSFER = "transfer", _("其他机关移送")
    SELF_REPORT = "self_report", _("投案自首")


class PartyRole(models.TextChoices):
    SUSPECT = "suspect", _("犯罪嫌疑人/违法嫌疑人")
    VICTIM = "victim", _("被害人/被侵害人")
    WITNESS = "witness", _("证人")
    REPORTER = "reporter", _("报案人")
    OTHER = "other", _("其他当事人")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("同意")
    RETURN = "return", _("退回")
