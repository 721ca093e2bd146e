from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.access.roles import Role
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return "　" * max(obj.depth, 0) + obj.name


def _units() -> UnitChoiceField:
    return UnitChoiceField(queryset=Unit.objects.filter(is_active=True), label=_("所属单位"))


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=32)
    unit = _units()
    roles = forms.MultipleChoiceField(label=_("角色"), choices=Role.choices)
    badge_number = forms.CharField(label=_("警号"), max_length=16, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, strip=False)


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=32)
    unit = _units()
    roles = forms.MultipleChoiceField(label=_("角色"), choices=Role.choices)
    badge_number = forms.CharField(label=_("警号"), max_length=16, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)


class UnitCreateForm(forms.Form):
    code = forms.CharField(label=_("单位代码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    parent = UnitChoiceField(
        queryset=Unit.objects.filter(is_active=True), label=_("上级单位"), required=False
    )


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(
        queryset=Unit.objects.filter(is_active=True), label=_("新的上级单位"), required=False
    )
