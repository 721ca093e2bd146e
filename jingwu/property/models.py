"""Seized property (涉案财物) and its chain of custody (流转记录), the property room's locations and its
inventory checks (盘点). The chain is append-only: the database refuses UPDATE and DELETE of custody
events and inventory checks (migration 0002), and the item keeps only a cache of where the chain left it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.models import Case, CaseParty
from jingwu.org.models import User
from jingwu.property.choices import CustodyKind, ItemState, PropertyCategory, SeizureKind


class LabelCounter(models.Model):
    """The last label serial given in a year; its row lock serialises numbering (一物一码)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PropertyLocation(models.Model):
    """A place in the property room (涉案财物保管场所): room, shelf, box; managed by the property keeper."""

    code = models.CharField(_("位置编号"), max_length=40, unique=True)
    room = models.CharField(_("库房"), max_length=40)
    shelf = models.CharField(_("货架"), max_length=20, blank=True)
    box = models.CharField(_("箱/格"), max_length=20, blank=True)
    description = models.CharField(_("说明"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("保管位置")
        verbose_name_plural = _("保管位置")

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class PropertyItem(models.Model):
    """An item of seized property (涉案财物) of a case, with its label code and the cached end of its chain.

    `state`, `location` and `state_since` are derived from the custody events and rewritten only by the
    services that append an event; the events are the record."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="property")
    label_code = models.CharField(_("财物编号"), max_length=20, unique=True)
    description = models.CharField(_("名称及特征"), max_length=200)
    category = models.CharField(_("类别"), max_length=16, choices=PropertyCategory.choices)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=3)
    measure_unit = models.CharField(_("计量单位"), max_length=10)
    estimated_value = models.DecimalField(
        _("估计价值（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    seizure_kind = models.CharField(_("措施"), max_length=12, choices=SeizureKind.choices)
    seizure_document = models.CharField(_("扣押/查封文书文号"), max_length=80)
    seized_at = models.DateTimeField(_("扣押时间"))
    seized_by = models.ForeignKey(
        User, verbose_name=_("扣押民警"), on_delete=models.PROTECT, related_name="+"
    )
    seized_place = models.CharField(_("扣押地点"), max_length=100, blank=True)
    holder = models.ForeignKey(
        CaseParty,
        verbose_name=_("被扣押人/持有人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="property",
    )
    state = models.CharField(_("状态"), max_length=16, choices=ItemState.choices, db_index=True)
    location = models.ForeignKey(
        PropertyLocation,
        verbose_name=_("保管位置"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    state_since = models.DateTimeField(_("状态起始"))
    filed_with_inspectorate_at = models.DateTimeField(_("督察备案时间"), null=True, blank=True)
    found_unrelated_at = models.DateTimeField(_("查明与案件无关时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seized_at", "-id"]
        verbose_name = _("涉案财物")
        verbose_name_plural = _("涉案财物")
        indexes = [models.Index(fields=["state", "state_since"], name="property_state_since")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="property_quantity_positive"),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="property_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=True) | Q(state=ItemState.IN_ROOM),
                name="property_location_only_in_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label_code} {self.description}"

    @property
    def key(self) -> str:
        """The item key of the legal timeline (the engine's per-item clocks)."""
        return f"I{self.pk}"


class CustodyEvent(models.Model):
    """One link of an item's chain of custody (流转记录): who handed it over, who received it, when, why,
    on which decision; append-only (the database refuses UPDATE and DELETE)."""

    item = models.ForeignKey(PropertyItem, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("流转类型"), max_length=24, choices=CustodyKind.choices)
    at = models.DateTimeField(_("时间"))
    state_after = models.CharField(_("流转后状态"), max_length=16, choices=ItemState.choices)
    location = models.ForeignKey(
        PropertyLocation,
        verbose_name=_("保管位置"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_by = models.CharField(_("移交人"), max_length=60)
    received_by = models.CharField(_("接收人"), max_length=60)
    destination = models.CharField(_("去向/接收单位"), max_length=100, blank=True)
    reason = models.CharField(_("事由"), max_length=300)
    document_number = models.CharField(_("决定文书文号"), max_length=80, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "sequence"]
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        constraints = [
            models.UniqueConstraint(fields=["item", "sequence"], name="custody_event_sequence"),
        ]
        indexes = [models.Index(fields=["kind", "at"], name="custody_event_kind_at")]

    def __str__(self) -> str:
        return f"{self.item.label_code} #{self.sequence} {self.get_kind_display()}"


class PropertyPhoto(models.Model):
    """A photo of an item (财物照片), stored content-addressed (jingwu.cases.storage, area "property")."""

    item = models.ForeignKey(PropertyItem, on_delete=models.PROTECT, related_name="photos")
    file_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    path = models.CharField(max_length=300)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.item.label_code} {self.file_name}"


class InventoryCheck(models.Model):
    """An inventory check (盘点) of one location: what the chain says should be there, what was found,
    and the difference; append-only like the chain."""

    location = models.ForeignKey(PropertyLocation, on_delete=models.PROTECT, related_name="checks")
    checked_at = models.DateTimeField(_("盘点时间"))
    checked_by = models.ForeignKey(User, verbose_name=_("盘点人"), on_delete=models.PROTECT, related_name="+")
    expected = models.JSONField(_("应在库"), default=list)
    found = models.JSONField(_("实际清点"), default=list)
    missing = models.JSONField(_("缺失"), default=list)
    unexpected = models.JSONField(_("账外"), default=list)
    has_discrepancy = models.BooleanField(_("账实不符"), default=False, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("盘点记录")
        verbose_name_plural = _("盘点记录")

    def __str__(self) -> str:
        return f"{self.location.code} {self.checked_at:%Y-%m-%d %H:%M}"
