"""Forms of the property pages (涉案财物): each maps its cleaned input onto one service call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.cases.models import Case
from jingwu.property.choices import (
    DISPOSAL_KINDS,
    INTO_ROOM_KINDS,
    OUT_KINDS,
    CustodyKind,
    ItemState,
    PropertyCategory,
    SeizureKind,
)
from jingwu.property.models import PropertyLocation

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _locations() -> list[tuple[Any, Any]]:
    return [("", _("—— 请选择保管位置 ——"))] + [
        (loc.pk, str(loc)) for loc in PropertyLocation.objects.filter(is_active=True).order_by("code")
    ]


class ItemFilterForm(forms.Form):
    case = forms.CharField(
        label=_("案件"), required=False, widget=forms.TextInput(attrs={"placeholder": _("案件编号或名称")})
    )
    text = forms.CharField(
        label=_("关键词"), required=False, widget=forms.TextInput(attrs={"placeholder": _("财物编号、名称")})
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *ItemState.choices]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *PropertyCategory.choices]
    )
    location = forms.TypedChoiceField(label=_("位置"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", _("全部位置"))] + [
            (loc.pk, loc.code) for loc in PropertyLocation.objects.order_by("code")
        ]


class RegisterForm(forms.Form):
    """登记涉案财物."""

    case = forms.TypedChoiceField(label=_("案件"), coerce=int, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("名称及特征"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：蓝色雅迪电动车一辆，车架号……")}),
    )
    category = forms.ChoiceField(label=_("类别"), choices=PropertyCategory.choices)
    quantity = forms.DecimalField(label=_("数量"), max_digits=12, decimal_places=3, min_value=0)
    measure_unit = forms.CharField(label=_("计量单位"), max_length=10, initial="件")
    estimated_value = forms.DecimalField(
        label=_("估计价值（元）"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    seizure_kind = forms.ChoiceField(label=_("措施"), choices=SeizureKind.choices, initial=SeizureKind.SEIZED)
    seizure_document = forms.CharField(
        label=_("扣押（查封、冻结）文书文号"),
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": _("如：武公（刑）扣字〔2026〕15号")}),
    )
    seized_at = forms.DateTimeField(label=_("扣押时间"), widget=DATETIME, required=False)
    seized_place = forms.CharField(label=_("扣押地点"), max_length=100, required=False)
    holder = forms.TypedChoiceField(label=_("被扣押人/持有人"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(case.pk, case.number)]
        self.fields["case"].initial = case.pk
        self.fields["holder"].choices = [("", _("—— 无（现场提取）——"))] + [
            (party.pk, f"{party.person.name}（{party.get_role_display()}）")
            for party in case.parties.select_related("person")
        ]


class MoveForm(forms.Form):
    """One movement of the chain (流转): the fields it needs depend on its kind."""

    at = forms.DateTimeField(label=_("时间"), widget=DATETIME, required=False)
    handed_over_by = forms.CharField(label=_("移交人"), max_length=60)
    received_by = forms.CharField(label=_("接收人"), max_length=60)
    location = forms.TypedChoiceField(label=_("保管位置"), coerce=int, required=False, empty_value=None)
    destination = forms.CharField(label=_("去向（接收单位）"), max_length=100, required=False)
    document_number = forms.CharField(label=_("决定文书文号"), max_length=80, required=False)
    reason = forms.CharField(label=_("事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind in INTO_ROOM_KINDS:
            self.fields["location"].choices = _locations()
            self.fields["location"].required = True
        else:
            del self.fields["location"]
        if kind not in (*OUT_KINDS, CustodyKind.TRANSFER):
            del self.fields["destination"]
        if kind in DISPOSAL_KINDS:
            self.fields["document_number"].required = True
            self.fields["document_number"].help_text = _("发还、没收、销毁、移交须有决定文书")
        elif kind not in OUT_KINDS:
            del self.fields["document_number"]


class PhotoForm(forms.Form):
    photo = forms.ImageField(label=_("照片"))


class LocationForm(forms.Form):
    room = forms.CharField(label=_("库房"), max_length=10, widget=forms.TextInput(attrs={"placeholder": "A"}))
    shelf = forms.CharField(label=_("货架"), max_length=10, required=False)
    box = forms.CharField(label=_("箱/格"), max_length=10, required=False)
    description = forms.CharField(label=_("说明"), max_length=100, required=False)


class InventoryForm(forms.Form):
    found = forms.CharField(
        label=_("清点到的财物编号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("扫码或逐行录入，如 WP-2026-000123")}),
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def codes(self) -> list[str]:
        return [c for c in self.cleaned_data.get("found", "").replace(",", "\n").split() if c]
