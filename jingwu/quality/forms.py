"""Forms of the quality evaluation pages (执法质量考评)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.quality.scheme import scheme

REQUIRED = {"required": _("必填")}


class AdjustmentForm(forms.Form):
    """A manual item (人工考评项): which item, how many points, which day, and why."""

    item_key = forms.ChoiceField(
        label=_("考评项目"), error_messages={**REQUIRED, "invalid_choice": _("请选择考评项目")}
    )
    points = forms.DecimalField(
        label=_("分值"),
        max_digits=5,
        decimal_places=1,
        error_messages={
            **REQUIRED,
            "invalid": _("分值应为数字"),
            "max_decimal_places": _("分值最多保留一位小数"),
            "max_digits": _("分值过大"),
            "max_whole_digits": _("分值过大"),
        },
        help_text=_("扣分填负数，加分填正数"),
    )
    occurred_on = forms.DateField(
        label=_("所属日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={**REQUIRED, "invalid": _("日期格式应为 2026-07-01")},
    )
    case_number = forms.CharField(label=_("相关案件编号（可选）"), required=False, max_length=40)
    reason = forms.CharField(
        label=_("事实与理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=REQUIRED,
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_key"].choices = [
            (
                item.key,
                f"{item.title_zh}（{'加' if item.is_bonus else '扣'}分，每条至多{abs(item.points)}分，"
                f"本期至多{item.cap}分）",
            )
            for item in scheme().manual_items
        ]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请写明事实与理由"))
        return reason


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=2000, error_messages=REQUIRED)
