from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.geo.choices import DivisionLevel
from jingwu.org.models import Unit


class Division(models.Model):
    """An administrative division (行政区划) with its 12-digit statistical code.

    Townships (乡镇/街道) and villages (村/居委会) carry the station responsible for them; villages
    also belong to a grid (网格).
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    station = models.ForeignKey(
        Unit,
        verbose_name=_("责任派出所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
    )
    grid = models.ForeignKey(
        "Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="villages",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        if self.level == DivisionLevel.VILLAGE and self.parent_id:
            return f"{self.parent.name}{self.name}"
        return self.name


class Grid(models.Model):
    """A community grid (网格): the patch a village police assistant and a community officer look after."""

    code = models.CharField(_("网格编号"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    township = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="grids", limit_choices_to={"level": 4}
    )
    station = models.ForeignKey(
        Unit, verbose_name=_("责任派出所"), on_delete=models.PROTECT, related_name="grids"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self) -> str:
        return self.name
