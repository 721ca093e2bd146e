"""Template helpers of the case pages: the workflow's state labels and the policy's answers."""

from __future__ import annotations

from typing import Any

from django import template

from jingwu.access.policy import has_capability
from jingwu.cases.workflow import workflow

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """`{% if user|may:"case.accept" %}`: whether one of the user's roles carries the action."""
    return has_capability(user, action)


@register.filter
def case_state(status: str) -> str:
    """The Chinese label of a workflow state ('filed' → '已立案（办理中）')."""
    return workflow().states.get(status, status)


@register.inclusion_tag("cases/_status_tag.html")
def status_tag(case: Any) -> dict[str, Any]:
    return {
        "status": case.status,
        "label": case_state(case.status),
        "is_major": case.is_major,
        "kind": case.kind,
    }
