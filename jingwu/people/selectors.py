"""Reads of the person registry, scoped by the access policy and masked by role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from jingwu.access.policy import can, get_visible_or_404, visible_to
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.core.masking import mask_address, mask_id_number, mask_phone
from jingwu.people.models import Person, id_number_q, phone_q


@dataclass(frozen=True)
class PersonalData:
    """The personal fields as the viewer may see them."""

    id_number: str
    phone: str
    address: str
    masked: bool


def person_list(*, actor: Any, query: str = "") -> QuerySet[Person]:
    people = visible_to(actor, "person.view", Person.objects.select_related("unit"))
    query = query.strip()
    if query:
        # A full ID number or phone finds a person (by its blind index); a fragment of one never does.
        people = people.filter(Q(name__contains=query) | id_number_q(query) | phone_q(query))
    return people


def person_get(*, actor: Any, person_id: int) -> Person:
    """One person for display; the read itself is audited (a sensitive read)."""
    person = get_visible_or_404(actor, "person.view", Person.objects.select_related("unit"), pk=person_id)
    audit_record(actor=actor, action="person.view", obj=person)
    return person


def personal_data(*, person: Person, revealed: bool = False) -> PersonalData:
    """Masked values unless the caller has just performed an audited reveal."""
    if revealed:
        return PersonalData(person.id_number or "", person.phone, person.address, masked=False)
    return PersonalData(
        mask_id_number(person.id_number), mask_phone(person.phone), mask_address(person.address), masked=True
    )


def person_reveal(*, actor: Any, person_id: int) -> PersonalData:
    """Show the full personal data: an explicit act, allowed to some roles, always audited."""
    person = get_visible_or_404(actor, "person.view", Person.objects.all(), pk=person_id)
    if not can(actor, "person.reveal", person):
        audit_record(actor=actor, action="person.reveal", obj=person, outcome=Outcome.DENIED)
        raise PermissionDenied("person.reveal")
    audit_record(actor=actor, action="person.reveal", obj=person)
    return personal_data(person=person, revealed=True)
