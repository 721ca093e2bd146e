"""The forms of the community pages: plain Django forms whose cleaned data go to jingwu.community.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from jingwu.community.choices import AssignmentKind, HazardCategory, ReportCategory, Verdict
from jingwu.community.sixno import criteria
from jingwu.incidents.choices import Priority
from jingwu.incidents.taxonomy import taxonomy
from jingwu.mediation.choices import PartyRole
from jingwu.mediation.rules import dispute_types
from jingwu.mediation.services import PartyInput

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PARTY_ROWS = 3


def subcategory_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Incident sub-categories grouped by category, values "category/subcategory"."""
    return [
        (c.name, [(f"{c.code}/{code}", name) for code, name in c.subtypes.items()])
        for c in taxonomy().categories.values()
    ]


class AssignForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=AssignmentKind.choices)
    user = forms.ChoiceField(label="人员")
    starts_on = forms.DateField(label="起始日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "请选择"), *users]
        self.fields["starts_on"].initial = timezone.localdate()


class EndForm(forms.Form):
    ends_on = forms.DateField(label="终止日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class PatrolForm(forms.Form):
    place = forms.CharField(label="巡逻路线/地点", max_length=200)
    summary = forms.CharField(label="巡逻情况", widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(label="时间", widget=DATETIME, required=False)


class VisitForm(forms.Form):
    household = forms.CharField(label="走访对象（户主）", max_length=60)
    place = forms.CharField(label="地址", max_length=200)
    summary = forms.CharField(label="走访情况", widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(label="时间", widget=DATETIME, required=False)


class HazardForm(forms.Form):
    category = forms.ChoiceField(label="隐患类别", choices=[("", "请选择"), *HazardCategory.choices])
    place = forms.CharField(label="位置", max_length=200)
    description = forms.CharField(label="隐患情况", widget=forms.Textarea(attrs={"rows": 3}))
    found_at = forms.DateTimeField(label="发现时间", widget=DATETIME, required=False)


class ReportForm(forms.Form):
    category = forms.ChoiceField(label="信息类别", choices=[("", "请选择"), *ReportCategory.choices])
    title = forms.CharField(label="标题", max_length=80)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))


class LogForm(forms.Form):
    content = forms.CharField(label="今日工作", widget=forms.Textarea(attrs={"rows": 4}))


class FixForm(forms.Form):
    fixed_on = forms.DateField(label="整改日期", widget=DATE, required=False)
    note = forms.CharField(label="整改情况", max_length=1000)


class ToIncidentForm(forms.Form):
    kind = forms.ChoiceField(label="警情类别")
    priority = forms.TypedChoiceField(
        label="等级", choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *subcategory_choices()]

    def service_arguments(self) -> dict[str, Any]:
        category, _, subcategory = self.cleaned_data["kind"].partition("/")
        return {"category": category, "subcategory": subcategory, "priority": self.cleaned_data["priority"]}


class ToDisputeForm(forms.Form):
    """A dispute from a report or a concern: its kind and the parties (name and phone)."""

    kind = forms.ChoiceField(label="纠纷类型")
    relationship = forms.CharField(label="当事人关系", max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择")] + [(t.code, t.name) for t in dispute_types().values()]
        for index in range(PARTY_ROWS):
            self.fields[f"party_{index}_name"] = forms.CharField(
                label="当事人姓名", max_length=40, required=False
            )
            self.fields[f"party_{index}_phone"] = forms.CharField(label="电话", max_length=20, required=False)

    def party_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"party_{i}_name"], self[f"party_{i}_phone"]) for i in range(PARTY_ROWS)]

    def parties(self) -> list[PartyInput]:
        found = []
        for index in range(PARTY_ROWS):
            name = self.cleaned_data.get(f"party_{index}_name", "").strip()
            if name:
                role = PartyRole.APPLICANT if not found else PartyRole.RESPONDENT
                found.append(
                    PartyInput(role=role, name=name, phone=self.cleaned_data.get(f"party_{index}_phone", ""))
                )
        return found


class DecideForm(forms.Form):
    adopted = forms.TypedChoiceField(
        label="处理结果", choices=[("1", "采用（已移交处理）"), ("0", "不予采用")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="处理意见", max_length=1000)


class AdjustForm(forms.Form):
    points = forms.DecimalField(label="调整分值", max_digits=5, decimal_places=1)
    reason = forms.CharField(label="理由", max_length=300)


class SixNoForm(forms.Form):
    """A verdict and a justification per criterion of data/sixno.yaml."""

    conclude = forms.BooleanField(label="提交评定（评定后不可修改）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in criteria().items:
            self.fields[f"{item.key}_verdict"] = forms.ChoiceField(
                label=item.title_zh, choices=[("", "未评定"), *Verdict.choices], required=False
            )
            self.fields[f"{item.key}_justification"] = forms.CharField(
                label="说明理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )


class MeetingForm(forms.Form):
    village = forms.TypedChoiceField(label="村（社区）", coerce=int)
    held_on = forms.DateField(label="日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=100)
    attendees = forms.CharField(label="参加人员", max_length=300)
    attendee_count = forms.IntegerField(label="参加人数", min_value=0, required=False)
    summary = forms.CharField(label="会议情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    concerns = forms.CharField(
        label="群众反映的问题（每行一条，可写“反映人：问题”）", widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, villages: list[tuple[str, list[tuple[int, str]]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "请选择"), *villages]


class TaskForm(forms.Form):
    title = forms.CharField(label="任务", max_length=120)
    owner = forms.TypedChoiceField(label="责任人", coerce=int)
    due_on = forms.DateField(label="完成期限", widget=DATE)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "请选择"), *owners]


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复情况", max_length=1000)


class CompleteForm(forms.Form):
    note = forms.CharField(label="办理情况", max_length=1000)
