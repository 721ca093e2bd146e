from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import Unit, User


class DeadlineStatus(models.TextChoices):
    PENDING = "pending", _("计时中")
    WARNING = "warning", _("预警")
    BREACH = "breach", _("超期")
    MET = "met", _("已按期完成")
    MET_LATE = "met_late", _("超期完成")
    SUPPRESSED = "suppressed", _("依法暂缓")
    CANCELLED = "cancelled", _("已撤销")
    ERROR = "error", _("时间线有误")


#: Statuses whose clock has stopped for good: no warning window, never swept.
FINAL_STATUSES = (DeadlineStatus.MET, DeadlineStatus.MET_LATE, DeadlineStatus.CANCELLED)
#: Statuses the sweep may still move forward (pending → warning → breach).
OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.WARNING)


class Deadline(models.Model):
    """A statutory deadline (法定期限) derived by the engine from a subject's legal timeline.

    One row per (subject, rule, person/item/incident key). The rows are rewritten whenever the subject's
    timeline changes (`services.deadlines_refresh`); the periodic sweep (`services.deadlines_sweep`)
    moves them into warning and breach with two index range scans on (status, warn_from) and
    (status, due_at), so it never loads the cases themselves.
    """

    subject_type = models.CharField(_("对象类型"), max_length=20)
    subject_id = models.BigIntegerField(_("对象"))
    rule_id = models.CharField(_("规则"), max_length=40)
    key = models.CharField(_("人员/物品/警情"), max_length=40, blank=True)
    title = models.CharField(_("期限事项"), max_length=200)
    citation = models.TextField(_("法律依据"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=DeadlineStatus.choices)
    due_at = models.DateTimeField(_("期限届满"), null=True, blank=True, db_index=True)
    warn_from = models.DateTimeField(_("预警起始"), null=True, blank=True, db_index=True)
    message = models.TextField(_("说明"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Unit, verbose_name=_("辖区派出所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        User, verbose_name=_("主办民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("评估时间"))
    notified_warning_at = models.DateTimeField(_("预警提醒时间"), null=True, blank=True)
    notified_breach_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("法定期限")
        verbose_name_plural = _("法定期限")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "rule_id", "key"], name="deadline_subject_rule_key"
            )
        ]
        indexes = [
            models.Index(fields=["status", "warn_from"], name="deadline_status_warn"),
            models.Index(fields=["status", "due_at"], name="deadline_status_due"),
            models.Index(fields=["officer", "status"], name="deadline_officer_status"),
        ]

    def __str__(self) -> str:
        key = f" {self.key}" if self.key else ""
        return f"{self.subject_type}:{self.subject_id} {self.rule_id}{key} ({self.status})"

    @property
    def subject_url(self) -> str:
        return f"/{'cases' if self.subject_type == 'case' else 'incidents'}/{self.subject_id}/"


# ----------------------------------------------------------------------------------------------------------
# Supervision notices (执法监督通知书) and the procuratorate's supervision opinions (检察监督意见)


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("执法监督通知书")
    PROCURATOR_OPINION = "procurator_opinion", _("检察监督意见")


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("已下发")
    RESPONDED = "responded", _("已反馈整改")
    ACCEPTED = "accepted", _("已验收")
    REOPENED = "reopened", _("退回重改")


#: Statuses in which the unit still owes a rectification (整改).
OPEN_NOTICE_STATUSES = (NoticeStatus.ISSUED, NoticeStatus.REOPENED)


class NoticeNumberCounter(models.Model):
    """The last number given to a kind of notice in a year; its row lock serialises numbering."""

    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="notice_counter_kind_year")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class SupervisionNotice(models.Model):
    """A supervision notice (执法监督通知书) of the legal affairs brigade, or a procurator's supervision
    opinion (检察监督意见: 纠正违法通知书, 检察建议书…), asking the case's handling unit to rectify (整改)
    by a date; the unit responds, the issuer accepts (验收) or reopens (退回重改)."""

    number = models.CharField(_("文号"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=24, choices=NoticeKind.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="supervision_notices"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("整改单位"), on_delete=models.PROTECT, related_name="+")
    deadline = models.ForeignKey(
        Deadline,
        verbose_name=_("超期事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices",
    )
    defect = models.CharField(_("问题类型"), max_length=24)
    opinion_type = models.CharField(_("文书类型"), max_length=32, blank=True)
    description = models.TextField(_("发现的问题"))
    requirement = models.TextField(_("整改要求"), blank=True)
    issued_by = models.ForeignKey(User, verbose_name=_("下发人"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("下发时间"))
    rectify_by = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=12, choices=NoticeStatus.choices)
    responded_at = models.DateTimeField(_("最近反馈时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("执法监督通知书")
        verbose_name_plural = _("执法监督通知书")
        indexes = [
            models.Index(fields=["unit", "status"], name="notice_unit_status"),
            models.Index(fields=["status", "rectify_by"], name="notice_status_rectify"),
            models.Index(fields=["kind", "issued_at"], name="notice_kind_issued"),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_kind_display()}）"

    @property
    def rectification_overdue(self) -> bool:
        """The rectification is still owed and its date has passed (整改逾期)."""
        return self.status in OPEN_NOTICE_STATUSES and self.rectify_by < timezone.localdate()


class NoticeAction(models.TextChoices):
    ISSUED = "issued", _("下发")
    RESPONDED = "responded", _("反馈整改情况")
    ACCEPTED = "accepted", _("验收通过")
    REOPENED = "reopened", _("退回重改")


class NoticeEntry(models.Model):
    """One step in a notice's history (监督通知流转记录): the issue, each response of the unit with what it
    did, each acceptance or reopening by the issuer with its comment. Append-only: rows are only ever
    inserted (the services never update or delete them)."""

    notice = models.ForeignKey(SupervisionNotice, on_delete=models.PROTECT, related_name="entries")
    action = models.CharField(_("环节"), max_length=12, choices=NoticeAction.choices)
    actor = models.ForeignKey(User, verbose_name=_("办理人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("内容"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("监督通知流转记录")
        verbose_name_plural = _("监督通知流转记录")

    def __str__(self) -> str:
        return f"{self.notice_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
