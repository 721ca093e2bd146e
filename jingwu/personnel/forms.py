"""The forms of 队伍建设: they only shape input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from jingwu.access.roles import Role
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User
from jingwu.personnel.choices import AttendanceStatus, HonourKind, HonourLevel
from jingwu.personnel.services import POLICE_ROLES
from jingwu.personnel.training import course_kinds

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNIT_KINDS = (
    UnitKind.BUREAU,
    UnitKind.COMMAND_CENTER,
    UnitKind.BRIGADE,
    UnitKind.STATION,
    UnitKind.JOINT_STATION,
)


def unit_choices() -> list[tuple[int, str]]:
    units = Unit.objects.filter(is_active=True, kind__in=UNIT_KINDS).order_by("sort_order", "path")
    return [(u.pk, u.name) for u in units]


def officer_choices() -> list[tuple[int, str]]:
    users = (
        User.objects.filter(is_active=True, roles__code__in=POLICE_ROLES)
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "username")
    )
    return [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in users]


class CourseForm(forms.Form):
    title = forms.CharField(label="课程名称", max_length=100)
    kind = forms.ChoiceField(label="类别")
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE, required=False)
    due_on = forms.DateField(label="应完成日期", widget=DATE, required=False)
    location = forms.CharField(label="地点", max_length=100, required=False)
    pass_score = forms.DecimalField(
        label="合格分数（不填：只记出勤）", required=False, min_value=0, max_value=100
    )
    unit_ids = forms.TypedMultipleChoiceField(label="参训单位（不选：全局）", coerce=int, required=False)
    roles = forms.MultipleChoiceField(label="参训岗位（不选：全体民警）", required=False)
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k.code, f"{k.category_name}·{k.name}") for k in course_kinds().values()
        ]
        self.fields["unit_ids"].choices = unit_choices()
        self.fields["roles"].choices = [(r.value, r.label) for r in Role if r.value in POLICE_ROLES]


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(label="参训情况", choices=AttendanceStatus.choices)
    score = forms.DecimalField(label="成绩", required=False, min_value=0, max_value=100)
    note = forms.CharField(label="备注", max_length=200, required=False)


class HonourForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=HonourKind.choices)
    title = forms.CharField(label="荣誉名称", max_length=100)
    level = forms.ChoiceField(label="层级", choices=HonourLevel.choices)
    awarded_on = forms.DateField(label="授予日期", widget=DATE)
    date_is_illustrative = forms.BooleanField(label="日期为示意（待核对）", required=False)
    awarding_body = forms.CharField(label="授予机关", max_length=100)
    officer_id = forms.TypedChoiceField(
        label="民警（个人荣誉）", coerce=int, required=False, empty_value=None
    )
    unit_id = forms.TypedChoiceField(label="单位（集体荣誉）", coerce=int, required=False, empty_value=None)
    citation = forms.CharField(label="事迹/评语", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer_id"].choices = [("", "—"), *officer_choices()]
        self.fields["unit_id"].choices = [("", "—"), *unit_choices()]


class BrandForm(forms.Form):
    name = forms.CharField(label="品牌名称", max_length=40)
    motto = forms.CharField(label="品牌理念", max_length=100, required=False)
    text = forms.CharField(label="品牌介绍", widget=forms.Textarea(attrs={"rows": 6}))


class PhotoForm(forms.Form):
    photo = forms.FileField(label="照片（JPEG、PNG、WebP，10 MB以内）")
    caption = forms.CharField(label="说明", max_length=100, required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=100)
    held_on = forms.DateField(label="活动日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=100, required=False)
    summary = forms.CharField(label="活动情况", widget=forms.Textarea(attrs={"rows": 3}))
