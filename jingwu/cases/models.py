from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.choices import ApprovalStatus, CaseKind, CaseSource, PartyRole
from jingwu.cases.storage import sha256_file
from jingwu.incidents.models import Incident
from jingwu.org.models import Unit, User
from jingwu.people.models import Person


class CaseNumberCounter(models.Model):
    """The last case number given by a reviewing unit in a year; its row lock serialises numbering."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="case_counter_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.year}: {self.last}"


class Case(models.Model):
    """A case (案件), criminal (刑事) or administrative (行政/治安), from acceptance (受案) to closure.

    `station` is the territory; `reviewing_unit` holds the unified review queue (统一审查); the
    `handling_unit` and officers are assigned at review. Each decides who may see the case.
    """

    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    kind = models.CharField(_("案件类别"), max_length=16, choices=CaseKind.choices)
    status = models.CharField(_("状态"), max_length=16, default="accepted")
    title = models.CharField(_("案件名称"), max_length=100)
    facts = models.TextField(_("简要案情"))
    offence_code = models.CharField(_("案由代码"), max_length=32, blank=True)
    offence = models.CharField(_("案由"), max_length=60, blank=True)
    is_major = models.BooleanField(_("重大疑难复杂"), default=False)
    source = models.CharField(_("案件来源"), max_length=16, choices=CaseSource.choices)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("来源警情"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    transfer_agency = models.CharField(_("移送机关"), max_length=100, blank=True)
    station = models.ForeignKey(
        Unit, verbose_name=_("辖区派出所"), on_delete=models.PROTECT, related_name="+"
    )
    reviewing_unit = models.ForeignKey(
        Unit, verbose_name=_("审查单位"), on_delete=models.PROTECT, related_name="+"
    )
    handling_unit = models.ForeignKey(
        Unit, verbose_name=_("办案单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_officer = models.ForeignKey(
        User, verbose_name=_("主办民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officers = models.ManyToManyField(User, verbose_name=_("协办民警"), blank=True, related_name="cases")
    accepted_at = models.DateTimeField(_("受案时间"), db_index=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            models.Index(fields=["reviewing_unit", "status"]),
            models.Index(fields=["handling_unit", "status"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseParty(models.Model):
    """A person in a case in a role (当事人): suspect, victim, witness, reporter."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="case_party_once")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"

    @property
    def key(self) -> str:
        """The person key of the legal timeline (the engine's per-person clocks)."""
        return f"P{self.pk}"


class Measure(models.Model):
    """A coercive or investigative measure on a party (强制措施): summons, detention, bail, arrest…"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    party = models.ForeignKey(CaseParty, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("措施"), max_length=32)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="measure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.kind} {self.party}"


class Approval(models.Model):
    """A request for legal review and approval (法制审核/审批) of a transition or a measure.

    The required roles act in order; when the last approves, the requested action runs. A return
    (退回) ends the request with the reviewer's opinion; the officer revises and submits anew.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    subject = models.CharField(_("事项"), max_length=60)
    label = models.CharField(_("事项名称"), max_length=60)
    payload = models.JSONField(default=dict)
    roles = models.JSONField(_("审批环节"), default=list)
    step = models.PositiveSmallIntegerField(default=0)
    # The role the request waits for (roles[step]) while pending, "" after: the inbox's index.
    current_role = models.CharField(max_length=20, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    history = models.JSONField(default=list)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "case"])]

    def __str__(self) -> str:
        return f"{self.case.number} {self.label} ({self.get_status_display()})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.current_role = self.roles[self.step] if self.status == ApprovalStatus.PENDING else ""
        super().save(*args, **kwargs)

    @property
    def waiting_for(self) -> str | None:
        return self.current_role or None


class Deliberation(models.Model):
    """A collective deliberation meeting (集体议案) on a major case, with opinions and the vote."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliberations")
    topic = models.CharField(_("议题"), max_length=100)
    held_at = models.DateTimeField(_("会议时间"))
    chair = models.ForeignKey(User, verbose_name=_("主持人"), on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(User, verbose_name=_("参会人员"), related_name="deliberations")
    opinions = models.JSONField(_("发言意见"), default=list)
    decision = models.TextField(_("议定事项"))
    votes_for = models.PositiveSmallIntegerField(_("同意"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)
    passed = models.BooleanField(_("通过"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.topic}"


class CaseActivity(models.Model):
    """A readable line of the case's history (办案记录) beside its legal events."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="activities")
    at = models.DateTimeField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------------------------------
# evidence, attachments, legal documents and the electronic dossier (jingwu.cases.documents, .dossier)


class Evidence(models.Model):
    """An item of evidence (证据) in a case, numbered in the case from 1."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    number = models.PositiveIntegerField(_("证据编号"))
    name = models.CharField(_("证据名称"), max_length=100)
    description = models.TextField(_("证据说明"), blank=True)
    collected_at = models.DateTimeField(_("收集时间"))
    collected_by = models.ForeignKey(
        User, verbose_name=_("收集人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="evidence_number_in_case")]

    def __str__(self) -> str:
        return f"{self.case.number} 证据{self.number} {self.name}"


class Attachment(models.Model):
    """A file of a case (附件), stored content-addressed under its SHA-256 (jingwu.cases.storage)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    path = models.CharField(max_length=300)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.case.number} {self.file_name}"

    def verify(self) -> bool:
        """Whether the stored file still has the hash recorded at upload (False: altered or missing)."""
        return sha256_file(self.path) == self.sha256


class DocumentNumberCounter(models.Model):
    """The last serial of a kind of legal document issued by a bureau in a year (文书文号)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=40)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "kind"], name="document_counter_unit_year_kind")
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.year} {self.kind}: {self.last}"


class CaseDocument(models.Model):
    """A legal document (法律文书) produced from a template as a PDF, with the values it was made from."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文书种类"), max_length=40)
    title = models.CharField(_("文书名称"), max_length=60)
    number = models.CharField(_("文号"), max_length=80, unique=True)
    context = models.JSONField(_("文书内容"), default=dict)
    pdf_path = models.CharField(max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("制作时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("法律文书")
        verbose_name_plural = _("法律文书")
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    def verify(self) -> bool:
        return sha256_file(self.pdf_path) == self.sha256


class DossierOutcome(models.TextChoices):
    PENDING = "pending", _("待审查")
    ACCEPTED = "accepted", _("已受理")
    RETURNED = "returned", _("退回补充侦查")


class Dossier(models.Model):
    """An electronic dossier (电子卷宗) sent to the procuratorate's case management center on a transfer
    for prosecution: a zip of manifest.json, the documents' PDFs and the attachments, with hashes.
    `sequence` counts the transfers of the case (1 = first, 2 = after a return and resubmission…)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="dossiers")
    sequence = models.PositiveSmallIntegerField(_("移送次序"))
    manifest = models.JSONField(_("卷宗清单"))
    package_path = models.CharField(max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sent_at = models.DateTimeField(_("移送时间"))
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    received_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    receipt_note = models.TextField(_("签收说明"), blank=True)
    outcome = models.CharField(
        _("审查结果"), max_length=12, choices=DossierOutcome.choices, default=DossierOutcome.PENDING
    )
    outcome_note = models.TextField(_("结果说明"), blank=True)
    outcome_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    outcome_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "sequence"]
        verbose_name = _("电子卷宗")
        verbose_name_plural = _("电子卷宗")
        constraints = [models.UniqueConstraint(fields=["case", "sequence"], name="dossier_sequence_in_case")]
        indexes = [models.Index(fields=["outcome", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.case.number} 电子卷宗（第{self.sequence}次移送）"
