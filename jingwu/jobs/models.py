"""One row per periodic job and period (定时任务登记): the database's uniqueness is what stops two
schedulers (every task worker is one) from enqueueing the same period twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """A periodic job enqueued for one period (定时任务登记); (job, slot) is unique."""

    job = models.CharField(_("任务"), max_length=64)
    slot = models.CharField(_("周期"), max_length=32)  # the period's key: a minute or a local day
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    enqueued_at = models.DateTimeField(_("入队时间"), default=timezone.now)

    class Meta:
        verbose_name = _("定时任务登记")
        verbose_name_plural = _("定时任务登记")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]
        indexes = [models.Index(fields=["enqueued_at"], name="scheduled_run_age")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"
