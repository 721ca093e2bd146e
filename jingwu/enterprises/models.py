"""Enterprise liaison (警企联系 / 护企帮企): industrial parks, enterprises with their liaison officer,
liaison visits, enterprises' requests, incidents linked to an enterprise, and warning bulletins
(预警信息) pushed to chosen enterprises through the outbox, each delivery with its acknowledgement."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.enterprises.choices import AckMethod, DeliveryChannel, EnterpriseStatus, RequestStatus
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.notifications.models import OutboxMessage
from jingwu.org.models import Unit, User


class Park(models.Model):
    """An industrial park (园区): enterprises may belong to one; bulletins can target a park."""

    name = models.CharField(_("园区名称"), max_length=64, unique=True)
    township = models.ForeignKey(
        Division, verbose_name=_("所在乡镇（街道）"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("简介"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A registered enterprise (企业) and who at the police looks after it (警企联系民警).

    `station` is the station responsible for the enterprise's village: it decides who may see it.
    """

    name = models.CharField(_("企业名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("行业"), max_length=24, db_index=True)
    village = models.ForeignKey(
        Division, verbose_name=_("所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        Division, verbose_name=_("所在乡镇（街道）"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    park = models.ForeignKey(
        Park,
        verbose_name=_("所在园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    station = models.ForeignKey(
        Unit, verbose_name=_("辖区派出所"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    liaison = models.ForeignKey(
        User,
        verbose_name=_("警企联系民警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_enterprises",
    )
    status = models.CharField(
        _("经营状态"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["township__code", "name", "id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [
            models.Index(fields=["station", "status"]),
            models.Index(fields=["township", "industry"]),
        ]

    def __str__(self) -> str:
        return self.name


class LiaisonVisit(models.Model):
    """A liaison visit (走访) to an enterprise: when, by whom, what was discussed, what was checked."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    officer = models.ForeignKey(User, verbose_name=_("走访民警"), on_delete=models.PROTECT, related_name="+")
    topics = models.TextField(_("交流内容"))
    checks = models.JSONField(_("安全检查项目"), default=list, blank=True)
    findings = models.TextField(_("检查发现及整改要求"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_on:%Y-%m-%d} 走访"


class EnterpriseRequest(models.Model):
    """A request or problem raised by an enterprise (企业诉求), open until handled with a note."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("诉求类别"), max_length=24)
    raised_on = models.DateField(_("提出日期"))
    summary = models.TextField(_("诉求内容"))
    status = models.CharField(
        _("状态"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    handling_note = models.TextField(_("办理情况"), blank=True)
    handled_on = models.DateField(_("办结日期"), null=True, blank=True)
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-raised_on", "-id"]
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(handled_on__isnull=False),
                name="enterprise_request_handled_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} 诉求 {self.raised_on:%Y-%m-%d}"


class EnterpriseIncident(models.Model):
    """An incident at or near an enterprise (涉企警情), linked by an officer."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("关联说明"), max_length=200, blank=True)
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "incident"], name="enterprise_incident_once")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ↔ {self.incident}"


class Bulletin(models.Model):
    """A warning bulletin (预警信息 / 典型案例), written once and pushed to the chosen enterprises.

    `targeting` keeps the filters it was issued with (parks, industries, townships) for the record.
    """

    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    kind = models.CharField(_("类别"), max_length=24)
    channel = models.CharField(_("推送渠道"), max_length=8, choices=DeliveryChannel.choices)
    targeting = models.JSONField(_("推送范围"), default=dict)
    unit = models.ForeignKey(Unit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(User, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("发布时间"), db_index=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("预警信息")
        verbose_name_plural = _("预警信息")

    def __str__(self) -> str:
        return self.title


class BulletinDelivery(models.Model):
    """One enterprise's copy of a bulletin (推送记录): the outbox message that carries it (its status is
    the delivery's), and the enterprise's acknowledgement (签收) as recorded by an officer.

    `message` is the current outbox message; a re-send after a final failure replaces it, and
    `attempts` counts how many messages were queued for this delivery.
    """

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=DeliveryChannel.choices, blank=True)
    address = models.CharField(_("发送地址"), max_length=254, blank=True)
    message = models.OneToOneField(
        OutboxMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="bulletin_delivery"
    )
    messages_queued = models.PositiveSmallIntegerField(_("排队次数"), default=0)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    ack_method = models.CharField(_("签收方式"), max_length=10, choices=AckMethod.choices, blank=True)
    ack_note = models.CharField(_("签收说明"), max_length=200, blank=True)
    acknowledged_by = models.ForeignKey(
        User, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["bulletin", "enterprise__name", "id"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "enterprise"], name="bulletin_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} → {self.enterprise}"
