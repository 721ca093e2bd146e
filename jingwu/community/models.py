"""Community policing (社区警务): village assignments, grid work, staff performance, six-no assessments and
police–public dialogue meetings.

Every record carries `station` (the station responsible for its village, copied from geo.Division when
it is written) so that the access policy scopes it by one indexed relation, like the other apps.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.community.choices import (
    ActivityKind,
    AssessmentStatus,
    AssignmentKind,
    ConcernOutcome,
    HazardCategory,
    HazardStatus,
    ReportCategory,
    ReportStatus,
    TaskStatus,
    Verdict,
)
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.mediation.models import Dispute
from jingwu.org.models import Unit, User


class Assignment(models.Model):
    """A village's police assistant or community officer for a stretch of time (网格责任人, with history).

    The current one has no `ends_on`; a new assignment ends the previous one the day before it starts.
    """

    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Unit, verbose_name=_("责任派出所"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=AssignmentKind.choices)
    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "kind", "-starts_on", "-id"]
        verbose_name = _("网格责任人")
        verbose_name_plural = _("网格责任人")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "kind"], condition=Q(ends_on__isnull=True), name="assignment_one_current"
            ),
            # 一村一警务助理: an assistant looks after one village at a time.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ends_on__isnull=True, kind="assistant"),
                name="assignment_assistant_one_village",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["station", "kind"])]

    def __str__(self) -> str:
        return f"{self.village.name} {self.get_kind_display()} {self.user.full_name}"


class StaffMember(models.Model):
    """One of the community staff (六大员): a police assistant, a governance coordinator, a security director…

    `kind` is a code of data/staff_kinds.yaml. Police assistants log in (`user`); the others are recorded
    by the station's officers.
    """

    name = models.CharField(_("姓名"), max_length=32)
    kind = models.CharField(_("类别"), max_length=24)
    village = models.ForeignKey(
        Division, verbose_name=_("所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Unit, verbose_name=_("责任派出所"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="community_staff",
    )
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "kind", "name"]
        verbose_name = _("社区工作人员")
        verbose_name_plural = _("社区工作人员")
        indexes = [models.Index(fields=["station", "kind"])]

    def __str__(self) -> str:
        return self.name


class GridActivity(models.Model):
    """A patrol (巡逻) or a household visit (入户走访) in a village."""

    kind = models.CharField(_("类别"), max_length=10, choices=ActivityKind.choices)
    staff = models.ForeignKey(StaffMember, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    place = models.CharField(_("地点/路线"), max_length=200)
    household = models.CharField(_("走访对象"), max_length=60, blank=True)
    summary = models.TextField(_("情况"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("巡逻走访")
        verbose_name_plural = _("巡逻走访")
        indexes = [models.Index(fields=["staff", "kind", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.village.name} {self.occurred_at:%Y-%m-%d}"


class Hazard(models.Model):
    """A safety hazard found in a village (安全隐患), open until it is fixed (整改)."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("发现人"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=16, choices=HazardCategory.choices)
    place = models.CharField(_("位置"), max_length=200)
    description = models.TextField(_("隐患情况"))
    found_at = models.DateTimeField(_("发现时间"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    fixed_on = models.DateField(_("整改日期"), null=True, blank=True)
    fix_note = models.TextField(_("整改情况"), blank=True)
    fixed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-found_at", "-id"]
        verbose_name = _("安全隐患")
        verbose_name_plural = _("安全隐患")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", fixed_on__isnull=True) | Q(status="fixed", fixed_on__isnull=False),
                name="hazard_fixed_has_date",
            )
        ]
        indexes = [models.Index(fields=["station", "status"])]

    def __str__(self) -> str:
        return f"{self.village.name} {self.place}"


class InfoReport(models.Model):
    """An information report (信息报送) from the grid; a station officer adopts it, turning it into an
    incident or a dispute, or records why it is not adopted."""

    number = models.CharField(_("编号"), max_length=24, unique=True, null=True)  # noqa: DJ001
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=16, choices=ReportCategory.choices)
    title = models.CharField(_("标题"), max_length=80)
    content = models.TextField(_("内容"))
    reported_at = models.DateTimeField(_("报送时间"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handling_note = models.TextField(_("处理意见"), blank=True)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("转为警情"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispute = models.ForeignKey(
        Dispute, verbose_name=_("转为纠纷"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("信息报送")
        verbose_name_plural = _("信息报送")
        indexes = [models.Index(fields=["station", "status"])]

    def __str__(self) -> str:
        return self.number or f"信息#{self.pk}"


class DailyLog(models.Model):
    """A staff member's log of one day (工作日志)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    content = models.TextField(_("工作内容"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="daily_log_once_a_day")]

    def __str__(self) -> str:
        return f"{self.staff} {self.day}"


class PerformanceAdjustment(models.Model):
    """The station chief's manual adjustment of a staff member's monthly score (绩效调整), with its reason."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="adjustments")
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    month = models.CharField(_("月份"), max_length=7, db_index=True)  # "2026-11"
    points = models.DecimalField(_("调整分值"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("理由"), max_length=300)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month", "id"]
        verbose_name = _("绩效调整")
        verbose_name_plural = _("绩效调整")

    def __str__(self) -> str:
        return f"{self.staff} {self.month} {self.points}"


class SixNoAssessment(models.Model):
    """A community's six-no assessment for a year (六无社区评估)."""

    community = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    verdict = models.CharField(_("总体评定"), max_length=6, choices=Verdict.choices, blank=True)
    concluded_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "community__code"]
        verbose_name = _("六无社区评估")
        verbose_name_plural = _("六无社区评估")
        constraints = [models.UniqueConstraint(fields=["community", "year"], name="sixno_once_a_year")]

    def __str__(self) -> str:
        return f"{self.community.name} {self.year}年六无评估"


class SixNoResult(models.Model):
    """The verdict on one criterion of an assessment, with the evidence seen and the justification."""

    assessment = models.ForeignKey(SixNoAssessment, on_delete=models.CASCADE, related_name="results")
    criterion = models.CharField(_("评估项"), max_length=24)
    verdict = models.CharField(_("评定"), max_length=6, choices=Verdict.choices)
    justification = models.TextField(_("说明理由"), blank=True)
    # The incident and case numbers matched when the verdict was given (a snapshot, for the record).
    evidence = models.JSONField(_("关联案事件"), default=list, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="sixno_result_once")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.criterion}"


class DialogueMeeting(models.Model):
    """A police–public dialogue meeting (警民恳谈会)."""

    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100)
    host = models.ForeignKey(User, verbose_name=_("主持民警"), on_delete=models.PROTECT, related_name="+")
    attendees = models.CharField(_("参加人员"), max_length=300)
    attendee_count = models.PositiveSmallIntegerField(_("参加人数"), default=0)
    summary = models.TextField(_("会议情况"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("警民恳谈会")
        verbose_name_plural = _("警民恳谈会")

    def __str__(self) -> str:
        return f"{self.held_on} {self.village.name}警民恳谈会"


class Task(models.Model):
    """A task (交办任务) with an owner and a due date, e.g. from a concern raised at a dialogue meeting."""

    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("任务"), max_length=120)
    detail = models.TextField(_("要求"), blank=True)
    owner = models.ForeignKey(User, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    done_note = models.TextField(_("办理情况"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("交办任务")
        verbose_name_plural = _("交办任务")
        indexes = [models.Index(fields=["station", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class Concern(models.Model):
    """A concern raised at a dialogue meeting (群众反映问题) and what became of it."""

    meeting = models.ForeignKey(DialogueMeeting, on_delete=models.CASCADE, related_name="concerns")
    text = models.TextField(_("反映问题"))
    raised_by = models.CharField(_("反映人"), max_length=60, blank=True)
    outcome = models.CharField(
        _("处理方式"), max_length=10, choices=ConcernOutcome.choices, default=ConcernOutcome.OPEN
    )
    answer = models.TextField(_("答复情况"), blank=True)
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="concern")

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("恳谈问题")
        verbose_name_plural = _("恳谈问题")

    def __str__(self) -> str:
        return self.text[:30]
