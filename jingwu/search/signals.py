"""Keeping the index fresh within seconds, without touching the other apps' services: every write of a
searchable record reaches one of these hooks, and the record is reindexed once its transaction commits.

- post_save of Incident, Case, Dispute, Person (creates and ordinary saves) and of the party rows;
- the audit entry every write leaves (services that write with `queryset.update()`, which sends no
  post_save: optimistic-locking edits of cases and persons, status changes);
- `legal_events_recorded`, sent by the bulk intake of incidents (bulk_create sends no post_save).
"""

from __future__ import annotations

import logging
from typing import Any

from jingwu.search.models import Kind
from jingwu.search.services import search_index_many, search_index_on_commit

logger = logging.getLogger(__name__)

# The audit log's object types of the searchable records.
_AUDITED_TYPES = {
    "incidents.incident": Kind.INCIDENT,
    "cases.case": Kind.CASE,
    "mediation.dispute": Kind.DISPUTE,
    "people.person": Kind.PERSON,
}


def _saved(kind: str) -> Any:
    def handler(sender: Any, instance: Any, raw: bool = False, created: bool = False, **kwargs: Any) -> None:
        if raw:
            return
        if kind == Kind.PERSON and not created:
            person_changed(instance.pk)
        else:
            search_index_on_commit(kind=kind, object_id=instance.pk)

    return handler


def person_changed(person_id: int) -> None:
    """A person's name shows in the entries of their cases and disputes too: reindex those as well."""
    from jingwu.cases.models import CaseParty
    from jingwu.mediation.models import DisputeParty

    search_index_on_commit(kind=Kind.PERSON, object_id=person_id)
    for case_id in set(CaseParty.objects.filter(person_id=person_id).values_list("case_id", flat=True)):
        search_index_on_commit(kind=Kind.CASE, object_id=case_id)
    for dispute_id in set(
        DisputeParty.objects.filter(person_id=person_id).values_list("dispute_id", flat=True)
    ):
        search_index_on_commit(kind=Kind.DISPUTE, object_id=dispute_id)


def _party_saved(kind: str, parent_field: str) -> Any:
    def handler(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            search_index_on_commit(kind=kind, object_id=getattr(instance, parent_field))

    return handler


def audit_entry_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A write of a searchable record was audited: reindex it (reads and refusals change nothing)."""
    kind = _AUDITED_TYPES.get(instance.object_type)
    if not created or kind is None or instance.outcome != "allowed" or not instance.object_id.isdigit():
        return
    if instance.action.endswith((".view", ".reveal", ".export", ".print")) or instance.action.startswith(
        "search."
    ):
        return
    if kind == Kind.PERSON:
        person_changed(int(instance.object_id))
    else:
        search_index_on_commit(kind=kind, object_id=int(instance.object_id))


def events_recorded(sender: Any, subjects: list[tuple[str, int]], **kwargs: Any) -> None:
    """Bulk intake: the new incidents, and the callers it registered in bulk — indexed together after the
    commit, one read and one write per kind (`search_index_many`), not one transaction per record."""
    from django.db import transaction

    from jingwu.incidents.models import Incident

    incident_ids = [subject_id for subject_type, subject_id in subjects if subject_type == "incident"]
    if not incident_ids:
        return

    def index() -> None:
        called = Incident.objects.filter(pk__in=incident_ids, caller__isnull=False)
        callers = set(called.values_list("caller_id", flat=True))
        try:
            search_index_many(kind=Kind.INCIDENT, object_ids=incident_ids)
            search_index_many(kind=Kind.PERSON, object_ids=callers)
        except Exception:
            # The intake has committed; stale entries are fixed by the next write or search_reindex.
            logger.exception("search: bulk indexing of %d incidents failed", len(incident_ids))

    transaction.on_commit(index)


def connect() -> None:
    from django.db.models.signals import post_save

    from jingwu.audit.models import AuditEntry
    from jingwu.cases.models import Case, CaseParty
    from jingwu.incidents.models import Incident
    from jingwu.mediation.models import Dispute, DisputeParty
    from jingwu.people.models import Person
    from jingwu.timeline.signals import legal_events_recorded

    for model, kind in (
        (Incident, Kind.INCIDENT),
        (Case, Kind.CASE),
        (Dispute, Kind.DISPUTE),
        (Person, Kind.PERSON),
    ):
        post_save.connect(_saved(kind), sender=model, weak=False, dispatch_uid=f"search.{kind}_saved")
    post_save.connect(
        _party_saved(Kind.CASE, "case_id"), sender=CaseParty, weak=False, dispatch_uid="search.case_party"
    )
    post_save.connect(
        _party_saved(Kind.DISPUTE, "dispute_id"),
        sender=DisputeParty,
        weak=False,
        dispatch_uid="search.dispute_party",
    )
    post_save.connect(audit_entry_saved, sender=AuditEntry, dispatch_uid="search.audit_entry")
    legal_events_recorded.connect(events_recorded, dispatch_uid="search.events_recorded")
