"""Writes of the search index (检索索引): build one record's entry from its app's tables, upsert it, or
drop it when the record is gone. The entry's text is masked before it is stored: ID numbers and phones
inside narratives never reach the index or a snippet."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingwu.core.masking import mask_id_number, mask_phone
from jingwu.search.dictionary import segmenter
from jingwu.search.models import Kind, SearchEntry
from jingwu.search.tokenizer import index_tokens

logger = logging.getLogger("jingwu.search")

# An 18-character ID number (or an old 15-digit one), a mobile, a fixed line with its area code.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)")
_FIXED = re.compile(r"(?<!\d)(0\d{2,3}-?\d{7,8})(?!\d)")


def mask_text(text: str) -> str:
    """A narrative with its ID numbers and phone numbers masked (个人信息脱敏)."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(1))), text)
    return _FIXED.sub(lambda m: mask_phone(m.group(1).replace("-", "")), text)


def _names(parties: Iterable[Any]) -> str:
    return "、".join(dict.fromkeys(p.person.name for p in parties))


def _incidents() -> Any:
    from jingwu.incidents.models import Incident

    return Incident.objects.select_related("village__parent", "caller", "station", "unit")


def _incident_fields(pk: int) -> dict[str, Any] | None:
    incident = _incidents().filter(pk=pk).first()
    return None if incident is None else _incident_fields_of(incident)


def _incident_fields_of(incident: Any) -> dict[str, Any]:
    from jingwu.incidents.taxonomy import taxonomy

    label = taxonomy().label(incident.category, incident.subcategory)
    place = f"{incident.village.full_name}{incident.address}"
    caller = f"报警人：{incident.caller.name}" if incident.caller else ""
    texts = [label, place, incident.narrative, incident.disposition_note, caller]
    return {
        "number": incident.number or "",
        "title": f"{label}（{incident.village.full_name}）",
        "texts": texts,
        "subkind": incident.category,
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "units": (incident.unit_id, incident.station_id, None),
        "occurred_at": incident.received_at,
    }


def _case_fields(pk: int) -> dict[str, Any] | None:
    from jingwu.cases.models import Case
    from jingwu.cases.workflow import workflow

    case = Case.objects.select_related("station").filter(pk=pk).first()
    if case is None:
        return None
    parties = _names(case.parties.select_related("person"))
    texts = [case.title, case.offence, case.facts, f"涉案人员：{parties}" if parties else ""]
    return {
        "number": case.number,
        "title": case.title,
        "texts": texts,
        "subkind": case.kind,
        "status": case.status,
        "status_label": workflow().states.get(case.status, case.status),
        "units": (case.station_id, case.reviewing_unit_id, case.handling_unit_id),
        "occurred_at": case.accepted_at,
    }


def _dispute_fields(pk: int) -> dict[str, Any] | None:
    from jingwu.mediation.models import Dispute
    from jingwu.mediation.rules import dispute_types
    from jingwu.mediation.workflow import STATES

    dispute = Dispute.objects.select_related("village__parent").filter(pk=pk).first()
    if dispute is None:
        return None
    kind = dispute_types().get(dispute.kind)
    kind_name = kind.name if kind else dispute.kind
    parties = _names(dispute.parties.select_related("person"))
    place = f"{dispute.village.full_name}{dispute.address}"
    texts = [kind_name, place, dispute.description, f"当事人：{parties}" if parties else ""]
    return {
        "number": dispute.number or "",
        "title": f"{kind_name}（{dispute.village.full_name}）",
        "texts": texts,
        "subkind": dispute.kind,
        "status": dispute.status,
        "status_label": STATES.get(dispute.status, dispute.status),
        "units": (dispute.station_id, None, None),
        "occurred_at": dispute.registered_at,
    }


def _persons() -> Any:
    from jingwu.people.models import Person

    return Person.objects.select_related("unit")


def _person_fields(pk: int) -> dict[str, Any] | None:
    person = _persons().filter(pk=pk).first()
    return None if person is None else _person_fields_of(person)


def _person_fields_of(person: Any) -> dict[str, Any]:
    masked = mask_id_number(person.id_number)
    # Searchable by name only; the masked ID is shown (its visible digits are never tokens).
    texts = [person.name, f"身份证号：{masked}" if masked else "", f"登记单位：{person.unit.name}"]
    return {
        "number": "",
        "title": person.name,
        "texts": texts,
        "subkind": "",
        "status": "",
        "status_label": "",
        "units": (person.unit_id, None, None),
        "occurred_at": person.created_at,
    }


_BUILDERS: dict[str, Callable[[int], dict[str, Any] | None]] = {
    Kind.INCIDENT: _incident_fields,
    Kind.CASE: _case_fields,
    Kind.DISPUTE: _dispute_fields,
    Kind.PERSON: _person_fields,
}


def search_index_record(*, kind: str, object_id: int) -> SearchEntry | None:
    """(Re)index one record from its current state; drop its entry if the record is gone.

    Not audited: it writes no business data, only a derived copy the record's own write already audited.
    """
    fields = _BUILDERS[kind](object_id)
    if fields is None:
        SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()
        return None
    entry, _ = SearchEntry.objects.update_or_create(kind=kind, object_id=object_id, defaults=_entry(fields))
    return entry


def _entry(fields: dict[str, Any]) -> dict[str, Any]:
    """The stored columns of an entry: masked texts, their tokens, the scope units."""
    texts = [mask_text(t) for t in fields.pop("texts") if t]
    unit_a, unit_b, unit_c = fields.pop("units")
    return {
        **fields,
        "title": mask_text(fields["title"])[:200],
        "body": "\n".join(texts),
        "tokens": index_tokens([fields["number"], *texts], segmenter()),
        "unit_a_id": unit_a,
        "unit_b_id": unit_b,
        "unit_c_id": unit_c,
        "occurred_at": fields["occurred_at"] or timezone.now(),
    }


# Kinds indexed a batch at a time by `search_index_many`: (their query, the fields of one record).
_BULK: dict[str, tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]] = {
    Kind.INCIDENT: (_incidents, _incident_fields_of),
    Kind.PERSON: (_persons, _person_fields_of),
}


def search_index_many(*, kind: str, object_ids: Iterable[int], batch: int = 1000) -> int:
    """(Re)index many records of one kind at once (a bulk import): the entries `search_index_record`
    makes, read with one query and written with one delete and one insert per batch. Returns the count.

    Not audited, like `search_index_record`.
    """
    ids = sorted(set(object_ids))
    if kind not in _BULK:
        for object_id in ids:
            search_index_record(kind=kind, object_id=object_id)
        return len(ids)
    query, fields_of = _BULK[kind]
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        entries = [
            SearchEntry(kind=kind, object_id=record.pk, **_entry(fields_of(record)))
            for record in query().filter(pk__in=chunk)
        ]
        with transaction.atomic():
            SearchEntry.objects.filter(kind=kind, object_id__in=chunk).delete()
            SearchEntry.objects.bulk_create(entries)
        done += len(entries)
    return done


def _index_quietly(kind: str, object_id: int) -> None:
    try:
        search_index_record(kind=kind, object_id=object_id)
    except Exception:
        # The record's own write has committed; a stale entry is fixed by the next write or search_reindex.
        logger.exception("search: indexing %s %s failed", kind, object_id)


class _CommitBatch:
    """The records already reindexed after one commit: the hooks of one transaction often name a record
    twice (a case acceptance: its post_save and its audit entry), and one reindex after the commit reads
    its final state already."""

    def __init__(self) -> None:
        self.done: set[tuple[str, int]] = set()
        self.running = False


def search_index_on_commit(*, kind: str, object_id: int) -> None:
    """Index the record once the current transaction commits (at once outside a transaction), once per
    transaction however many hooks name it."""
    connection = transaction.get_connection()
    batch = getattr(connection, "search_commit_batch", None)
    # A batch whose hooks have started running belongs to a committed transaction: start a new one. (A
    # rolled-back transaction's batch never ran and has indexed nothing, so it may serve the next.)
    if batch is None or batch.running:
        batch = connection.search_commit_batch = _CommitBatch()

    def index() -> None:
        batch.running = True
        # Every hook is registered, not only the first: a savepoint rolled back drops its own hooks.
        if (kind, object_id) not in batch.done:
            batch.done.add((kind, object_id))
            _index_quietly(kind, object_id)

    transaction.on_commit(index)


def search_reindex(*, kinds: Iterable[str] = tuple(Kind.values), batch: int = 500) -> dict[str, int]:
    """Rebuild the entries of every record of `kinds` (the `search_reindex` command, demo_load)."""
    from jingwu.cases.models import Case
    from jingwu.incidents.models import Incident
    from jingwu.mediation.models import Dispute
    from jingwu.people.models import Person

    models = {Kind.INCIDENT: Incident, Kind.CASE: Case, Kind.DISPUTE: Dispute, Kind.PERSON: Person}
    counts: dict[str, int] = {}
    for kind in kinds:
        ids = list(models[kind].objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                for object_id in ids[start : start + batch]:
                    search_index_record(kind=kind, object_id=object_id)
        SearchEntry.objects.filter(kind=kind).exclude(
            object_id__in=models[kind].objects.values("pk")
        ).delete()
        counts[kind] = len(ids)
    return counts
