from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import Unit, User


class QualityAdjustment(models.Model):
    """A manual item (人工考评项) entered by the legal affairs brigade, with its reason.

    Append-only: a mistaken entry is not edited or deleted but cancelled by a reversing entry
    (`reverses`), which carries the opposite points and its own reason; both stay on the record.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("被考评单位"), on_delete=models.PROTECT, related_name="+")
    item_key = models.CharField(_("考评项目"), max_length=40)
    occurred_on = models.DateField(_("所属日期"), db_index=True)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    reason = models.TextField(_("事实与理由"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("相关案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("撤销的条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    entered_by = models.ForeignKey(User, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("人工考评项")
        verbose_name_plural = _("人工考评项")
        indexes = [models.Index(fields=["unit", "occurred_on"], name="quality_adj_unit_day")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="quality_adj_points_nonzero"),
            models.CheckConstraint(condition=~Q(reason=""), name="quality_adj_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.item_key} {self.points:+} ({self.occurred_on})"


class QualityPublication(models.Model):
    """The published results of a period (考评结果发布): from then on the ranking reads the snapshot."""

    period = models.CharField(_("考评周期"), max_length=10, unique=True)
    scheme_version = models.CharField(_("方案版本"), max_length=20)
    published_by = models.ForeignKey(
        User, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("考评结果发布")
        verbose_name_plural = _("考评结果发布")

    def __str__(self) -> str:
        return f"{self.period} ({self.scheme_version})"


class QualityEvaluation(models.Model):
    """A unit's frozen result in a published period (考评结果): score, grade, rank and the explanation."""

    publication = models.ForeignKey(QualityPublication, on_delete=models.PROTECT, related_name="evaluations")
    unit = models.ForeignKey(Unit, verbose_name=_("被考评单位"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=20)
    grade_title = models.CharField(_("等次名称"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("名次"))
    explanation = models.JSONField(_("得分说明"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["rank", "unit__sort_order", "unit__path"]
        verbose_name = _("考评结果")
        verbose_name_plural = _("考评结果")
        constraints = [
            models.UniqueConstraint(fields=["publication", "unit"], name="quality_eval_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.publication.period} {self.unit} {self.score}"
