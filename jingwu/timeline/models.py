from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import Unit, User


class LegalEvent(models.Model):
    """A dated legal event (法律事件) of a case or an incident: the single source of truth for deadlines.

    Apps write these as their steps happen (codes from legal_events.yaml); supervision reads them. The
    subject is generic (`subject_type`, `subject_id`) so that the timeline does not depend on the apps
    that write to it.
    """

    subject_type = models.CharField(max_length=20)
    subject_id = models.BigIntegerField()
    code = models.CharField(_("事件"), max_length=60)
    at = models.DateTimeField(_("发生时间"))
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    person = models.CharField(max_length=40, blank=True)
    item = models.CharField(max_length=40, blank=True)
    incident = models.CharField(max_length=40, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]
        verbose_name = _("法律事件")
        verbose_name_plural = _("法律事件")

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.code} @ {self.at:%Y-%m-%d %H:%M}"

    def as_engine_event(self) -> dict[str, object]:
        """The event in the shape the deadline engine reads (TIMELINE.json's `events`)."""
        event: dict[str, object] = {
            "at": self.at.isoformat(),
            "event": self.code,
            "recorded_at": self.recorded_at.isoformat(),
            **self.fields,
        }
        for key in ("person", "item", "incident"):
            if getattr(self, key):
                event[key] = getattr(self, key)
        return event
