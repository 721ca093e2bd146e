from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.access.policy import unit_scope
from jingwu.org.models import Unit
from jingwu.search.models import Kind
from jingwu.search.selectors import searchable_kinds


def status_choices(kinds: list[str]) -> list[tuple[str, str, str]]:
    """(kind, status, label) of the kinds with a status, from each app's own vocabulary."""
    from jingwu.cases.workflow import workflow
    from jingwu.incidents.choices import Status
    from jingwu.mediation.workflow import STATES

    found: list[tuple[str, str, str]] = []
    if Kind.INCIDENT in kinds:
        found += [(Kind.INCIDENT, value, str(label)) for value, label in Status.choices]
    if Kind.CASE in kinds:
        found += [(Kind.CASE, value, str(label)) for value, label in workflow().states.items()]
    if Kind.DISPUTE in kinds:
        found += [(Kind.DISPUTE, value, str(label)) for value, label in STATES.items()]
    return found


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("如：盗窃 电动车 桃溪；或完整身份证号、电话"),
                "type": "search",
                "autofocus": True,
            }
        ),
    )
    kind = forms.ChoiceField(label=_("类型"), required=False)
    unit = forms.ChoiceField(label=_("单位"), required=False)
    date_from = forms.DateField(label=_("起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = searchable_kinds(actor)
        self.fields["kind"].choices = [("", _("全部类型")), *((k, Kind(k).label) for k in kinds)]
        units = Unit.objects.filter(unit_scope(actor).q("")).order_by("path")
        self.fields["unit"].choices = [("", _("全部单位")), *((str(u.pk), u.name) for u in units)]
        statuses = status_choices(kinds)
        self.fields["status"].choices = [
            ("", _("全部状态")),
            # "case:closed": a state of one kind (two kinds may share a state's name).
            *((f"{kind}:{status}", f"{Kind(kind).label}·{label}") for kind, status, label in statuses),
        ]
