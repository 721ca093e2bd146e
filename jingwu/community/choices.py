from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentKind(models.TextChoices):
    """Who is assigned to a village: its police assistant (一村一警务助理) or community officer (社区民警)."""

    ASSISTANT = "assistant", _("警务助理")
    OFFICER = "officer", _("社区民警")


class ActivityKind(models.TextChoices):
    PATROL = "patrol", _("巡逻")
    VISIT = "visit", _("入户走访")


class HazardCategory(models.TextChoices):
    ELECTRICAL = "electrical", _("电气线路")
    FIRE = "fire", _("消防通道/火灾隐患")
    FOREST_FIRE = "forest_fire", _("森林防火")
    TRAFFIC = "traffic", _("道路交通")
    WATER = "water", _("溺水/水域")
    GEOLOGICAL = "geological", _("地质灾害")
    OTHER = "other", _("其他")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("未整改")
    FIXED = "fixed", _("已整改")


class ReportCategory(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("治安线索")
    DISPUTE = "dispute", _("矛盾纠纷")
    FRAUD = "fraud", _("涉诈线索")
    DRUGS = "drugs", _("涉毒线索")
    PERSON = "person", _("重点人员动态")
    OTHER = "other", _("其他情况")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待处理")
    ADOPTED = "adopted", _("已采用")
    NOT_ADOPTED = "not_adopted", _("未采用")


class Verdict(models.TextChoices):
    PASS = "pass", _("达标")
    FAIL = "fail", _("不达标")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("评估中")
    CONCLUDED = "concluded", _("已评定")


class ConcernOutcome(models.TextChoices):
    OPEN = "open", _("待处理")
    ANSWERED = "answered", _("当场答复")
    DISPUTE = "dispute", _("转矛盾纠纷")
    INCIDENT = "incident", _("转警情")
    TASK = "task", _("交办任务")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已办结")
