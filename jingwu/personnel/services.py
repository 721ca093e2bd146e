"""Writes of 队伍建设: courses and attendance (教育训练), honours (荣誉) and the stations' brand pages
(一所一品牌一特色).

The policy: an officer's records are theirs to read; a chief reads those of the officers of his unit
scope; leaders and the political department (政工, bureau-wide) the whole bureau's. Only the political
department writes training records and honours; a station's chief keeps his station's brand page.
Every write runs in one transaction with its audit entry; visibility is checked before it opens, so that
a refusal's audit entry is kept.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, has_capability, require, unit_scope
from jingwu.access.roles import CAPABILITIES
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record, diff_changes
from jingwu.cases.storage import store
from jingwu.core.errors import ServiceError
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit, User
from jingwu.personnel.choices import AttendanceStatus, HonourKind, HonourLevel
from jingwu.personnel.models import BrandActivity, BrandPhoto, Course, Enrolment, Honour, StationBrand
from jingwu.personnel.training import course_kinds

# The roles that have a personnel record at all: the police officers of the bureau (not the external
# users, the village assistants, nor the accounts that only audit or administer).
POLICE_ROLES: frozenset[str] = frozenset(str(role) for role in CAPABILITIES["personnel.view"])
BRAND_UNIT_KINDS = (UnitKind.STATION, UnitKind.JOINT_STATION, UnitKind.BRIGADE)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


# --------------------------------------------------------------------------------------------------
# the policy for personal records


def records_q(actor: Any, *, officer_field: str = "officer", unit_field: str = "unit") -> Q:
    """The personal records (参训记录…) the actor may read: their own; with `personnel.review` also those
    recorded in the units of their scope (a chief his unit's, leaders and 政工 the bureau's)."""
    if not has_capability(actor, "personnel.view"):
        return Q(pk__in=[])
    own = Q(**{officer_field: actor})
    if not has_capability(actor, "personnel.review"):
        return own
    scope = unit_scope(actor)
    if scope.everything:
        return Q()  # an empty Q would vanish from an OR
    return own | scope.q(unit_field)


def may_see_officer(actor: Any, officer: User) -> bool:
    if not has_capability(actor, "personnel.view"):
        return False
    if officer.pk == actor.pk:
        return True
    return has_capability(actor, "personnel.review") and unit_scope(actor).contains(officer.unit.path)


def visible_officer(actor: Any, officer_id: int) -> User:
    """An officer whose record the actor may read; anyone else is a 404 (audited), as everywhere."""
    require(actor, "personnel.view")
    officer = User.objects.select_related("unit").filter(pk=officer_id).first()
    if officer is None or not officer.role_codes & POLICE_ROLES or not may_see_officer(actor, officer):
        audit_record(
            actor=actor,
            action="personnel.view",
            object_type="org.user",
            object_id=officer_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return officer


def visible_enrolments(actor: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(records_q(actor))


# --------------------------------------------------------------------------------------------------
# courses


def _date_field(value: Any, field: str, label: str, errors: dict[str, str]) -> date | None:
    if not isinstance(value, date):
        errors[field] = f"请填写{label}"
        return None
    return value


def _score(value: Any, field: str = "score") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError("成绩无效", {field: "请填写0至100之间的分数"}) from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ServiceError("成绩无效", {field: "请填写0至100之间的分数"})
    return score.quantize(Decimal("0.1"))


def required_officers(course: Course) -> QuerySet[User]:
    """The active officers a course requires: holding one of its roles (all police roles when none is
    named), in one of its units or below (the whole bureau when none is named)."""
    roles = course.required_roles or sorted(POLICE_ROLES)
    users = User.objects.filter(is_active=True, roles__code__in=roles)
    units = list(course.required_units.values_list("path", flat=True))
    if units:
        where = Q(pk__in=[])
        for path in units:
            where |= Q(unit__path__startswith=path)
        users = users.filter(where)
    return users.select_related("unit").distinct().order_by("unit__path", "username")


def course_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
    due_on: date | None = None,
    location: str = "",
    description: str = "",
    pass_score: Any = None,
    unit_ids: list[int] | None = None,
    roles: list[str] | None = None,
) -> Course:
    """计划课程: plan a course and enrol every officer it requires (参训名单)."""
    require(actor, "personnel.manage")
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "请填写课程名称"
    kinds = course_kinds()
    if kind not in kinds:
        errors["kind"] = "请选择课程类别"
    start = _date_field(starts_on, "starts_on", "开始日期", errors)
    end = ends_on or start
    due = due_on or end
    if start and end and end < start:
        errors["ends_on"] = "结束日期不能早于开始日期"
    elif start and due and due < start:
        errors["due_on"] = "应完成日期不能早于开始日期"
    roles = [str(r) for r in roles or []]
    if not set(roles) <= POLICE_ROLES:
        errors["roles"] = "参训岗位无效"
    units = list(Unit.objects.filter(pk__in=unit_ids or [], is_active=True))
    if len(units) != len(set(unit_ids or [])):
        errors["unit_ids"] = "参训单位无效"
    try:
        score = _score(pass_score, "pass_score")
    except ServiceError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError("课程信息有误，请修改后再提交", errors)
    with transaction.atomic():
        course = Course.objects.create(
            title=title,
            kind=kind,
            is_legal_training=kinds[kind].legal,
            description=description.strip(),
            location=location.strip(),
            starts_on=start,
            ends_on=end,
            due_on=due,
            pass_score=score,
            required_roles=sorted(roles),
            organiser=actor.unit,
            created_by=actor,
        )
        course.required_units.set(units)
        added = _enrol(course)
        audit_record(
            actor=actor,
            action="personnel.course_create",
            obj=course,
            changes={
                "kind": [None, kind],
                "due_on": [None, due.isoformat()],
                "units": [None, [u.code for u in units]],
                "roles": [None, course.required_roles],
                "enrolled": [None, added],
            },
        )
    return course


def _enrol(course: Course) -> int:
    have = set(course.enrolments.values_list("officer_id", flat=True))
    rows = [
        Enrolment(course=course, officer=user, unit=user.unit)
        for user in required_officers(course)
        if user.pk not in have
    ]
    Enrolment.objects.bulk_create(rows)
    return len(rows)


def course_enrol_required(*, actor: Any, course_id: int) -> int:
    """补充参训名单: enrol the officers the course requires who are not on it yet (e.g. newly assigned
    to a required unit). Idempotent; returns how many were added."""
    require(actor, "personnel.manage")
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise Http404
    with transaction.atomic():
        added = _enrol(course)
        audit_record(
            actor=actor, action="personnel.course_enrol", obj=course, changes={"enrolled": [None, added]}
        )
    return added


def attendance_record(
    *,
    actor: Any,
    enrolment_id: int,
    status: str,
    score: Any = None,
    note: str = "",
    today: date | None = None,
) -> Enrolment:
    """登记参训情况: attended (with the score when the course is examined), absent, exempt, or back to
    required. Whether the officer passed is decided here, from the course's pass mark."""
    require(actor, "personnel.manage")
    enrolment = get_visible_or_404(
        actor, "personnel.manage", Enrolment.objects.select_related("course", "officer"), pk=enrolment_id
    )
    course = enrolment.course
    today = today or timezone.localdate()
    if status not in AttendanceStatus.values:
        raise ServiceError("参训情况无效", {"status": "请选择参训情况"})
    value = _score(score)
    if status == AttendanceStatus.ATTENDED and course.starts_on > today:
        raise ServiceError("课程尚未开始，不能登记参训", {"status": "课程尚未开始"})
    if value is not None and status != AttendanceStatus.ATTENDED:
        raise ServiceError("只有已参训的民警才有成绩", {"score": "未参训不应填写成绩"})
    if status == AttendanceStatus.ATTENDED and course.pass_score is not None and value is None:
        raise ServiceError("该课程有考核，请填写成绩", {"score": "请填写成绩"})
    if status == AttendanceStatus.EXEMPT and not note.strip():
        raise ServiceError("免训须写明原因", {"note": "请填写免训原因"})
    if status == AttendanceStatus.ATTENDED:
        passed: bool | None = (
            value >= course.pass_score if course.pass_score is not None and value is not None else True
        )
    elif status == AttendanceStatus.ABSENT:
        passed = False
    else:
        passed = None
    before = {
        "status": enrolment.status,
        "score": str(enrolment.score) if enrolment.score is not None else None,
        "passed": enrolment.passed,
        "note": enrolment.note,
    }
    with transaction.atomic():
        enrolment.status, enrolment.score, enrolment.passed = status, value, passed
        enrolment.note = note.strip()[:200]
        enrolment.recorded_by, enrolment.recorded_at = actor, timezone.now()
        enrolment.save(update_fields=["status", "score", "passed", "note", "recorded_by", "recorded_at"])
        after = {
            "status": status,
            "score": str(value) if value is not None else None,
            "passed": passed,
            "note": enrolment.note,
        }
        audit_record(
            actor=actor,
            action="personnel.attendance_record",
            obj=enrolment,
            changes=diff_changes(before, after),
        )
    return enrolment


# --------------------------------------------------------------------------------------------------
# honours


def honour_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    level: str,
    awarded_on: date,
    awarding_body: str,
    citation: str = "",
    unit_id: int | None = None,
    officer_id: int | None = None,
    date_is_illustrative: bool = False,
    today: date | None = None,
) -> Honour:
    """登记荣誉: an officer's (个人) or a unit's (集体); an individual honour hangs on the officer's unit."""
    require(actor, "personnel.manage")
    errors: dict[str, str] = {}
    if kind not in HonourKind.values:
        errors["kind"] = "请选择荣誉类型"
    if level not in HonourLevel.values:
        errors["level"] = "请选择层级"
    title, awarding_body = title.strip(), awarding_body.strip()
    if not title:
        errors["title"] = "请填写荣誉名称"
    if not awarding_body:
        errors["awarding_body"] = "请填写授予机关"
    if not isinstance(awarded_on, date):
        errors["awarded_on"] = "请填写授予日期"
    elif awarded_on > (today or timezone.localdate()):
        errors["awarded_on"] = "授予日期不能晚于今天"
    officer, unit = None, None
    if kind == HonourKind.INDIVIDUAL:
        officer = User.objects.select_related("unit").filter(pk=officer_id, is_active=True).first()
        if officer is None or not officer.role_codes & POLICE_ROLES:
            errors["officer_id"] = "请选择获得荣誉的民警"
        else:
            unit = officer.unit
    elif kind == HonourKind.COLLECTIVE:
        unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
        if unit is None or unit.kind == UnitKind.EXTERNAL:
            errors["unit_id"] = "请选择获得荣誉的单位"
    if errors:
        raise ServiceError("荣誉信息有误，请修改后再提交", errors)
    with transaction.atomic():
        honour = Honour.objects.create(
            kind=kind,
            title=title,
            level=level,
            awarded_on=awarded_on,
            date_is_illustrative=date_is_illustrative,
            awarding_body=awarding_body,
            citation=citation.strip(),
            unit=unit,
            officer=officer,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="personnel.honour_create",
            obj=honour,
            changes={
                "title": [None, title],
                "awarded_on": [None, awarded_on.isoformat()],
                "unit": [None, unit.code],
            },
        )
    return honour


# --------------------------------------------------------------------------------------------------
# station culture (一所一品牌一特色)


def _brand_unit(actor: Any, unit_id: int) -> Unit:
    require(actor, "culture.manage")
    unit = Unit.objects.filter(pk=unit_id, is_active=True, kind__in=BRAND_UNIT_KINDS).first()
    if unit is None or not unit_scope(actor).contains(unit.path):
        audit_record(
            actor=actor,
            action="culture.manage",
            object_type="org.unit",
            object_id=unit_id,
            outcome=Outcome.DENIED,
        )
        raise Http404
    return unit


def brand_save(*, actor: Any, unit_id: int, name: str, motto: str = "", text: str) -> StationBrand:
    """保存所队品牌: a station's chief (his own) or the political department (any) writes the brand page."""
    unit = _brand_unit(actor, unit_id)
    name, motto, text = name.strip(), motto.strip(), text.strip()
    errors = {}
    if not name:
        errors["name"] = "请填写品牌名称"
    if not text:
        errors["text"] = "请填写品牌介绍"
    if errors:
        raise ServiceError("品牌信息有误，请修改后再提交", errors)
    with transaction.atomic():
        brand = StationBrand.objects.select_for_update().filter(unit=unit).first()
        before = {"name": brand.name, "motto": brand.motto, "text": brand.text} if brand else {}
        if brand is None:
            brand = StationBrand(unit=unit)
        brand.name, brand.motto, brand.text, brand.updated_by = name, motto, text, actor
        brand.save()
        audit_record(
            actor=actor,
            action="culture.brand_save",
            obj=brand,
            changes=diff_changes(before, {"name": name, "motto": motto, "text": text}),
        )
    return brand


def _brand(actor: Any, brand_id: int) -> StationBrand:
    brand = StationBrand.objects.select_related("unit").filter(pk=brand_id).first()
    if brand is None:
        raise Http404
    _brand_unit(actor, brand.unit_id)
    return brand


def _image_type(content: bytes) -> str | None:
    """The image type by its first bytes (what the file is, not what its name says)."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def brand_photo_add(*, actor: Any, brand_id: int, name: str, content: bytes, caption: str = "") -> BrandPhoto:
    """上传品牌照片: a JPEG, PNG or WebP image, stored under its SHA-256."""
    brand = _brand(actor, brand_id)
    if not content:
        raise ServiceError("文件为空", {"photo": "文件为空"})
    if len(content) > MAX_PHOTO_BYTES:
        raise ServiceError("文件过大", {"photo": f"单张照片不能超过{MAX_PHOTO_BYTES // 2**20} MB"})
    content_type = _image_type(content)
    if content_type is None:
        raise ServiceError("只能上传照片（JPEG、PNG、WebP）", {"photo": "只能上传照片（JPEG、PNG、WebP）"})
    file_name = re.sub(r"[\\/\x00-\x1f]", "_", Path(name or "photo").name)[:200] or "photo"
    path, digest = store(content, area="personnel", suffix=PHOTO_TYPES[content_type])
    with transaction.atomic():
        photo = BrandPhoto.objects.create(
            brand=brand,
            caption=caption.strip()[:100],
            file_name=file_name,
            content_type=content_type,
            size=len(content),
            sha256=digest,
            path=path,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action="culture.photo_add",
            obj=brand,
            changes={"photo": [None, file_name], "sha256": [None, digest]},
        )
    return photo


def brand_activity_add(
    *,
    actor: Any,
    brand_id: int,
    title: str,
    held_on: date,
    summary: str,
    place: str = "",
    today: date | None = None,
) -> BrandActivity:
    """登记品牌活动: an activity the station held under its brand."""
    brand = _brand(actor, brand_id)
    errors = {}
    title, summary = title.strip(), summary.strip()
    if not title:
        errors["title"] = "请填写活动名称"
    if not summary:
        errors["summary"] = "请填写活动情况"
    if not isinstance(held_on, date):
        errors["held_on"] = "请填写活动日期"
    elif held_on > (today or timezone.localdate()):
        errors["held_on"] = "活动日期不能晚于今天"
    if errors:
        raise ServiceError("活动信息有误，请修改后再提交", errors)
    with transaction.atomic():
        activity = BrandActivity.objects.create(
            brand=brand, title=title, held_on=held_on, place=place.strip(), summary=summary, recorded_by=actor
        )
        audit_record(
            actor=actor, action="culture.activity_add", obj=activity, changes={"brand": [None, brand.name]}
        )
    return activity
