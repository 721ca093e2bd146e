"""The forms of the dispute pages: they only shape input; the services decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from jingwu.mediation.choices import (
    ConfirmationResult,
    DisputeSource,
    FollowOn,
    PartyRole,
    RiskLevel,
    Route,
    SessionResult,
)
from jingwu.mediation.rules import dispute_types, rules
from jingwu.mediation.services import PartyInput, TermInput

PARTY_ROWS = 4
TERM_ROWS = 5
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


class DisputeForm(forms.Form):
    source = forms.ChoiceField(label="纠纷来源", choices=DisputeSource.choices)
    kind = forms.ChoiceField(label="纠纷类型")
    village = forms.TypedChoiceField(label="发生地（村/社区）", coerce=int)
    address = forms.CharField(label="详细地点", max_length=200, required=False)
    relationship = forms.CharField(label="当事人关系", max_length=40, required=False)
    description = forms.CharField(label="纠纷简要情况", widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label="涉及金额（元）", required=False, min_value=0, decimal_places=2)
    risk_level = forms.ChoiceField(
        label="风险等级", choices=[("", "按系统建议"), *RiskLevel.choices], required=False
    )
    incident = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, villages: list[tuple[str, list[tuple[int, str]]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(t.code, t.name) for t in dispute_types().values()]
        self.fields["village"].choices = [("", "请选择"), *villages]
        for i in range(PARTY_ROWS):
            self.fields[f"party_{i}_role"] = forms.ChoiceField(
                label="身份",
                choices=PartyRole.choices,
                initial=(PartyRole.APPLICANT, PartyRole.RESPONDENT)[i] if i < 2 else PartyRole.PARTY,
            )
            self.fields[f"party_{i}_name"] = forms.CharField(label="姓名", max_length=40, required=i < 2)
            self.fields[f"party_{i}_id_number"] = forms.CharField(
                label="身份证号", max_length=18, required=False
            )
            self.fields[f"party_{i}_phone"] = forms.CharField(label="电话", max_length=20, required=False)

    def party_rows(self) -> list[dict[str, Any]]:
        return [
            {key: self[f"party_{i}_{key}"] for key in ("role", "name", "id_number", "phone")}
            for i in range(PARTY_ROWS)
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        parties = [
            PartyInput(
                role=data[f"party_{i}_role"],
                name=data[f"party_{i}_name"],
                id_number=data[f"party_{i}_id_number"],
                phone=data[f"party_{i}_phone"],
            )
            for i in range(PARTY_ROWS)
            if data.get(f"party_{i}_name")
        ]
        return {
            "source": data["source"],
            "kind": data["kind"],
            "village_id": data["village"],
            "address": data["address"],
            "relationship": data["relationship"],
            "description": data["description"],
            "amount": data["amount"],
            "risk_level": data["risk_level"],
            "incident_id": data.get("incident"),
            "parties": parties,
        }


class RiskForm(forms.Form):
    level = forms.ChoiceField(label="风险等级", choices=RiskLevel.choices)
    reason = forms.CharField(label="研判理由", max_length=200, required=False)


class RouteForm(forms.Form):
    route = forms.ChoiceField(label="化解途径", choices=Route.choices, widget=forms.RadioSelect)
    mediator = forms.TypedChoiceField(label="人民调解员", coerce=int, required=False, empty_value=None)
    body = forms.ChoiceField(label="移交机关", required=False)
    case = forms.IntegerField(label="关联行政案件编号（内部号）", required=False, min_value=1)
    exclusions = forms.MultipleChoiceField(
        label="不适用调解的情形（如有）", required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, mediators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mediator"].choices = [("", "请选择"), *mediators]
        self.fields["body"].choices = [("", "请选择"), *rules().bodies.items()]
        self.fields["exclusions"].choices = list(rules().police.exclusions.items())

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "route": data["route"],
            "mediator_id": data["mediator"],
            "body": data["body"],
            "case_id": data["case"],
            "exclusions": data["exclusions"],
            "note": data["note"],
        }


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label="调解时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label="调解地点", max_length=100)
    participants = forms.CharField(label="参加人员", max_length=300)
    summary = forms.CharField(label="调解情况", widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.ChoiceField(label="结果", choices=SessionResult.choices)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["held_at"] = _aware(data["held_at"])
        return data


class AgreementForm(forms.Form):
    concluded_on = forms.DateField(label="协议生效日期", widget=DATE)
    facts = forms.CharField(
        label="纠纷事实（默认为登记的简要情况）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(TERM_ROWS):
            self.fields[f"term_{i}_text"] = forms.CharField(label="条款内容", max_length=300, required=i == 0)
            self.fields[f"term_{i}_amount"] = forms.DecimalField(
                label="金额（元）", required=False, min_value=0, decimal_places=2
            )
            self.fields[f"term_{i}_due_on"] = forms.DateField(label="履行期限", required=False, widget=DATE)

    def term_rows(self) -> list[dict[str, Any]]:
        return [
            {key: self[f"term_{i}_{key}"] for key in ("text", "amount", "due_on")} for i in range(TERM_ROWS)
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        terms = [
            TermInput(data[f"term_{i}_text"], data[f"term_{i}_amount"], data[f"term_{i}_due_on"])
            for i in range(TERM_ROWS)
            if data.get(f"term_{i}_text")
        ]
        return {"concluded_on": data["concluded_on"], "facts": data["facts"], "terms": terms}


class FailForm(forms.Form):
    reason = forms.CharField(label="调解不成的原因", widget=forms.Textarea(attrs={"rows": 2}))
    follow_on = forms.ChoiceField(label="后续处理", choices=FollowOn.choices)
    follow_on_case = forms.IntegerField(label="后续行政案件（内部号，可选）", required=False, min_value=1)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "follow_on": data["follow_on"],
            "follow_on_case_id": data["follow_on_case"],
        }


class CloseForm(forms.Form):
    note = forms.CharField(label="结案说明", max_length=200, required=False)


class FollowUpForm(forms.Form):
    performed = forms.TypedChoiceField(
        label="履行情况",
        choices=[("1", "已履行"), ("0", "未履行")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    visited_on = forms.DateField(label="回访日期", widget=DATE, required=False)
    note = forms.CharField(label="回访情况", max_length=300, required=False)


class ConfirmationApplyForm(forms.Form):
    applied_on = forms.DateField(label="申请日期", widget=DATE)
    court = forms.CharField(label="受理法院", max_length=60, required=False)


class ConfirmationDecideForm(forms.Form):
    result = forms.ChoiceField(
        label="裁定结果",
        choices=[c for c in ConfirmationResult.choices if c[0] != ConfirmationResult.PENDING],
    )
    decided_on = forms.DateField(label="裁定日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=300, required=False)


class BoardForm(forms.Form):
    start = forms.DateField(label="起始日期", widget=DATE, required=False)
    end = forms.DateField(label="截止日期", widget=DATE, required=False)
    by = forms.ChoiceField(
        label="统计口径",
        choices=[("station", "按派出所"), ("township", "按乡镇"), ("bureau", "全局")],
        required=False,
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False)
    risk = forms.ChoiceField(label="风险", choices=[("", "全部"), *RiskLevel.choices], required=False)
    kind = forms.ChoiceField(label="类型", required=False)
    text = forms.CharField(label="关键字", max_length=40, required=False)

    def __init__(self, *args: Any, states: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *states.items()]
        self.fields["kind"].choices = [("", "全部"), *((t.code, t.name) for t in dispute_types().values())]
