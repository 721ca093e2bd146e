"""The mediation agreement as a PDF (调解协议书), in Chinese, rendered by WeasyPrint with the WenQuanYi
font as the case documents are (jingwu.cases.documents). Parties' ID numbers are masked, as in every
document of this version (revealing is the people app's separate, audited act)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from jingwu.audit.services import audit_record
from jingwu.core.masking import mask_address, mask_id_number
from jingwu.core.pdf import html_to_pdf
from jingwu.mediation.choices import Route
from jingwu.mediation.models import Agreement
from jingwu.mediation.rules import rules
from jingwu.mediation.services import visible_agreement

TEMPLATE = "mediation/documents/agreement.html"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "mediation" / "documents"


def _date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _yuan(amount: Decimal | None) -> str:
    return f"{amount:,.2f}元" if amount is not None else ""


def agreement_context(agreement: Agreement) -> dict[str, Any]:
    """The values the agreement is rendered from."""
    dispute = agreement.dispute
    route = agreement.route
    if route.route == Route.PEOPLE:
        mediator_org = route.mediator.unit.name if route.mediator else ""
        basis = "《中华人民共和国人民调解法》"
        mediator = route.mediator.full_name if route.mediator else ""
    else:
        mediator_org = dispute.station.name
        basis = "《中华人民共和国治安管理处罚法》第九条、《公安机关办理行政案件程序规定》"
        mediator = agreement.recorded_by.full_name
    parties = [
        {
            "role": str(p.get_role_display()),
            "name": p.person.name,
            "sex": str(p.person.get_sex_display()),
            "id_number": mask_id_number(p.person.id_number),
            "address": mask_address(p.person.address),
        }
        for p in dispute.parties.select_related("person")
    ]
    terms = [
        {"number": t.number, "text": t.text, "amount": _yuan(t.amount), "due_on": _date(t.due_on)}
        for t in agreement.terms.all()
    ]
    return {
        "title": "人民调解协议书" if route.route == Route.PEOPLE else "治安调解协议书",
        "number": agreement.number,
        "organisation": mediator_org,
        "mediator": mediator,
        "basis": basis,
        "parties": parties,
        "facts": agreement.facts,
        "terms": terms,
        "total": _yuan(
            sum((t.amount for t in agreement.terms.all() if t.amount is not None), Decimal(0)) or None
        ),
        "date": _date(agreement.concluded_on),
        "place": f"{dispute.village.parent.name}{dispute.village.name}",
        "people": route.route == Route.PEOPLE,
        "confirmation": "；".join(rules().confirmation.citation),
        "court": rules().confirmation.court,
    }


def render_agreement(agreement: Agreement, actor: Any = None) -> bytes:
    html = render_to_string(TEMPLATE, agreement_context(agreement))
    return html_to_pdf(html, base_dir=TEMPLATE_DIR, actor=actor)


def agreement_pdf(*, actor: Any, agreement_id: int) -> tuple[Agreement, bytes]:
    """The agreement's PDF for someone who may see the dispute; the download is audited."""
    agreement = visible_agreement(actor, agreement_id)
    pdf = render_agreement(agreement, actor)
    audit_record(
        actor=actor, action="dispute.agreement_pdf", obj=agreement.dispute, object_label=agreement.number
    )
    return agreement, pdf
