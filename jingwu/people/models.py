from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.core.encrypted_fields import BlindIndexField, EncryptedTextField
from jingwu.org.models import Unit, User
from jingwu.people.choices import Sex


def _index(name: str) -> BlindIndexField:
    field = Person._meta.get_field(f"{name}_digest")
    assert isinstance(field, BlindIndexField)
    return field


def id_number_q(value: str, prefix: str = "") -> Q:
    """Exact match on the ID number through its blind index (`prefix` e.g. "caller__" for a relation)."""
    return Q(**{f"{prefix}id_number_digest__in": _index("id_number").lookup_values(value)})


def phone_q(value: str, prefix: str = "") -> Q:
    """Exact match on the phone through its blind index."""
    return Q(**{f"{prefix}phone_digest__in": _index("phone").lookup_values(value)})


def personal_digests(**values: str | None) -> dict[str, str | None]:
    """The digest columns for `id_number=` / `phone=` values, for writes that bypass save() (`.update()`)."""
    return {f"{name}_digest": _index(name).digest_of(value) for name, value in values.items()}


class PersonQuerySet(models.QuerySet["Person"]):
    """Exact lookups of the encrypted personal fields (by digest, never by the ciphertext)."""

    def by_id_number(self, value: str) -> PersonQuerySet:
        return self.filter(id_number_q(value))

    def by_phone(self, value: str) -> PersonQuerySet:
        return self.filter(phone_q(value))

    def by_id_numbers(self, values: Iterable[str]) -> PersonQuerySet:
        field = _index("id_number")
        return self.filter(id_number_digest__in=[d for v in values for d in field.lookup_values(v)])

    def by_phones(self, values: Iterable[str]) -> PersonQuerySet:
        field = _index("phone")
        return self.filter(phone_digest__in=[d for v in values for d in field.lookup_values(v)])


class Person(models.Model):
    """A person in the registry (人员): reporter, victim, suspect, witness or party.

    The ID number is unique when present, so the registry holds each resident once. ID number, phone and
    address are encrypted at rest (the attributes are plaintext); exact lookups and the uniqueness go
    through their blind indexes (`Person.objects.by_id_number()`, `by_phone()`).
    """

    name = models.CharField(_("姓名"), max_length=40)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    # NULL, not "", for "no number": the unique constraint must not treat two unknowns as equal.
    id_number = EncryptedTextField(_("身份证号"), purpose="person.id_number", null=True, blank=True)
    phone = EncryptedTextField(_("联系电话"), purpose="person.phone", blank=True)
    address = EncryptedTextField(_("住址"), purpose="person.address", blank=True)
    id_number_digest = BlindIndexField(source="id_number", purpose="person.id_number")
    phone_digest = BlindIndexField(source="phone", purpose="person.phone")
    notes = models.TextField(_("备注"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=Q(id_number_digest__isnull=False),
                name="person_unique_id_number",
            )
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone_digest"])]

    def __str__(self) -> str:
        return self.name
