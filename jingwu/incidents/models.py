from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.geo.models import Division
from jingwu.incidents.choices import Area, Disposition, Priority, Source, Status, StepKind
from jingwu.org.models import Unit, User
from jingwu.people.models import Person


class Incident(models.Model):
    """An incident (警情): a 110 call or a walk-in report, tracked from intake to close.

    `station` is the station whose territory the place is in; `unit` is the unit that dispatches for it
    (a station's command room, or the joint station's for its members). Both decide who may see it.
    """

    # Made from the row id right after the insert, so NULL (not "") until then keeps it unique.
    number = models.CharField(_("警情编号"), max_length=24, unique=True, null=True)  # noqa: DJ001
    received_at = models.DateTimeField(_("接警时间"), db_index=True)
    source = models.CharField(_("报警方式"), max_length=16, choices=Source.choices)
    caller = models.ForeignKey(
        Person, verbose_name=_("报警人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    area = models.CharField(_("区域类型"), max_length=10, choices=Area.choices)
    category = models.CharField(_("警情类别"), max_length=24)
    subcategory = models.CharField(_("警情细类"), max_length=24)
    priority = models.PositiveSmallIntegerField(_("等级"), choices=Priority.choices, default=Priority.NORMAL)
    narrative = models.TextField(_("简要警情"))
    station = models.ForeignKey(
        Unit, verbose_name=_("辖区派出所"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("处警单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.RECEIVED)
    dispatched_at = models.DateTimeField(_("派警时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("受领时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    disposition = models.CharField(_("处置结果"), max_length=24, choices=Disposition.choices, blank=True)
    disposition_note = models.TextField(_("处置情况"), blank=True)
    # Set by the cases and mediation apps when a conversion creates the target record.
    linked_case_id = models.BigIntegerField(_("关联案件"), null=True, blank=True)
    linked_dispute_id = models.BigIntegerField(_("关联纠纷"), null=True, blank=True)
    officers = models.ManyToManyField(User, verbose_name=_("处警民警"), blank=True, related_name="incidents")
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["priority", "-received_at"]
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        indexes = [
            models.Index(fields=["unit", "status", "-received_at"]),
            models.Index(fields=["station", "-received_at"]),
            models.Index(fields=["village", "category", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=3), name="incident_priority_1_3"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"警情#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class IncidentStep(models.Model):
    """One dated step of an incident's timeline (接处警流程节点)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("节点"), max_length=14, choices=StepKind.choices)
    at = models.DateTimeField(_("时间"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_kind_display()}"


class LinkedCallKey(models.Model):
    """The Idempotency-Key of a call that was linked to an existing incident (重复报警), so that a retry
    of it is recognised with one index look-up and never records the call twice."""

    key = models.CharField(max_length=80, primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
