"""Writes to the person registry (人员登记): validated, scoped, audited."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from jingwu.access.policy import get_visible_or_404, require
from jingwu.audit.services import audit_record, diff_changes
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.identity import InvalidIdentity, normalise_id_number, normalise_phone, sex_from_id_number
from jingwu.core.masking import mask_address, mask_id_number, mask_phone
from jingwu.people.choices import Sex
from jingwu.people.models import Person, personal_digests

_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}


def _clean(*, name: str, sex: str, id_number: str | None, phone: str, address: str) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {"name": (name or "").strip(), "address": (address or "").strip()}
    if not cleaned["name"]:
        errors["name"] = "请填写姓名"
    elif len(cleaned["name"]) > 40:
        errors["name"] = "姓名过长（最多40字）"
    cleaned["id_number"] = None
    if id_number and id_number.strip():
        try:
            cleaned["id_number"] = normalise_id_number(id_number)
        except InvalidIdentity as exc:
            errors["id_number"] = str(exc)
    cleaned["phone"] = ""
    if phone and phone.strip():
        try:
            cleaned["phone"] = normalise_phone(phone)
        except InvalidIdentity as exc:
            errors["phone"] = str(exc)
    if sex not in Sex.values:
        errors["sex"] = "性别无效"
    cleaned["sex"] = sex
    if cleaned["id_number"] and sex == Sex.UNKNOWN:
        cleaned["sex"] = sex_from_id_number(cleaned["id_number"])
    elif cleaned["id_number"] and sex != sex_from_id_number(cleaned["id_number"]):
        errors["sex"] = "性别与身份证号码不符"
    if errors:
        raise ServiceError("人员信息有误，请修改后再提交", errors)
    return cleaned


def _duplicate(id_number: str | None, exclude_pk: int | None = None) -> Person | None:
    if not id_number:
        return None
    return Person.objects.by_id_number(id_number).exclude(pk=exclude_pk).first()


def _audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    # The log records that personal data changed, never the values themselves in full.
    changes = diff_changes(before, after)
    for field, masker in _MASKERS.items():
        if field in changes:
            changes[field] = [masker(v) if v else v for v in changes[field]]
    return changes


def person_create(
    *,
    actor: Any,
    name: str,
    sex: str = Sex.UNKNOWN,
    id_number: str | None = None,
    phone: str = "",
    address: str = "",
    notes: str = "",
) -> Person:
    """Register a person; a known ID number is a Conflict that names the existing record."""
    require(actor, "person.create")
    cleaned = _clean(name=name, sex=sex, id_number=id_number, phone=phone, address=address)
    existing = _duplicate(cleaned["id_number"])
    if existing:
        raise Conflict(
            "该身份证号码已登记，请使用已有人员记录",
            {"id_number": "该身份证号码已登记"},
            existing_id=existing.pk,
        )
    try:
        with transaction.atomic():
            person = Person.objects.create(
                **cleaned, notes=notes.strip(), unit=actor.unit.operational_unit(), created_by=actor
            )
            audit_record(
                actor=actor,
                action="person.create",
                obj=person,
                changes=_audit_changes({}, {**cleaned, "notes": person.notes}),
            )
    except IntegrityError as exc:  # a concurrent registration of the same number won the race
        existing = _duplicate(cleaned["id_number"])
        raise Conflict(
            "该身份证号码已登记",
            {"id_number": "该身份证号码已登记"},
            existing_id=existing.pk if existing else None,
        ) from exc
    return person


def person_update(
    *,
    actor: Any,
    person_id: int,
    version: int,
    name: str,
    sex: str,
    id_number: str | None,
    phone: str,
    address: str,
    notes: str,
) -> Person:
    """Edit a person; `version` is the one the editor saw, so a concurrent edit is not overwritten."""
    person = get_visible_or_404(actor, "person.change", Person.objects.all(), pk=person_id)
    cleaned = _clean(name=name, sex=sex, id_number=id_number, phone=phone, address=address)
    cleaned["notes"] = notes.strip()
    existing = _duplicate(cleaned["id_number"], exclude_pk=person.pk)
    if existing:
        raise Conflict("该身份证号码已登记在另一人员名下", {"id_number": "该身份证号码已登记"}, existing.pk)
    before = {field: getattr(person, field) for field in cleaned}
    with transaction.atomic():
        # .update() skips save(): the blind indexes are set here (the values are encrypted by their field).
        digests = personal_digests(id_number=cleaned["id_number"], phone=cleaned["phone"])
        updated = Person.objects.filter(pk=person.pk, version=version).update(
            **cleaned, **digests, version=F("version") + 1
        )
        if not updated:
            raise Conflict("该人员信息已被他人修改，请刷新后重试")
        person.refresh_from_db()
        audit_record(actor=actor, action="person.update", obj=person, changes=_audit_changes(before, cleaned))
    return person
