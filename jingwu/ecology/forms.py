"""The forms of the ecology and campaign pages: they only shape input; the services decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from jingwu.cases.offences import offence_choices
from jingwu.ecology.choices import ChiefLevel, TransferDecision
from jingwu.ecology.rules import finding_kinds
from jingwu.ecology.services import FindingInput
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.taxonomy import taxonomy

FINDING_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def township_choices() -> list[tuple[int, str]]:
    return list(Division.objects.filter(level=DivisionLevel.TOWNSHIP).values_list("pk", "name"))


def village_choices(township_id: int | None = None) -> list[tuple[Any, Any]]:
    """Villages grouped by township (one township's when given)."""
    villages = Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent").order_by("code")
    if township_id:
        villages = villages.filter(parent_id=township_id)
    groups: dict[str, list[tuple[int, str]]] = {}
    for village in villages:
        groups.setdefault(village.parent.name, []).append((village.pk, village.name))
    return list(groups.items())


class ZoneForm(forms.Form):
    code = forms.CharField(label="林区编号", max_length=20)
    name = forms.CharField(label="林区名称", max_length=60)
    township = forms.TypedChoiceField(label="所在乡镇", coerce=int)
    villages = forms.TypedMultipleChoiceField(label="涉及村（社区）", coerce=int)
    area_mu = forms.DecimalField(label="面积（亩）", required=False, min_value=0, decimal_places=1)
    patrol_every_days = forms.IntegerField(label="巡护周期（天）", min_value=1, max_value=90, initial=7)
    description = forms.CharField(label="林区概况", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "请选择"), *township_choices()]
        self.fields["villages"].choices = village_choices()
        self.fields["villages"].widget.attrs["size"] = 10


class ChiefForm(forms.Form):
    level = forms.ChoiceField(label="层级", choices=ChiefLevel.choices)
    user = forms.TypedChoiceField(label="森林警长", coerce=int)
    started_on = forms.DateField(label="任职日期", required=False, widget=DATE)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "请选择"), *candidates]


class FrequencyForm(forms.Form):
    patrol_every_days = forms.IntegerField(label="巡护周期（天）", min_value=1, max_value=90)


def parse_points(text: str) -> list[list[str]]:
    """“纬度,经度” one per line (or separated by “;”) → [[lat, lng], …]; the service checks the numbers."""
    points = []
    for part in text.replace(";", "\n").replace("；", "\n").splitlines():
        part = part.strip().replace("，", ",")
        if part:
            points.append([p.strip() for p in part.split(",", 1)] if "," in part else [part, ""])
    return points


class PatrolForm(forms.Form):
    started_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ended_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    officers = forms.TypedMultipleChoiceField(
        label="巡护人员", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    route_text = forms.CharField(label="巡护路线", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    route_points = forms.CharField(
        label="轨迹点（每行“纬度,经度”）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(label="巡护情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        officers: list[tuple[int, str]],
        villages: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officers"].choices = officers
        kinds = [("", "—"), *((k.code, k.name) for k in finding_kinds().values())]
        for i in range(FINDING_ROWS):
            self.fields[f"finding_{i}_kind"] = forms.ChoiceField(
                label="发现类别", choices=kinds, required=False
            )
            self.fields[f"finding_{i}_village"] = forms.TypedChoiceField(
                label="地点", choices=[("", "—"), *villages], coerce=int, required=False, empty_value=None
            )
            self.fields[f"finding_{i}_description"] = forms.CharField(
                label="情况描述", required=False, max_length=1000
            )

    def finding_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"finding_{i}_kind"], self[f"finding_{i}_village"], self[f"finding_{i}_description"])
            for i in range(FINDING_ROWS)
        ]

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        findings = [
            FindingInput(
                data[f"finding_{i}_kind"], data[f"finding_{i}_description"], data[f"finding_{i}_village"]
            )
            for i in range(FINDING_ROWS)
            if data[f"finding_{i}_kind"] or data[f"finding_{i}_description"]
        ]
        return {
            "started_at": aware(data["started_at"]),
            "ended_at": aware(data["ended_at"]),
            "officer_ids": data["officers"],
            "route_text": data["route_text"],
            "route_points": parse_points(data["route_points"]),
            "summary": data["summary"],
            "findings": findings,
        }


class FindingIncidentForm(forms.Form):
    village = forms.TypedChoiceField(label="发现地点", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "按记录"), *villages]


class TransferForm(forms.Form):
    agency = forms.TypedChoiceField(label="移送机关", coerce=int)
    letter_number = forms.CharField(label="移送书文号", max_length=60)
    received_at = forms.DateTimeField(
        label="接受移送时间", widget=DATETIME, input_formats=DATETIME_FORMATS, required=False
    )
    township = forms.TypedChoiceField(label="案发乡镇", coerce=int)
    place = forms.CharField(label="案发地点", max_length=120, required=False)
    offence_code = forms.ChoiceField(label="涉嫌罪名")
    facts = forms.CharField(label="涉嫌犯罪事实", widget=forms.Textarea(attrs={"rows": 4}))
    materials = forms.CharField(label="移送材料", widget=forms.Textarea(attrs={"rows": 2}))
    materials_complete = forms.BooleanField(label="材料齐全", required=False, initial=True)
    standing_volume_m3 = forms.DecimalField(label="立木蓄积（立方米）", required=False, decimal_places=3)
    saplings = forms.IntegerField(label="幼树（株）", required=False)
    value_cny = forms.DecimalField(label="林木价值（元）", required=False, decimal_places=2)
    public_welfare_forest_mu = forms.DecimalField(label="公益林地（亩）", required=False, decimal_places=2)
    commercial_forest_mu = forms.DecimalField(label="商品林地（亩）", required=False, decimal_places=2)
    prior_admin_penalties = forms.IntegerField(
        label="二年内因非法占用农用地受行政处罚（次）", initial=0, min_value=0
    )

    # The charges of forest and wildlife crimes come first in the list.
    FOREST_FIRST = ("林木", "农用地", "野生动物", "植物", "失火", "放火")

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = agencies
        self.fields["township"].choices = [("", "请选择"), *township_choices()]
        charges = offence_choices("criminal")
        first = [c for c in charges if any(w in c[1] for w in self.FOREST_FIRST)]
        self.fields["offence_code"].choices = [
            ("", "请选择"),
            ("森林资源、野生动植物", first),
            ("其他罪名", [c for c in charges if c not in first]),
        ]

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "agency_id": data["agency"],
            "letter_number": data["letter_number"],
            "received_at": aware(data["received_at"]),
            "township_id": data["township"],
            "place": data["place"],
            "offence_code": data["offence_code"],
            "facts": data["facts"],
            "materials": data["materials"],
            "materials_complete": data["materials_complete"],
            "prior_admin_penalties": data["prior_admin_penalties"] or 0,
            "quantities": {
                name: data[name]
                for name in (
                    "standing_volume_m3",
                    "saplings",
                    "value_cny",
                    "public_welfare_forest_mu",
                    "commercial_forest_mu",
                )
            },
        }


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="审查决定", choices=TransferDecision.choices, widget=forms.RadioSelect)
    lead_officer = forms.TypedChoiceField(
        label="主办民警（立案时）", coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, officers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].choices = [("", "请选择"), *officers]


class NoticeForm(forms.Form):
    notice_number = forms.CharField(label="通知书文号", max_length=60)
    issued_on = forms.DateField(label="通知书日期", widget=DATE)
    served_at = forms.DateTimeField(
        label="送达时间", widget=DATETIME, input_formats=DATETIME_FORMATS, required=False
    )
    received_by = forms.CharField(label="签收人", max_length=40, required=False)


class CampaignForm(forms.Form):
    name = forms.CharField(label="行动名称", max_length=60)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    offence_codes = forms.MultipleChoiceField(label="目标案由", required=False)
    incident_kinds = forms.MultipleChoiceField(label="目标警情类别", required=False)
    townships = forms.TypedMultipleChoiceField(
        label="行动范围（不选为全县）", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label="行动内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offence_codes"].choices = [
            ("刑事罪名", offence_choices("criminal")),
            ("行政违法行为", offence_choices("administrative")),
        ]
        self.fields["offence_codes"].widget.attrs["size"] = 10
        kinds: list[tuple[str, str]] = []
        for category in taxonomy().categories.values():
            kinds.append((category.code, f"{category.name}（全部）"))
            kinds += [
                (f"{category.code}/{code}", f"{category.name}·{name}")
                for code, name in category.subtypes.items()
            ]
        self.fields["incident_kinds"].choices = kinds
        self.fields["incident_kinds"].widget.attrs["size"] = 10
        self.fields["townships"].choices = township_choices()
