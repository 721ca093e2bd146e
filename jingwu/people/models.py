from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import Unit, User
from jingwu.people.choices import Sex


class Person(models.Model):
    """A person in the registry (人员): reporter, victim, suspect, witness or party.

    The ID number is unique when present, so the registry holds each resident once.
    """

    name = models.CharField(_("姓名"), max_length=40)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    # NULL, not "", for "no number": the unique constraint must not treat two unknowns as equal.
    id_number = models.CharField(_("身份证号"), max_length=18, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(id_number__isnull=False), name="person_unique_id_number"
            )
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return self.name
