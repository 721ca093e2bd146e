"""The person registry over the API (/api/persons/): personal data masked unless revealed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.people.choices import Sex
from jingwu.people.models import Person
from jingwu.people.selectors import person_get, person_list, person_reveal, personal_data
from jingwu.people.services import person_create, person_update

router = Router(tags=["人员"])

MAX_PAGE = 100


class PersonUnitRef(Schema):
    code: str
    name: str


class PersonOut(Schema):
    """A person as every viewer sees it: ID number, phone and address masked."""

    id: int
    name: str
    sex: str
    id_number: str
    phone: str
    address: str
    masked: bool
    unit: PersonUnitRef
    version: int
    created_at: datetime
    updated_at: datetime


class PersonDetailOut(PersonOut):
    notes: str


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class PersonalDataOut(Schema):
    id: int
    id_number: str
    phone: str
    address: str
    masked: bool


class PersonIn(Schema):
    name: str
    sex: str = Sex.UNKNOWN.value
    id_number: str | None = None
    phone: str = ""
    address: str = ""
    notes: str = ""


class PersonUpdateIn(PersonIn):
    version: int = Field(..., description="编辑时看到的版本号；他人已修改则返回409")


class PersonQuery(Schema):
    q: str = ""
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


def _masked(person: Person, *, detail: bool = False) -> dict[str, Any]:
    # Always the masked form: full values only come from the audited reveal endpoint.
    data = personal_data(person=person)
    out = {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "id_number": data.id_number,
        "phone": data.phone,
        "address": data.address,
        "masked": data.masked,
        "unit": person.unit,
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }
    if detail:
        out["notes"] = person.notes
    return out


def _require_view(request: HttpRequest) -> None:
    # Roles without person.view get a clear (audited) 403 instead of an always-empty list.
    require(request.auth, "person.view")


@router.get("/", response=PersonPage, summary="人员列表（脱敏，分页）")
def list_persons(request: HttpRequest, params: Query[PersonQuery]) -> dict[str, Any]:
    _require_view(request)
    people = person_list(actor=request.auth, query=params.q)
    page = people[params.offset : params.offset + params.limit]
    return {
        "count": people.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_masked(p) for p in page],
    }


@router.get("/{int:person_id}", response=PersonDetailOut, summary="人员详情（脱敏；查看留痕）")
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _masked(person_get(actor=request.auth, person_id=person_id), detail=True)


@router.post("/{int:person_id}/reveal", response=PersonalDataOut, summary="查看完整个人信息（留痕）")
def reveal_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    data = person_reveal(actor=request.auth, person_id=person_id)
    return {
        "id": person_id,
        "id_number": data.id_number,
        "phone": data.phone,
        "address": data.address,
        "masked": data.masked,
    }


@router.post("/", response={201: PersonDetailOut}, summary="登记人员")
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    person = person_create(actor=request.auth, **payload.model_dump())
    return Status(201, _masked(person, detail=True))


@router.put("/{int:person_id}", response=PersonDetailOut, summary="修改人员（须带版本号）")
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> dict[str, Any]:
    person = person_update(actor=request.auth, person_id=person_id, **payload.model_dump())
    return _masked(person, detail=True)
