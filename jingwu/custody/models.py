from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.models import Case, CaseParty, Measure
from jingwu.cases.storage import sha256_file
from jingwu.custody.choices import ExitDestination, LogKind, SessionKind, StayStatus
from jingwu.org.models import User
from jingwu.people.models import Person


class CustodyStay(models.Model):
    """A stay of a person in the case-handling center (在区记录): from entry (入区) to exit (出区).

    The legal basis is an open measure of the case on the same party (传唤、拘传、刑事拘留、逮捕) and its
    document (法律文书文号). A person is inside at most once at a time (a partial unique index), and
    leaves after entering (a check constraint).
    """

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="custody_stays"
    )
    party = models.ForeignKey(
        CaseParty, verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="custody_stays"
    )
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(
        Measure, verbose_name=_("法律依据（措施）"), on_delete=models.PROTECT, related_name="custody_stays"
    )
    basis_document = models.CharField(_("法律文书文号"), max_length=80)
    entered_at = models.DateTimeField(_("入区时间"), db_index=True)
    brought_by = models.ManyToManyField(User, verbose_name=_("带入民警"), related_name="+")
    registered_by = models.ForeignKey(
        User, verbose_name=_("登记民警（值班）"), on_delete=models.PROTECT, related_name="+"
    )
    entry_note = models.CharField(_("入区说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=StayStatus.choices, default=StayStatus.INSIDE)
    exited_at = models.DateTimeField(_("出区时间"), null=True, blank=True, db_index=True)
    exit_destination = models.CharField(
        _("出区去向"), max_length=32, choices=ExitDestination.choices, blank=True
    )
    exit_note = models.CharField(_("出区说明"), max_length=300, blank=True)
    unreturned_reason = models.CharField(_("物品未返还原因"), max_length=300, blank=True)
    exit_by = models.ForeignKey(
        User,
        verbose_name=_("出区登记民警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name = _("在区记录")
        verbose_name_plural = _("在区记录")
        constraints = [
            # 同一人员不能同时两次在区.
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="inside"), name="custody_one_open_stay_per_person"
            ),
            models.CheckConstraint(
                condition=Q(exited_at__isnull=True) | Q(exited_at__gte=F("entered_at")),
                name="custody_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=(Q(status="inside") & Q(exited_at__isnull=True))
                | (Q(status="left") & Q(exited_at__isnull=False)),
                name="custody_status_matches_exit",
            ),
        ]
        indexes = [models.Index(fields=["status", "entered_at"], name="custody_status_entered")]

    def __str__(self) -> str:
        return f"在区记录#{self.pk} {self.case.number}"


class StayLogEntry(models.Model):
    """One line of the stay log (在区情况记录): safety check, health, information collection, meals and
    rest, counsel visit, other. Append-only: database triggers refuse UPDATE and DELETE."""

    stay = models.ForeignKey(CustodyStay, on_delete=models.PROTECT, related_name="log")
    kind = models.CharField(_("事项"), max_length=20, choices=LogKind.choices)
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("情况"))
    officer = models.ForeignKey(User, verbose_name=_("民警"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("在区情况记录")
        verbose_name_plural = _("在区情况记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"


class QuestioningSession(models.Model):
    """A questioning session (讯问/询问) in a room of the center, by at least two officers."""

    stay = models.ForeignKey(CustodyStay, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("类别"), max_length=16, choices=SessionKind.choices)
    room = models.CharField(_("讯询问室"), max_length=16)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    officers = models.ManyToManyField(User, verbose_name=_("讯问/询问民警"), related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("讯问/询问")
        verbose_name_plural = _("讯问/询问")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="custody_session_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["room", "started_at"], name="custody_session_room")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.room} @ {self.started_at:%Y-%m-%d %H:%M}"


class Belonging(models.Model):
    """An item taken into safekeeping on entry (随身物品), returned and signed for at exit."""

    stay = models.ForeignKey(CustodyStay, on_delete=models.PROTECT, related_name="belongings")
    name = models.CharField(_("物品名称"), max_length=60)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    description = models.CharField(_("特征描述"), max_length=300, blank=True)
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(_("返还时间"), null=True, blank=True)
    received_by = models.CharField(_("领取人"), max_length=40, blank=True)
    signature_confirmed = models.BooleanField(_("已签字确认"), default=False)
    returned_by = models.ForeignKey(
        User, verbose_name=_("返还民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("随身物品")
        verbose_name_plural = _("随身物品")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="custody_belonging_quantity"),
            # A return is signed for by a named person (领取人签字).
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | (~Q(received_by="") & Q(signature_confirmed=True)),
                name="custody_return_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class BelongingPhoto(models.Model):
    """A photo of a belonging, stored content-addressed like the case attachments (jingwu.cases.storage)."""

    belonging = models.ForeignKey(Belonging, on_delete=models.PROTECT, related_name="photos")
    file_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    path = models.CharField(max_length=300)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("物品照片")
        verbose_name_plural = _("物品照片")

    def __str__(self) -> str:
        return self.file_name

    def verify(self) -> bool:
        return sha256_file(self.path) == self.sha256
