"""Forms of the case pages (案件办理): each maps its cleaned input onto one service call."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.access.policy import scope_of_unit
from jingwu.cases.choices import CaseKind, CaseSource, PartyRole
from jingwu.cases.documents import MAX_ATTACHMENT_BYTES, catalogue, document_kinds_for
from jingwu.cases.models import Case
from jingwu.cases.offences import offence_choices
from jingwu.cases.workflow import workflow
from jingwu.org.models import User
from jingwu.timeline.services import vocabulary

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Who sits in a collective deliberation (集体议案).
DELIBERATION_ROLES = ("leader", "legal_affairs", "unit_chief", "legal_officer")


def _when(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DATETIME)


def offence_select(kind: str | None) -> list[tuple[str, Any]]:
    """The offence (案由) options of a case kind; the select is swapped when the kind changes."""
    return [("", _("—— 请选择案由 ——")), *(offence_choices(kind) if kind in CaseKind.values else [])]


class CaseFilterForm(forms.Form):
    text = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("编号、名称、案由")}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False)
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *CaseKind.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *workflow().states.items()]


class AcceptForm(forms.Form):
    """受案登记."""

    kind = forms.ChoiceField(
        label=_("案件类别"), choices=CaseKind.choices, initial=CaseKind.CRIMINAL, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("案件名称"), max_length=100)
    facts = forms.CharField(label=_("简要案情"), widget=forms.Textarea(attrs={"rows": 5}))
    source = forms.ChoiceField(label=_("案件来源"), choices=CaseSource.choices, initial=CaseSource.WALK_IN)
    transfer_agency = forms.CharField(label=_("移送机关"), max_length=100, required=False)
    station = forms.TypedChoiceField(label=_("辖区派出所"), coerce=int, required=False, empty_value=None)
    offence_code = forms.ChoiceField(label=_("案由（可在审查时确定）"), required=False)
    accepted_at = _when(_("受案时间"))
    incident = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, stations: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [("", _("本单位辖区")), *stations]
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind", CaseKind.CRIMINAL)
        self.fields["offence_code"].choices = offence_select(kind)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "facts": data["facts"],
            "source": data["source"],
            "transfer_agency": data["transfer_agency"],
            "station_id": data["station"],
            "offence_code": data["offence_code"],
            "accepted_at": data["accepted_at"],
            "incident_id": data["incident"],
        }


def officer_candidates(case: Case) -> list[User]:
    """Who may lead or help on the case: active officers and unit chiefs of the station's scope or the
    reviewing unit's scope — the rule services.case_assign enforces."""
    reach = scope_of_unit(case.station).q("unit") | scope_of_unit(case.reviewing_unit).q("unit")
    return list(
        User.objects.filter(reach, is_active=True, roles__code__in=["officer", "unit_chief"])
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "full_name")
    )


class AssignForm(forms.Form):
    """统一审查指派, with the version the reviewer saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("案件类别"), choices=CaseKind.choices)
    offence_code = forms.ChoiceField(label=_("案由"))
    is_major = forms.BooleanField(label=_("重大疑难复杂案件（须经集体议案）"), required=False)
    lead_officer = forms.TypedChoiceField(label=_("主办民警"), coerce=int)
    officers = forms.TypedMultipleChoiceField(
        label=_("协办民警"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": case.version,
                "kind": case.kind,
                "offence_code": case.offence_code,
                "is_major": case.is_major,
                "lead_officer": case.lead_officer_id,
                "officers": [u.pk for u in case.officers.all()],
            },
        )
        super().__init__(*args, **kwargs)
        people = [(u.pk, f"{u.full_name}（{u.unit.name}）") for u in officer_candidates(case)]
        self.fields["lead_officer"].choices = [("", _("—— 请选择 ——")), *people]
        self.fields["officers"].choices = people
        kind = self.data.get("kind") if self.is_bound else case.kind
        self.fields["offence_code"].choices = offence_select(kind)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "version": data["version"],
            "kind": data["kind"],
            "offence_code": data["offence_code"],
            "is_major": data["is_major"],
            "lead_officer_id": data["lead_officer"],
            "officer_ids": data["officers"],
        }


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("return", _("退回"))])
    opinion = forms.CharField(
        label=_("审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("退回时必填")}),
    )


class PartyForm(forms.Form):
    """A person by full ID number or by name (among those the user may see), in a role."""

    query = forms.CharField(
        label=_("身份证号或姓名"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("输入完整身份证号或姓名"), "autocomplete": "off"}),
    )
    person = forms.IntegerField(required=False)
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices, initial=PartyRole.SUSPECT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("person") and not (data.get("query") or "").strip():
            self.add_error("query", _("请输入身份证号或姓名"))
        return data


def _party_choices(case: Case) -> list[tuple[int, str]]:
    return [
        (p.pk, f"{p.person.name}（{p.get_role_display()}）") for p in case.parties.select_related("person")
    ]


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施"))
    party = forms.TypedChoiceField(label=_("当事人"), coerce=int)
    started_at = _when(_("开始时间（留空为审批通过时）"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (m.name, m.label + (_("（需审批）") if m.approvals else ""))
            for m in workflow().measures.values()
            if case.kind in m.kinds
        ]
        self.fields["party"].choices = _party_choices(case)


class MeasureEndForm(forms.Form):
    ended_at = _when(_("结束时间"))


class PartyEventForm(forms.Form):
    code = forms.ChoiceField(label=_("事项"))
    party = forms.TypedChoiceField(label=_("当事人"), coerce=int)
    at = _when(_("时间"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = vocabulary()
        gated = workflow().event_approvals
        self.fields["code"].choices = [
            (code, names[code].name_zh + (_("（需审批）") if code in gated else ""))
            for code in workflow().party_events.get(case.kind, ())
        ]
        self.fields["party"].choices = _party_choices(case)


def deliberation_members() -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__code__in=DELIBERATION_ROLES, unit__path__startswith="/wp/")
        .select_related("unit")
        .prefetch_related("roles")
        .distinct()
        .order_by("unit__path", "full_name")
    )


OPINION_LINE = re.compile(r"^\s*([^:：]{1,40})\s*[:：]\s*(.+?)\s*$")


class DeliberationForm(forms.Form):
    """集体议案 minutes: participants, one "姓名：意见" per line, the decision and the vote."""

    topic = forms.CharField(label=_("议题"), max_length=100)
    held_at = _when(_("会议时间"), required=True)
    participants = forms.TypedMultipleChoiceField(
        label=_("参会人员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opinions = forms.CharField(
        label=_("发言意见（每行一条：姓名：意见）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "张振华：同意移送审查起诉。"}),
    )
    decision = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 3}))
    votes_for = forms.IntegerField(label=_("同意票"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("弃权票"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [
            (u.pk, f"{u.full_name}（{u.unit.name}·{'、'.join(u.role_labels())}）")
            for u in deliberation_members()
        ]

    def clean_opinions(self) -> list[dict[str, str]]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["opinions"].splitlines(), start=1):
            if not line.strip():
                continue
            match = OPINION_LINE.match(line)
            if match is None:
                raise forms.ValidationError(_("第 %(n)s 行应为“姓名：意见”") % {"n": number})
            parsed.append({"name": match[1].strip(), "opinion": match[2]})
        return parsed

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "held_at": data["held_at"],
            "participant_ids": data["participants"],
            "opinions": data["opinions"],
            "decision": data["decision"],
            "votes_for": data["votes_for"],
            "votes_against": data["votes_against"],
            "votes_abstain": data["votes_abstain"],
        }


# --------------------------------------------------------------------------------------------------
# legal documents, evidence and attachments, the electronic dossier

# The largest attachment the pages and the API accept (the service itself allows more).
ATTACHMENT_MAX_BYTES = MAX_ATTACHMENT_BYTES


class DocumentForm(forms.Form):
    """制作法律文书: a kind applicable to the case now, the suspect it concerns, and its detail."""

    kind = forms.ChoiceField(label=_("文书种类"))
    party = forms.TypedChoiceField(label=_("涉及的嫌疑人"), coerce=int, required=False, empty_value=None)
    detail = forms.CharField(
        label=_("文书内容补充（理由、处罚种类和幅度）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every kind of the case's kind is accepted, so that one no longer applicable (the status
        # changed since the page was shown) gets the service's message; the select offers those
        # that apply now.
        self.fields["kind"].choices = [
            (k.code, k.title) for k in catalogue().kinds.values() if case.kind in k.kinds
        ]
        self.applicable = document_kinds_for(case)
        self.fields["kind"].widget.choices = [(k.code, k.title) for k in self.applicable]
        suspects = case.parties.filter(role=PartyRole.SUSPECT).select_related("person")
        people = [(p.pk, p.person.name) for p in suspects]
        self.fields["party"].choices = [("", _("第一名嫌疑人（默认）")), *people]
        details = sorted({k.detail for k in self.applicable if k.detail})
        if details:
            self.fields["detail"].help_text = _("需要时填写：") + "；".join(details)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"kind": data["kind"], "party_id": data["party"], "detail": data["detail"]}


class EvidenceForm(forms.Form):
    """登记证据."""

    name = forms.CharField(label=_("证据名称"), max_length=100)
    description = forms.CharField(
        label=_("证据说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    collected_at = _when(_("收集时间（留空为现在）"))


class AttachmentForm(forms.Form):
    """上传附件 (multipart), optionally attached to an item of evidence."""

    file = forms.FileField(label=_("文件（不超过20 MB）"))
    evidence = forms.TypedChoiceField(label=_("所属证据"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [
            ("", _("（不属于某项证据）")),
            *((e.pk, f"{e.number}. {e.name}") for e in case.evidence.order_by("number")),
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_("单个文件不能超过20 MB"))
        return upload


class DossierReceiveForm(forms.Form):
    """检察院签收电子卷宗."""

    note = forms.CharField(label=_("签收说明"), required=False, max_length=500)


class DossierOutcomeForm(forms.Form):
    """检察院审查结果: accepted, or returned for supplementary investigation with the reasons."""

    outcome = forms.ChoiceField(
        label=_("审查结果"), choices=[("accepted", _("受理")), ("returned", _("退回补充侦查"))]
    )
    note = forms.CharField(
        label=_("说明（退回时写明理由和补充侦查提纲）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
