"""Disputes and their mediation (矛盾纠纷化解): parties, routes, sessions, agreements, judicial confirmation,
follow-up visits, and the status history the resolution rate is computed from."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.models import Case
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.mediation.choices import (
    ConfirmationResult,
    DisputeSource,
    FollowOn,
    FollowUpStatus,
    PartyRole,
    RiskLevel,
    Route,
    SessionResult,
)
from jingwu.org.models import Unit, User
from jingwu.people.models import Person


class Dispute(models.Model):
    """A dispute (矛盾纠纷) between persons, registered by the station responsible for its place.

    `station` decides who may see it; `reported_by` is the grid worker of a screening report; the
    route (治安调解 / 人民调解 / 移交) is the current row of `routes`.
    """

    number = models.CharField(_("纠纷编号"), max_length=24, unique=True, null=True)  # noqa: DJ001
    source = models.CharField(_("来源"), max_length=12, choices=DisputeSource.choices)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("来源警情"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("关联行政案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("纠纷类型"), max_length=20)
    relationship = models.CharField(_("当事人关系"), max_length=40, blank=True)
    village = models.ForeignKey(
        Division, verbose_name=_("发生地"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("详细地点"), max_length=200, blank=True)
    description = models.TextField(_("纠纷简要情况"))
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    station = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    risk_suggested = models.CharField(_("系统建议等级"), max_length=8, choices=RiskLevel.choices)
    risk_reasons = models.JSONField(_("风险信号"), default=list)
    status = models.CharField(_("状态"), max_length=14, default="registered", db_index=True)
    registered_at = models.DateTimeField(_("登记时间"), db_index=True)
    reported_by = models.ForeignKey(
        User, verbose_name=_("排查上报人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    failure_reason = models.TextField(_("调解不成原因"), blank=True)
    follow_on = models.CharField(_("后续处理"), max_length=20, choices=FollowOn.choices, blank=True)
    follow_on_case = models.ForeignKey(
        Case,
        verbose_name=_("后续行政案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [
            models.Index(fields=["station", "status"]),
            models.Index(fields=["risk_level", "status"]),
        ]

    def __str__(self) -> str:
        return self.number or f"纠纷#{self.pk}"

    @property
    def current_route(self) -> DisputeRoute | None:
        return next((r for r in self.routes.all() if r.ended_at is None), None)


class DisputeParty(models.Model):
    """A party to a dispute (纠纷当事人) in a role: 申请人, 被申请人, 当事人."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dispute_roles")
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dispute", "person"], name="dispute_party_once")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class DisputeRoute(models.Model):
    """One route the dispute took (化解途径), with when it started and ended: police mediation (治安调解),
    referral to a people's mediation committee (公调衔接, to a mediator) or to another body."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="routes")
    route = models.CharField(_("途径"), max_length=8, choices=Route.choices)
    mediator = models.ForeignKey(
        User, verbose_name=_("人民调解员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.CharField(_("移交机关"), max_length=24, blank=True)
    note = models.TextField(_("说明"), blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(ended_at__isnull=True), name="dispute_one_current_route"
            ),
            models.CheckConstraint(
                condition=~Q(route="people") | Q(mediator__isnull=False), name="dispute_route_people_mediator"
            ),
        ]
        indexes = [models.Index(fields=["mediator", "dispute"])]

    def __str__(self) -> str:
        return f"{self.dispute} {self.get_route_display()}"


class MediationSession(models.Model):
    """A mediation session (调解会): when, where, who, what was said in short, and the result."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    route = models.ForeignKey(DisputeRoute, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=100)
    participants = models.CharField(_("参加人员"), max_length=300)
    summary = models.TextField(_("调解情况"))
    result = models.CharField(_("结果"), max_length=12, choices=SessionResult.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute} {self.held_at:%Y-%m-%d} {self.get_result_display()}"


class Agreement(models.Model):
    """A mediation agreement (调解协议书) with its terms; effective on `concluded_on` (the signatures)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="agreements")
    route = models.ForeignKey(DisputeRoute, on_delete=models.PROTECT, related_name="agreements")
    session = models.ForeignKey(
        MediationSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("协议编号"), max_length=32, unique=True)
    concluded_on = models.DateField(_("协议生效日期"))
    facts = models.TextField(_("纠纷事实"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["concluded_on", "id"]
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return self.number


class AgreementTerm(models.Model):
    """One term of an agreement (协议条款): what is to be done, the amount, by when."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("条款内容"), max_length=300)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("履行期限"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="agreement_term_number")]

    def __str__(self) -> str:
        return f"{self.agreement} 第{self.number}条"


class FollowUp(models.Model):
    """A follow-up visit (回访) on a term with a performance date: was it performed?"""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    term = models.OneToOneField(AgreementTerm, on_delete=models.PROTECT, related_name="follow_up")
    due_on = models.DateField(_("回访日期"), db_index=True)
    status = models.CharField(
        _("回访结果"), max_length=14, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    note = models.TextField(_("回访情况"), blank=True)
    visited_on = models.DateField(_("回访时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.term} 回访"


class JudicialConfirmation(models.Model):
    """A judicial confirmation (司法确认) application for a people's-mediation agreement, and its result."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="confirmation")
    applied_on = models.DateField(_("申请日期"))
    court = models.CharField(_("受理法院"), max_length=60)
    result = models.CharField(
        _("结果"), max_length=10, choices=ConfirmationResult.choices, default=ConfirmationResult.PENDING
    )
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.agreement} 司法确认"


class DisputeHistory(models.Model):
    """A line of the dispute's history (处理记录); status changes carry from/to and whether the dispute
    stands resolved after it — the resolution rate replays these (docs/mediation.md)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dispute", "at"])]

    def __str__(self) -> str:
        return self.text
