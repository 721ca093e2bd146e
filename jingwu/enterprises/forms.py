"""The forms of the enterprise pages: they only shape input; the services decide (and say why, in
Chinese), so most fields are optional here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from jingwu.enterprises.choices import AckMethod, DeliveryChannel, EnterpriseStatus
from jingwu.enterprises.config import config
from jingwu.enterprises.services import EnterpriseInput, Targeting

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
Choices = list[tuple[Any, Any]]


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _pk(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class FilterForm(forms.Form):
    text = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码、地址"})
    )
    industry = forms.ChoiceField(required=False)
    park = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    township = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(required=False, choices=[("", "全部状态"), *EnterpriseStatus.choices])
    mine = forms.BooleanField(required=False, label="我联系的企业")

    def __init__(self, *args: Any, parks: Choices, townships: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", "全部行业"), *config().industries.items()]
        self.fields["park"].choices = [("", "全部园区"), *parks]
        self.fields["township"].choices = [("", "全部乡镇"), *townships]


class EnterpriseForm(forms.Form):
    name = forms.CharField(label="企业名称", max_length=100, required=False)
    uscc = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    industry = forms.ChoiceField(label="行业", required=False)
    village = forms.TypedChoiceField(label="所在村（社区）", coerce=int, empty_value=None, required=False)
    address = forms.CharField(label="详细地址", max_length=200, required=False)
    park = forms.TypedChoiceField(label="所在园区", coerce=int, empty_value=None, required=False)
    contact_name = forms.CharField(label="企业联系人", max_length=40, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    contact_email = forms.CharField(label="电子邮箱", max_length=254, required=False)
    liaison = forms.TypedChoiceField(label="警企联系民警", coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(label="经营状态", choices=EnterpriseStatus.choices, required=False)
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, villages: Choices, parks: Choices, officers: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", "请选择"), *config().industries.items()]
        self.fields["village"].choices = [("", "请选择"), *villages]
        self.fields["park"].choices = [("", "不在园区"), *parks]
        self.fields["liaison"].choices = [("", "暂未指定"), *officers]

    def service_input(self) -> EnterpriseInput:
        d = self.cleaned_data
        return EnterpriseInput(
            name=d["name"],
            uscc=d["uscc"],
            industry=d["industry"],
            village_id=d["village"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            contact_email=d["contact_email"],
            address=d["address"],
            park_id=d["park"],
            liaison_id=d["liaison"],
            status=d["status"] or EnterpriseStatus.ACTIVE,
            notes=d["notes"],
        )


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="走访日期", widget=DATE, required=False)
    officer = forms.TypedChoiceField(label="走访民警", coerce=int, empty_value=None, required=False)
    topics = forms.CharField(label="交流内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    checks = forms.MultipleChoiceField(
        label="安全检查项目", widget=forms.CheckboxSelectMultiple, required=False
    )
    findings = forms.CharField(
        label="检查发现及整改要求", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, officers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [("", "本人"), *officers]
        self.fields["checks"].choices = list(config().security_checks.items())

    def service_arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "visited_on": d["visited_on"],
            "officer_id": d["officer"],
            "topics": d["topics"],
            "checks": d["checks"],
            "findings": d["findings"],
        }


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label="诉求类别", required=False)
    raised_on = forms.DateField(label="提出日期", widget=DATE, required=False)
    summary = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *config().request_kinds.items()]


class HandleForm(forms.Form):
    handling_note = forms.CharField(
        label="办理情况", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    handled_on = forms.DateField(label="办结日期", widget=DATE, required=False)


class LinkForm(forms.Form):
    number = forms.CharField(label="警情编号", max_length=24, required=False)
    note = forms.CharField(label="关联说明", max_length=200, required=False)


class ParkForm(forms.Form):
    name = forms.CharField(label="园区名称", max_length=64, required=False)
    township = forms.TypedChoiceField(label="所在乡镇（街道）", coerce=int, empty_value=None, required=False)
    description = forms.CharField(label="简介", max_length=300, required=False)

    def __init__(self, *args: Any, townships: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "请选择"), *townships]


class BulletinForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100, required=False)
    kind = forms.ChoiceField(label="类别", required=False)
    channel = forms.ChoiceField(
        label="推送渠道", choices=DeliveryChannel.choices, initial=DeliveryChannel.SMS, required=False
    )
    body = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    parks = forms.TypedMultipleChoiceField(
        label="园区", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    industries = forms.MultipleChoiceField(label="行业", widget=forms.CheckboxSelectMultiple, required=False)
    townships = forms.TypedMultipleChoiceField(
        label="乡镇（街道）", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, parks: Choices, townships: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *config().bulletin_kinds.items()]
        self.fields["parks"].choices = parks
        self.fields["industries"].choices = list(config().industries.items())
        self.fields["townships"].choices = townships

    def targeting(self) -> Targeting:
        d = self.cleaned_data
        return Targeting(
            park_ids=tuple(d.get("parks") or ()),
            industries=tuple(d.get("industries") or ()),
            township_ids=tuple(d.get("townships") or ()),
        )


class AckForm(forms.Form):
    method = forms.ChoiceField(label="签收方式", choices=[("", "请选择"), *AckMethod.choices], required=False)
    at = forms.DateTimeField(label="签收时间", widget=DATETIME, required=False)
    note = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "签收说明"}),
    )

    def service_arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"method": d["method"], "at": _aware(d["at"]), "note": d["note"]}
