"""Forms of the notice pages; the services validate again (and say why in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms

from jingwu.supervision.catalogue import catalogue
from jingwu.supervision.models import NoticeKind


class NoticeIssueForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=NoticeKind.choices)
    case_number = forms.CharField(label="案件编号", max_length=40)
    defect = forms.ChoiceField(label="问题类型")
    opinion_type = forms.ChoiceField(label="检察监督文书类型", required=False)
    description = forms.CharField(
        label="发现的问题", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rectify_by = forms.DateField(
        label="整改期限", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    deadline = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cat = catalogue()
        self.fields["kind"].choices = [(k, label) for k, label in NoticeKind.choices if k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
            self.fields["kind"].widget = forms.HiddenInput()
        self.fields["defect"].choices = list(cat.defects.items())
        self.fields["opinion_type"].choices = [("", "—")] + [
            (c, o.name) for c, o in cat.opinion_types.items()
        ]
        if NoticeKind.PROCURATOR_OPINION not in kinds:
            del self.fields["opinion_type"]


class NoticeResponseForm(forms.Form):
    text = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}), required=False)


class NoticeReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "验收通过"), ("reopen", "退回重改")])
    comment = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False)
    overdue = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from jingwu.supervision.models import NoticeStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部状态"), *NoticeStatus.choices]
        self.fields["kind"].choices = [("", "全部类别"), *NoticeKind.choices]
