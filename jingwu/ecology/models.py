from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.models import Case
from jingwu.ecology.choices import ChiefLevel, TransferDecision
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.org.models import Unit, User


class ForestZone(models.Model):
    """A forest zone (林区) under the forest police chief system (森林警长制).

    `station` is the station of its township, `unit` the forest police unit answering for it (森林警察大队);
    both decide who may see it. Patrols are due every `patrol_every_days` days.
    """

    code = models.CharField(_("林区编号"), max_length=20, unique=True)
    name = models.CharField(_("林区名称"), max_length=60)
    township = models.ForeignKey(
        Division, verbose_name=_("所在乡镇"), on_delete=models.PROTECT, related_name="+"
    )
    villages = models.ManyToManyField(Division, verbose_name=_("涉及村（社区）"), related_name="forest_zones")
    station = models.ForeignKey(
        Unit, verbose_name=_("辖区派出所"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("责任警队"), on_delete=models.PROTECT, related_name="+")
    area_mu = models.DecimalField(_("面积（亩）"), max_digits=10, decimal_places=1, null=True, blank=True)
    description = models.TextField(_("林区概况"), blank=True)
    patrol_every_days = models.PositiveSmallIntegerField(_("巡护周期（天）"), default=7)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("建档时间"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("林区")
        verbose_name_plural = _("林区")
        constraints = [
            models.CheckConstraint(
                condition=Q(patrol_every_days__gte=1) & Q(patrol_every_days__lte=90),
                name="forest_zone_patrol_days_1_90",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ZoneChief(models.Model):
    """A forest police chief's assignment to a zone (森林警长), at one level; ended, never deleted."""

    zone = models.ForeignKey(ForestZone, on_delete=models.PROTECT, related_name="chiefs")
    level = models.CharField(_("层级"), max_length=10, choices=ChiefLevel.choices)
    user = models.ForeignKey(User, verbose_name=_("森林警长"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("卸任日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["zone", "level", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "level"], condition=Q(ended_on__isnull=True), name="zone_chief_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.zone.name} {self.get_level_display()} {self.user.full_name}"


class Patrol(models.Model):
    """A patrol of a forest zone (巡护): who, when, the route (text or points) and what was found."""

    zone = models.ForeignKey(ForestZone, on_delete=models.PROTECT, related_name="patrols")
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    officers = models.ManyToManyField(User, verbose_name=_("巡护人员"), related_name="forest_patrols")
    route_text = models.TextField(_("巡护路线"), blank=True)
    # [[latitude, longitude], …] in WGS-84, as a handheld recorded them.
    route_points = models.JSONField(_("轨迹点"), default=list, blank=True)
    summary = models.TextField(_("巡护情况"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("巡护记录")
        verbose_name_plural = _("巡护记录")
        indexes = [models.Index(fields=["zone", "-ended_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="patrol_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.zone.name} {self.started_at:%Y-%m-%d} 巡护"


class Finding(models.Model):
    """Something a patrol found (巡护发现); handed on as an incident or accepted as a case, once."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(_("发现类别"), max_length=24)
    description = models.TextField(_("情况描述"))
    village = models.ForeignKey(
        Division,
        verbose_name=_("发现地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("转警情"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("转案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    converted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("巡护发现")
        verbose_name_plural = _("巡护发现")
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=True) | Q(case__isnull=True), name="finding_one_conversion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patrol} {self.kind}"


class ForestTransfer(models.Model):
    """A transfer of a suspected forest crime by the forestry administration (行刑衔接).

    The transfer is a case from the start (accepted with source “其他机关移送”), so that its timeline —
    transfer received, filing decided, notice served — drives the statutory deadlines (TR-003 …); this
    record keeps the forestry facts: the transfer letter, the materials and the quantities.
    """

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="forest_transfer")
    agency = models.ForeignKey(Unit, verbose_name=_("移送机关"), on_delete=models.PROTECT, related_name="+")
    # The forest police unit following forest transfers (森林警察大队): it sees them beside the case's units.
    unit = models.ForeignKey(
        Unit, verbose_name=_("生态警务责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    letter_number = models.CharField(_("移送书文号"), max_length=60)
    received_at = models.DateTimeField(_("接受移送时间"))
    township = models.ForeignKey(
        Division, verbose_name=_("案发乡镇"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("案发地点"), max_length=120, blank=True)
    materials = models.TextField(_("移送材料"))
    materials_complete = models.BooleanField(_("材料齐全"), default=True)
    standing_volume_m3 = models.DecimalField(
        _("立木蓄积（立方米）"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    saplings = models.PositiveIntegerField(_("幼树（株）"), null=True, blank=True)
    value_cny = models.DecimalField(
        _("林木价值（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    public_welfare_forest_mu = models.DecimalField(
        _("公益林地（亩）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    commercial_forest_mu = models.DecimalField(
        _("商品林地（亩）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    prior_admin_penalties = models.PositiveSmallIntegerField(_("二年内行政处罚次数"), default=0)
    supplement_requested_at = models.DateTimeField(_("通知补正时间"), null=True, blank=True)
    decision = models.CharField(_("审查决定"), max_length=8, choices=TransferDecision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("提请决定时间"), null=True, blank=True)
    # The written notice to the transferring body (立案通知书 / 不予立案通知书): it is external, so the
    # record is of the paper served, not of an in-app message.
    notice_number = models.CharField(_("通知书文号"), max_length=60, blank=True)
    notice_issued_on = models.DateField(_("通知书日期"), null=True, blank=True)
    notice_served_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    notice_received_by = models.CharField(_("签收人"), max_length=40, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("行刑衔接移送案件")
        verbose_name_plural = _("行刑衔接移送案件")

    def __str__(self) -> str:
        return f"{self.letter_number}（{self.case.number}）"

    def quantities(self) -> dict[str, object]:
        return {
            "standing_volume_m3": self.standing_volume_m3,
            "saplings": self.saplings,
            "value_cny": self.value_cny,
            "public_welfare_forest_mu": self.public_welfare_forest_mu,
            "commercial_forest_mu": self.commercial_forest_mu,
            "prior_admin_penalties": self.prior_admin_penalties,
        }


class Campaign(models.Model):
    """A campaign (专项行动), e.g. 守青山、护绿水: a time box, target offences and incident kinds, places.

    Matching cases and incidents are counted by query (selectors.campaign_tally), never copied here.
    """

    name = models.CharField(_("行动名称"), max_length=60)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("行动内容"), blank=True)
    # Offence codes (jingwu.cases.offences) and incident kinds "category" or "category/subcategory".
    offence_codes = models.JSONField(_("目标案由"), default=list, blank=True)
    incident_kinds = models.JSONField(_("目标警情类别"), default=list, blank=True)
    townships = models.ManyToManyField(
        Division, verbose_name=_("行动范围（乡镇）"), blank=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name
