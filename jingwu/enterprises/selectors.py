"""Reads of enterprise liaison, always scoped (jingwu.enterprises.services.scope_q): the enterprise list
and page (contacts masked), incident suggestions, parks, bulletins and their deliveries with each
delivery's state read from its outbox message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, unit_scope, visible_to
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.core.masking import mask_phone
from jingwu.enterprises.choices import DeliveryState, EnterpriseStatus, RequestStatus
from jingwu.enterprises.config import config
from jingwu.enterprises.models import (
    Bulletin,
    BulletinDelivery,
    Enterprise,
    EnterpriseIncident,
    EnterpriseRequest,
    Park,
)
from jingwu.enterprises.services import (
    LINKABLE_DAYS,
    is_county_officer,
    scope_q,
    visible_enterprise,
    visible_enterprises,
)
from jingwu.incidents.models import Incident
from jingwu.incidents.selectors import SCOPE_FIELDS as INCIDENT_SCOPE


@dataclass(frozen=True)
class EnterpriseFilters:
    text: str = ""
    industry: str = ""
    park_id: int | None = None
    township_id: int | None = None
    status: str = ""
    mine: bool = False


def enterprise_list(*, actor: Any, filters: EnterpriseFilters = EnterpriseFilters()) -> QuerySet[Enterprise]:
    require(actor, "enterprise.view")
    enterprises = visible_enterprises(actor).select_related(
        "township", "village", "park", "station", "liaison"
    )
    if filters.industry:
        enterprises = enterprises.filter(industry=filters.industry)
    if filters.park_id:
        enterprises = enterprises.filter(park_id=filters.park_id)
    if filters.township_id:
        enterprises = enterprises.filter(township_id=filters.township_id)
    if filters.status:
        enterprises = enterprises.filter(status=filters.status)
    if filters.mine:
        enterprises = enterprises.filter(liaison=actor)
    for word in filters.text.split():
        enterprises = enterprises.filter(
            Q(name__contains=word) | Q(uscc=word.upper()) | Q(address__contains=word)
        )
    return enterprises.annotate(
        open_requests=Count("requests", filter=Q(requests__status=RequestStatus.OPEN), distinct=True)
    ).order_by("township__code", "name", "id")


def enterprise_get(*, actor: Any, enterprise_id: int) -> Enterprise:
    """One enterprise for display; the read is audited (it shows the contact, masked)."""
    enterprise = visible_enterprise(actor, enterprise_id)
    audit_record(actor=actor, action="enterprise.view", obj=enterprise)
    return enterprise


def contact(enterprise: Enterprise, revealed: dict[str, str] | None = None) -> dict[str, str]:
    """The contact person with the phone masked (the e-mail's local part too), unless just revealed."""
    if revealed is not None:
        return {"name": enterprise.contact_name, **revealed, "masked": ""}
    email = enterprise.contact_email
    if email and "@" in email:
        local, _, domain = email.partition("@")
        email = f"{local[:1]}***@{domain}"
    return {
        "name": enterprise.contact_name,
        "contact_phone": mask_phone(enterprise.contact_phone),
        "contact_email": email,
        "masked": "1",
    }


def industry_label(code: str) -> str:
    return config().industries.get(code, code)


def incident_links(*, actor: Any, enterprise: Enterprise) -> list[dict[str, Any]]:
    """The linked incidents; those the reader may not open are shown by number only."""
    visible = set(
        visible_to(actor, "incident.view", Incident.objects.all(), unit_field=INCIDENT_SCOPE)
        .filter(pk__in=enterprise.incident_links.values("incident_id"))
        .values_list("pk", flat=True)
    )
    rows = []
    for link in enterprise.incident_links.select_related("incident__village", "linked_by"):
        rows.append({"link": link, "incident": link.incident, "may_open": link.incident_id in visible})
    return rows


def incident_suggestions(*, actor: Any, enterprise: Enterprise, limit: int = 20) -> QuerySet[Incident]:
    """Incidents of the enterprise's village in the last 90 days, not yet linked, newest first."""
    since = timezone.now() - timedelta(days=LINKABLE_DAYS)
    return (
        visible_to(actor, "incident.view", Incident.objects.all(), unit_field=INCIDENT_SCOPE)
        .filter(village_id=enterprise.village_id, received_at__gte=since)
        .exclude(pk__in=EnterpriseIncident.objects.filter(enterprise=enterprise).values("incident_id"))
        .select_related("village")
        .order_by("-received_at", "-id")[:limit]
    )


def open_requests(*, actor: Any) -> QuerySet[EnterpriseRequest]:
    """Requests not yet handled in the reader's area, oldest first (the liaison officer's to-do)."""
    require(actor, "enterprise.view")
    return (
        EnterpriseRequest.objects.filter(status=RequestStatus.OPEN)
        .filter(scope_q(actor, field="enterprise__station"))
        .select_related("enterprise")
        .order_by("raised_on", "id")
    )


def park_list(*, actor: Any) -> QuerySet[Park]:
    """Parks with the number of enterprises in operation the reader may see in each."""
    require(actor, "enterprise.view")
    visible = scope_q(actor, field="enterprises__station")
    return (
        Park.objects.select_related("township")
        .annotate(
            enterprise_count=Count(
                "enterprises",
                filter=visible & Q(enterprises__status=EnterpriseStatus.ACTIVE),
                distinct=True,
            )
        )
        .order_by("name")
    )


# --------------------------------------------------------------------------------------------------
# bulletins


def state_expression() -> Case:
    """A delivery's state in SQL, the same rule as jingwu.enterprises.services.delivery_state."""
    return Case(
        When(acknowledged_at__isnull=False, then=Value(DeliveryState.ACKNOWLEDGED)),
        When(message__isnull=True, then=Value(DeliveryState.NO_ADDRESS)),
        When(message__status="queued", message__attempts__gt=0, then=Value(DeliveryState.RETRYING)),
        When(message__status="queued", then=Value(DeliveryState.QUEUED)),
        When(message__status="sent", then=Value(DeliveryState.SENT)),
        default=Value(DeliveryState.FAILED),
        output_field=CharField(),
    )


def _bulletin_scope(actor: Any) -> Q:
    """Bulletins issued in the reader's area, or delivered to an enterprise they may see."""
    if not has_capability(actor, "enterprise.view"):
        return Q(pk__in=[])
    scope = unit_scope(actor)
    if scope.everything or is_county_officer(actor):
        return Q()
    reached = BulletinDelivery.objects.filter(bulletin=OuterRef("pk")).filter(
        scope_q(actor, field="enterprise__station")
    )
    return scope.q("unit") | Q(Exists(reached))


def bulletin_list(*, actor: Any, kind: str = "") -> QuerySet[Bulletin]:
    require(actor, "enterprise.view")
    bulletins = Bulletin.objects.filter(_bulletin_scope(actor)).select_related("issued_by", "unit")
    if kind:
        bulletins = bulletins.filter(kind=kind)
    return bulletins.annotate(
        delivery_count=Count("deliveries", distinct=True),
        acknowledged_count=Count(
            "deliveries", filter=Q(deliveries__acknowledged_at__isnull=False), distinct=True
        ),
    ).order_by("-issued_at", "-id")


def bulletin_get(*, actor: Any, bulletin_id: int) -> Bulletin:
    require(actor, "enterprise.view")
    bulletin = (
        Bulletin.objects.filter(_bulletin_scope(actor))
        .select_related("issued_by", "unit")
        .filter(pk=bulletin_id)
        .first()
    )
    if bulletin is None:
        audit_record(
            actor=actor,
            action="bulletin.view",
            object_type="enterprises.bulletin",
            object_id=bulletin_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return bulletin


def deliveries(*, actor: Any, bulletin: Bulletin, state: str = "") -> QuerySet[BulletinDelivery]:
    """The bulletin's deliveries to enterprises the reader may see, each with its `state`."""
    rows = (
        bulletin.deliveries.filter(scope_q(actor, field="enterprise__station"))
        .select_related("enterprise__township", "enterprise__park", "message", "acknowledged_by")
        .annotate(state=state_expression())
        .order_by("enterprise__township__code", "enterprise__name", "id")
    )
    if state:
        rows = rows.filter(state=state)
    return rows


def delivery_counts(rows: QuerySet[BulletinDelivery]) -> dict[str, int]:
    """How many deliveries are in each state (every state listed, zeros included)."""
    counts = dict.fromkeys(DeliveryState.values, 0)
    for row in rows.order_by().values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


def enterprise_deliveries(*, actor: Any, enterprise: Enterprise) -> QuerySet[BulletinDelivery]:
    """The bulletins an enterprise received, newest first."""
    return (
        enterprise.deliveries.select_related("bulletin", "message", "acknowledged_by")
        .annotate(state=state_expression())
        .order_by("-bulletin__issued_at", "-id")
    )
