from __future__ import annotations

from functools import cache

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Priority, Source, Status
from jingwu.incidents.taxonomy import taxonomy


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Category and sub-type in one select, grouped by category ("criminal:theft")."""
    return [
        (c.name, [(f"{c.code}:{code}", name) for code, name in c.subtypes.items()])
        for c in taxonomy().categories.values()
    ]


@cache
def village_labels() -> dict[str, str]:
    """'桃溪镇·亭头村委会' → 12-digit code, for the type-ahead list."""
    villages = Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent")
    return {f"{v.parent.name}·{v.name}": v.code for v in villages}


class IntakeForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("接警时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    source = forms.ChoiceField(label=_("报警方式"), choices=Source.choices, initial=Source.PHONE_110)
    caller_name = forms.CharField(
        label=_("报警人"), max_length=40, required=False, widget=forms.TextInput(attrs={"autofocus": True})
    )
    caller_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    caller_id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False)
    village = forms.CharField(
        label=_("村（社区）"),
        widget=forms.TextInput(
            attrs={"list": "village-list", "autocomplete": "off", "placeholder": _("输入村名，如 亭头")}
        ),
    )
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("警情类别"))
    priority = forms.TypedChoiceField(
        label=_("等级"),
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    narrative = forms.CharField(label=_("简要警情"), widget=forms.Textarea(attrs={"rows": 4}))
    link_to = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *kind_choices()]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def service_arguments(self) -> dict[str, object]:
        """The cleaned input as the keyword arguments of services.incident_create."""
        data = self.cleaned_data
        category, _, subcategory = data["kind"].partition(":")
        names = (
            "received_at",
            "source",
            "caller_name",
            "caller_phone",
            "caller_id_number",
            "address",
            "priority",
            "narrative",
            "link_to",
        )
        return {
            **{n: data[n] for n in names},
            "village_code": data["village"],
            "category": category,
            "subcategory": subcategory,
        }

    def clean_village(self) -> str:
        label = self.cleaned_data["village"].strip()
        code = village_labels().get(label) or (label if label in village_labels().values() else None)
        if code is None:
            raise forms.ValidationError(_("请从列表中选择武平县的村（社区）"))
        return code


class StepForm(forms.Form):
    at = forms.DateTimeField(
        label=_("时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(StepForm):
    officers = forms.MultipleChoiceField(label=_("处警民警"), widget=forms.CheckboxSelectMultiple)


class DispositionForm(StepForm):
    disposition = forms.ChoiceField(label=_("处置结果"), choices=Disposition.choices)


class RerouteForm(StepForm):
    to_unit = forms.TypedChoiceField(label=_("改派至"), coerce=int)


class IncidentFilterForm(forms.Form):
    text = forms.CharField(label=_("关键词"), required=False)
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("类别"), required=False)
    priority = forms.TypedChoiceField(
        label=_("等级"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("全部等级")), *Priority.choices],
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, units: list[tuple[int, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部单位")), *units]
        self.fields["category"].choices = [("", _("全部类别"))] + [
            (c.code, c.name) for c in taxonomy().categories.values()
        ]
