from __future__ import annotations

from django.db import models
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
