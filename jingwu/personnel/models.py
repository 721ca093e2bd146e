"""队伍建设: the bureau's own people — training (教育训练), honours (荣誉), station culture (一所一品牌)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.cases.storage import sha256_file
from jingwu.org.models import Unit, User
from jingwu.personnel.choices import AttendanceStatus, HonourKind, HonourLevel


class Course(models.Model):
    """A course or study session (教育训练课程): its kind (data/training.yaml), dates, who must attend and by
    when. `is_legal_training` is copied from the kind when the course is planned, so that the quality
    evaluation reads it from the database alone."""

    title = models.CharField(_("课程名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=24)
    is_legal_training = models.BooleanField(_("计入执法质量考评"), default=False, db_index=True)
    description = models.TextField(_("内容"), blank=True)
    location = models.CharField(_("地点"), max_length=100, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    due_on = models.DateField(_("应完成日期"), db_index=True)
    pass_score = models.DecimalField(
        _("合格分数"), max_digits=5, decimal_places=1, null=True, blank=True, help_text=_("不填：只记出勤")
    )
    required_units = models.ManyToManyField(
        Unit, verbose_name=_("参训单位"), blank=True, related_name="+", help_text=_("不选：全局")
    )
    required_roles = models.JSONField(_("参训岗位"), default=list, blank=True)
    organiser = models.ForeignKey(
        Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("教育训练课程")
        verbose_name_plural = _("教育训练课程")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="course_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    """One officer on one course (参训记录): required, attended, absent or exempt, with the score.

    `unit` is the officer's unit when enrolled: the record stays with the unit it was earned in, and the
    access policy scopes it by that unit. `passed` is decided when the attendance is recorded.
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    officer = models.ForeignKey(User, verbose_name=_("民警"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("参训情况"), max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.REQUIRED
    )
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    class Meta:
        ordering = ["course", "unit__path", "officer__username"]
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        constraints = [models.UniqueConstraint(fields=["course", "officer"], name="enrolment_once")]
        indexes = [models.Index(fields=["officer", "course"]), models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.course} {self.officer.full_name}"

    @property
    def completed(self) -> bool:
        return self.status == AttendanceStatus.EXEMPT or bool(self.passed)


class Honour(models.Model):
    """An honour or commendation (荣誉): individual (an officer's 三等功…) or collective (a unit's)."""

    kind = models.CharField(_("类型"), max_length=10, choices=HonourKind.choices)
    title = models.CharField(_("荣誉名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=HonourLevel.choices)
    awarded_on = models.DateField(_("授予日期"), db_index=True)
    date_is_illustrative = models.BooleanField(
        _("日期为示意"), default=False, help_text=_("确切授予日期待政治处核对")
    )
    awarding_body = models.CharField(_("授予机关"), max_length=100)
    citation = models.TextField(_("事迹/评语"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        User, verbose_name=_("民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="individual") & Q(officer__isnull=False))
                | (Q(kind="collective") & Q(officer__isnull=True)),
                name="honour_individual_has_officer",
            ),
        ]

    def __str__(self) -> str:
        who = self.officer.full_name if self.officer_id else self.unit.name
        return f"{who} {self.title}"


class StationBrand(models.Model):
    """A station's culture brand (一所一品牌一特色): its name, motto and story."""

    unit = models.OneToOneField(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("品牌名称"), max_length=40)
    motto = models.CharField(_("品牌理念"), max_length=100, blank=True)
    text = models.TextField(_("品牌介绍"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__sort_order", "unit__path"]
        verbose_name = _("所队品牌")
        verbose_name_plural = _("所队品牌")

    def __str__(self) -> str:
        return f"{self.unit.name} {self.name}"


class BrandPhoto(models.Model):
    """A photo of a station's brand (品牌照片), stored content-addressed (jingwu.cases.storage)."""

    brand = models.ForeignKey(StationBrand, on_delete=models.PROTECT, related_name="photos")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.file_name

    def verify(self) -> bool:
        return sha256_file(self.path) == self.sha256


class BrandActivity(models.Model):
    """An activity held under a station's brand (品牌活动)."""

    brand = models.ForeignKey(StationBrand, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("活动名称"), max_length=100)
    held_on = models.DateField(_("活动日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    summary = models.TextField(_("活动情况"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title
