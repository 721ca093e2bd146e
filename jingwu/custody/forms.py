"""Forms of the center's pages (执法办案管理中心): each maps its cleaned input onto one service call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.custody.choices import ExitDestination, LogKind, SessionKind
from jingwu.custody.config import custody_config

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DATETIME)


def _officer_choices(officers: Any) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in officers]


class RegisterForm(forms.Form):
    """入区登记 (the case, party and measure are picked before: `measure` in the query string)."""

    basis_document = forms.CharField(
        label=_("法律文书文号"),
        max_length=80,
        required=False,  # the service refuses an empty one with its own message
        widget=forms.TextInput(attrs={"placeholder": _("如：武公（桃）传字〔2026〕18号")}),
    )
    entered_at = _when(_("入区时间（默认当前）"))
    brought_by = forms.TypedMultipleChoiceField(
        label=_("带入民警"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(label=_("入区说明"), max_length=300, required=False)

    def __init__(self, *args: Any, officers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brought_by"].choices = _officer_choices(officers)


class LogForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项"), choices=LogKind.choices)
    at = _when(_("时间（默认当前）"))
    text = forms.CharField(label=_("情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=SessionKind.choices)
    room = forms.ChoiceField(label=_("讯询问室"))
    started_at = _when(_("开始时间"), required=True)
    ended_at = _when(_("结束时间（进行中可不填）"))
    officers = forms.TypedMultipleChoiceField(
        label=_("讯问/询问民警（不少于二人）"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, officers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = list(custody_config().rooms.items())
        self.fields["officers"].choices = _officer_choices(officers)


class SessionEndForm(forms.Form):
    ended_at = _when(_("结束时间（默认当前）"))


class BelongingForm(forms.Form):
    name = forms.CharField(label=_("物品名称"), max_length=60)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)
    description = forms.CharField(label=_("特征描述"), max_length=300, required=False)
    photo = forms.FileField(label=_("照片（JPEG/PNG/WebP）"), required=False)


class ReturnForm(forms.Form):
    belongings = forms.TypedMultipleChoiceField(
        label=_("返还物品"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    received_by = forms.CharField(label=_("领取人"), max_length=40, required=False)
    signature_confirmed = forms.BooleanField(label=_("领取人已签字确认"), required=False)

    def __init__(self, *args: Any, outstanding: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["belongings"].choices = [(b.pk, f"{b.name} ×{b.quantity}") for b in outstanding]


class ExitForm(forms.Form):
    destination = forms.ChoiceField(label=_("出区去向"), choices=ExitDestination.choices)
    exited_at = _when(_("出区时间（默认当前）"))
    note = forms.CharField(label=_("出区说明"), max_length=300, required=False)
    return_all = forms.BooleanField(label=_("随身物品全部返还"), required=False)
    received_by = forms.CharField(label=_("领取人"), max_length=40, required=False)
    signature_confirmed = forms.BooleanField(label=_("领取人已签字确认"), required=False)
    unreturned_reason = forms.CharField(
        label=_("物品未返还原因"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：作为证据移交涉案财物管理")}),
    )


class HistoryFilterForm(forms.Form):
    text = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、案件编号或名称")}),
    )
    destination = forms.ChoiceField(
        label=_("出区去向"), required=False, choices=[("", _("全部去向")), *ExitDestination.choices]
    )
    since = forms.DateField(label=_("入区自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
