"""Recording legal events. Called inside the services of the apps whose steps they are."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jingwu.core.legal_events import EventVocabulary, VocabularyError, load_event_vocabulary
from jingwu.org.models import Unit
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.signals import legal_events_recorded


@cache
def vocabulary() -> EventVocabulary:
    return load_event_vocabulary()


def legal_event_record(
    *,
    actor: Any,
    subject_type: str,
    subject_id: int,
    code: str,
    at: datetime,
    unit: Unit,
    person: str = "",
    item: str = "",
    incident: str = "",
    fields: dict[str, Any] | None = None,
) -> LegalEvent:
    """Append one event; the code and its required fields must fit legal_events.yaml."""
    if code not in vocabulary():
        raise VocabularyError(f"unknown legal event code {code!r}")
    keys = {"person": person, "item": item, "incident": incident}
    fields = fields or {}
    missing = [f for f in vocabulary()[code].fields if not (keys.get(f) or fields.get(f))]
    if missing:
        raise VocabularyError(f"legal event {code!r} needs {', '.join(missing)}")
    return LegalEvent.objects.create(
        subject_type=subject_type,
        subject_id=subject_id,
        code=code,
        at=at,
        unit=unit,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        fields=fields,
        **keys,
    )


def legal_events_record_many(events: list[LegalEvent]) -> list[LegalEvent]:
    """Append unsaved events in one statement (bulk intake); each must fit the vocabulary."""
    for event in events:
        if event.code not in vocabulary():
            raise VocabularyError(f"unknown legal event code {event.code!r}")
    created = LegalEvent.objects.bulk_create(events)
    subjects = list(dict.fromkeys((e.subject_type, e.subject_id) for e in created))
    legal_events_recorded.send(sender=LegalEvent, subjects=subjects)
    return created
