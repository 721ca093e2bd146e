from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.people.choices import Sex


class PersonForm(forms.Form):
    """Input only; the service validates ID numbers and phones and reports errors per field."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices, initial=Sex.UNKNOWN)
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    notes = forms.CharField(label=_("备注"), widget=forms.Textarea, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
