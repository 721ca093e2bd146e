"""Writes of the custody log (执法办案管理中心): entry, the stay log, questioning sessions, belongings and
their photos, returns, and the exit with its legal events.

Who writes: the center's officers (custody.center) on any stay they see, the case's own officers (lead or
assisting) on the stays of their cases; everybody else who may read is refused and the refusal audited.
Every write runs in one transaction and is audited; visibility is checked before the transaction opens,
so that a refusal's audit entry is never rolled back.

The timeline: the legal basis's start event was recorded by the measure itself (cases.services), so the
entry records none. Leaving ends a measure that ends with the stay (传唤/拘传: summons_ended at the
exit) unless an officer already ended it, and records the exit's own events (送看守所:
delivered_to_detention_center) with the person's key unless already there — supervision then sees met,
met late or breach by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, has_capability, require, scope_of_unit
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.models import Case, CaseActivity, CaseParty, Measure
from jingwu.cases.services import SCOPE_FIELDS, is_case_officer
from jingwu.cases.storage import store
from jingwu.cases.workflow import workflow
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.moments import stated_moment
from jingwu.custody.choices import ExitDestination, LogKind, SessionKind, StayStatus
from jingwu.custody.config import custody_config
from jingwu.custody.models import Belonging, BelongingPhoto, CustodyStay, QuestioningSession, StayLogEntry
from jingwu.org.models import User
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import legal_event_record

#: A stay is in scope when its case is (station, reviewing unit or handling unit).
STAY_SCOPE = tuple(f"case__{field}" for field in SCOPE_FIELDS)
#: Who may be named as an officer who brought a person in or questioned them (侦查/办案民警).
OFFICER_ROLES = ("officer", "unit_chief")
MIN_QUESTIONING_OFFICERS = 2  # 刑事诉讼法 第118条；公安机关办理行政案件程序规定 第75条: 不得少于二人


# --------------------------------------------------------------------------------------------------
# access


def may_manage(actor: Any, case: Case) -> bool:
    """The center's officers, or the case's own officers (the policy's custody.manage, narrowed per case)."""
    if not has_capability(actor, "custody.manage"):
        return False
    return has_capability(actor, "custody.center") or is_case_officer(actor, case)


def _require_manage(actor: Any, case: Case) -> None:
    require(actor, "custody.manage")
    if not may_manage(actor, case):
        audit_record(actor=actor, action="custody.manage", obj=case, outcome=Outcome.DENIED)
        raise PermissionDenied("custody.manage")


def visible_stay(actor: Any, stay_id: int) -> CustodyStay:
    """The stay if the actor may read it (its case in the actor's scope); a 404 otherwise."""
    stays = CustodyStay.objects.select_related("case", "party", "person", "measure")
    return get_visible_or_404(actor, "custody.view", stays, unit_field=STAY_SCOPE, pk=stay_id)


def _managed_stay(actor: Any, stay_id: int) -> CustodyStay:
    stay = visible_stay(actor, stay_id)
    _require_manage(actor, stay.case)
    return stay


def _locked(stay: CustodyStay) -> CustodyStay:
    """The stay row, locked for the rest of the transaction (one write to a stay at a time)."""
    return (
        CustodyStay.objects.select_for_update(of=("self",))
        .select_related("case", "party", "person", "measure")
        .get(pk=stay.pk)
    )


def officer_candidates(case: Case) -> QuerySet[User]:
    """Officers who may be named on a stay of the case: its own officers and the active officers of the
    units that handle, review or have the case's territory."""
    reach = scope_of_unit(case.station).q("unit") | scope_of_unit(case.reviewing_unit).q("unit")
    if case.handling_unit_id:
        reach |= scope_of_unit(case.handling_unit).q("unit")
    own = Q(pk=case.lead_officer_id) | Q(pk__in=case.officers.values("pk"))
    return (
        User.objects.filter(is_active=True)
        .filter((reach & Q(roles__code__in=OFFICER_ROLES)) | own)
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "full_name")
    )


def _officers(case: Case, ids: list[int], field: str) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    found = list(officer_candidates(case).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ServiceError("所选民警不在本案办案范围内", {field: "请选择本案或办案单位的民警"})
    return found


def _log_case(case: Case, actor: Any, text: str, at: datetime) -> None:
    CaseActivity.objects.create(case=case, actor=actor, text=text[:300], at=at)


def _outside(stay: CustodyStay, at: datetime) -> bool:
    return at < stay.entered_at or (stay.exited_at is not None and at > stay.exited_at)


def _stay_span(stay: CustodyStay) -> str:
    entered = timezone.localtime(stay.entered_at).strftime("%m-%d %H:%M")
    if stay.exited_at is None:
        return f"入区 {entered} 之后"
    return f"{entered} 至 {timezone.localtime(stay.exited_at).strftime('%m-%d %H:%M')}"


# --------------------------------------------------------------------------------------------------
# entry


def stay_register(
    *,
    actor: Any,
    case_id: int,
    party_id: int,
    measure_id: int,
    basis_document: str,
    brought_by_ids: list[int],
    entered_at: datetime | None = None,
    note: str = "",
) -> CustodyStay:
    """入区登记: a person of the case enters the center under an open measure and its document."""
    require(actor, "custody.manage")
    cases = Case.objects.select_related("station", "reviewing_unit", "handling_unit")
    case = get_visible_or_404(actor, "custody.view", cases, unit_field=SCOPE_FIELDS, pk=case_id)
    _require_manage(actor, case)
    party = CaseParty.objects.filter(pk=party_id, case=case).select_related("person").first()
    if party is None:
        raise ServiceError("当事人不属于该案件", {"party_id": "请选择本案当事人"})
    entered = stated_moment(entered_at, "entered_at")
    measure = Measure.objects.filter(pk=measure_id, case=case).first()
    bases = custody_config().legal_bases
    errors: dict[str, str] = {}
    if measure is None or measure.party_id != party.pk:
        errors["measure_id"] = "请选择对该当事人采取的措施"
    elif measure.kind not in bases:
        labels = "、".join(b.label for b in bases.values())
        errors["measure_id"] = f"该措施不能作为入区依据（可作为依据的：{labels}）"
    elif measure.ended_at is not None and measure.ended_at <= entered:
        errors["measure_id"] = "该措施已结束，不能作为入区依据"
    elif entered < measure.started_at:
        errors["entered_at"] = "入区时间不能早于措施开始（到案）时间"
    document = basis_document.strip()
    if not document:
        # 没有法律文书的不得带入办案区.
        errors["basis_document"] = "请填写法律文书文号（传唤证、拘传证、拘留证等）"
    if not brought_by_ids:
        errors["brought_by_ids"] = "请选择带入民警"
    if errors:
        message = "没有法律依据文书，不能登记入区" if "basis_document" in errors else "入区登记信息有误"
        raise ServiceError(message, errors)
    brought = _officers(case, brought_by_ids, "brought_by_ids")
    with transaction.atomic():
        inside = CustodyStay.objects.filter(person=party.person, status=StayStatus.INSIDE).first()
        if inside is not None:
            since = timezone.localtime(inside.entered_at).strftime("%Y-%m-%d %H:%M")
            raise Conflict(f"{party.person.name}已在办案中心内（自{since}起），不能重复登记入区")
        overlapping = CustodyStay.objects.filter(
            person=party.person, entered_at__lte=entered, exited_at__gt=entered
        ).exists()
        if overlapping:
            raise Conflict("该人员在所填入区时间已有在区记录", {"entered_at": "与已有在区记录重叠"})
        try:
            with transaction.atomic():
                stay = CustodyStay.objects.create(
                    case=case,
                    party=party,
                    person=party.person,
                    measure=measure,
                    basis_document=document[:80],
                    entered_at=entered,
                    registered_by=actor,
                    entry_note=note.strip()[:300],
                )
        except IntegrityError:
            # Another registration of the same person won the race (the partial unique index).
            raise Conflict(f"{party.person.name}已在办案中心内，不能重复登记入区") from None
        stay.brought_by.set(brought)
        label = bases[measure.kind].label
        _log_case(case, actor, f"进入执法办案管理中心：{party.person.name}（{label}，{document}）", entered)
        audit_record(
            actor=actor,
            action="custody.register",
            obj=stay,
            changes={
                "party": [None, party.key],
                "measure": [None, measure.kind],
                "document": [None, document],
            },
        )
    return stay


# --------------------------------------------------------------------------------------------------
# the stay log


def stay_log_add(
    *, actor: Any, stay_id: int, kind: str, text: str, at: datetime | None = None
) -> StayLogEntry:
    """在区情况记录: one dated line, by the officer who records it; the log is append-only."""
    stay = _managed_stay(actor, stay_id)
    errors: dict[str, str] = {}
    if kind not in LogKind.values:
        errors["kind"] = "请选择记录事项"
    if not text.strip():
        errors["text"] = "请填写情况"
    if errors:
        raise ServiceError("记录信息有误", errors)
    moment = stated_moment(at, "at")
    with transaction.atomic():
        stay = _locked(stay)
        if _outside(stay, moment):
            raise ServiceError("记录时间须在在区期间内", {"at": f"须在{_stay_span(stay)}"})
        entry = StayLogEntry.objects.create(stay=stay, kind=kind, at=moment, text=text.strip(), officer=actor)
        audit_record(actor=actor, action="custody.log", obj=stay, changes={"log": [None, kind]})
    return entry


# --------------------------------------------------------------------------------------------------
# questioning sessions


def _overlapping(sessions: QuerySet[QuestioningSession], start: datetime, end: datetime | None) -> bool:
    clash = sessions.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    if end is not None:
        clash = clash.filter(started_at__lt=end)
    return clash.exists()


def session_add(
    *,
    actor: Any,
    stay_id: int,
    kind: str,
    room: str,
    started_at: datetime,
    officer_ids: list[int],
    ended_at: datetime | None = None,
) -> QuestioningSession:
    """讯问/询问: in a room of the center, within the stay, by at least two officers; a room holds one
    session at a time and a person sits in one at a time."""
    stay = _managed_stay(actor, stay_id)
    errors: dict[str, str] = {}
    if kind not in SessionKind.values:
        errors["kind"] = "请选择讯问或询问"
    if room not in custody_config().rooms:
        errors["room"] = "请选择讯询问室"
    if len(set(officer_ids)) < MIN_QUESTIONING_OFFICERS:
        # 刑事诉讼法 第118条: 讯问由侦查人员负责，不得少于二人.
        errors["officer_ids"] = "讯问、询问民警不得少于二人"
    if errors:
        raise ServiceError(errors.get("officer_ids", "讯问/询问信息有误"), errors)
    start = stated_moment(started_at, "started_at")
    end = stated_moment(ended_at, "ended_at") if ended_at is not None else None
    if end is not None and end <= start:
        raise ServiceError("结束时间须晚于开始时间", {"ended_at": "结束时间须晚于开始时间"})
    officers = _officers(stay.case, officer_ids, "officer_ids")
    with transaction.atomic():
        stay = _locked(stay)
        if _outside(stay, start) or (end is not None and _outside(stay, end)):
            raise ServiceError("讯问/询问须在在区期间内进行", {"started_at": f"须在{_stay_span(stay)}"})
        if stay.exited_at is not None and end is None:
            raise ServiceError("已出区人员的讯问/询问须填写结束时间", {"ended_at": "请填写结束时间"})
        rooms = QuestioningSession.objects.select_for_update().filter(room=room)
        if _overlapping(rooms, start, end):
            name = custody_config().rooms[room]
            raise Conflict(f"{name}在该时段已有讯问/询问", {"room": "该时段已被占用"})
        if _overlapping(stay.sessions.all(), start, end):
            raise Conflict("该人员在该时段已有讯问/询问", {"started_at": "与本人已有的讯问/询问时段重叠"})
        session = QuestioningSession.objects.create(
            stay=stay, kind=kind, room=room, started_at=start, ended_at=end, recorded_by=actor
        )
        session.officers.set(officers)
        audit_record(
            actor=actor,
            action="custody.session",
            obj=stay,
            changes={"session": [None, kind], "room": [None, room], "officers": [None, len(officers)]},
        )
    return session


def session_end(*, actor: Any, session_id: int, ended_at: datetime | None = None) -> QuestioningSession:
    """结束讯问/询问."""
    session = QuestioningSession.objects.filter(pk=session_id).only("stay_id").first()
    if session is None:
        raise Http404
    stay = _managed_stay(actor, session.stay_id)
    end = stated_moment(ended_at, "ended_at")
    with transaction.atomic():
        stay = _locked(stay)
        session = QuestioningSession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            raise Conflict("该讯问/询问已结束")
        if end <= session.started_at:
            raise ServiceError("结束时间须晚于开始时间", {"ended_at": "结束时间须晚于开始时间"})
        session.ended_at = end
        session.save(update_fields=["ended_at"])
        audit_record(
            actor=actor, action="custody.session_end", obj=stay, changes={"session": [session.pk, None]}
        )
    return session


# --------------------------------------------------------------------------------------------------
# belongings


@dataclass(frozen=True)
class Photo:
    """An uploaded photo: its name as sent, its bytes, and the type the client claimed."""

    name: str
    content: bytes
    content_type: str = ""


def _image_type(content: bytes) -> str | None:
    """The image type by the file's own signature (magic bytes), never by its name or the claim."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def _file_name(name: str) -> str:
    base = re.split(r"[\\/]", name.strip())[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:200] or "photo"


def _check_photo(photo: Photo) -> str:
    config = custody_config()
    if not photo.content:
        raise ServiceError("照片文件为空", {"photos": "照片文件为空"})
    if len(photo.content) > config.photo_max_bytes:
        limit = config.photo_max_bytes // 2**20
        raise ServiceError("照片过大", {"photos": f"单张照片不能超过{limit} MB"})
    kind = _image_type(photo.content)
    if kind is None or kind not in config.photo_types:
        raise ServiceError("只能上传JPEG、PNG或WebP格式的照片", {"photos": "照片格式无效"})
    return kind


def _store_photo(belonging: Belonging, photo: Photo, kind: str, actor: Any) -> BelongingPhoto:
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[kind]
    path, digest = store(photo.content, area="custody", suffix=suffix)
    name = _file_name(photo.name)
    if not Path(name).suffix:
        name += suffix
    return BelongingPhoto.objects.create(
        belonging=belonging,
        file_name=name,
        content_type=kind,
        size=len(photo.content),
        sha256=digest,
        path=path,
        uploaded_by=actor,
    )


def belonging_add(
    *,
    actor: Any,
    stay_id: int,
    name: str,
    quantity: int = 1,
    description: str = "",
    photos: list[Photo] | tuple[Photo, ...] = (),
    at: datetime | None = None,
) -> Belonging:
    """随身物品登记: an item taken into safekeeping, with its photos."""
    stay = _managed_stay(actor, stay_id)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写物品名称"
    if quantity < 1:
        errors["quantity"] = "数量至少为1"
    if errors:
        raise ServiceError("物品信息有误", errors)
    kinds = [_check_photo(p) for p in photos]
    moment = stated_moment(at, "at")
    with transaction.atomic():
        stay = _locked(stay)
        if stay.status != StayStatus.INSIDE:
            raise Conflict("该人员已出区，不能再登记随身物品")
        if _outside(stay, moment):
            raise ServiceError("登记时间须在在区期间内", {"at": f"须在{_stay_span(stay)}"})
        belonging = Belonging.objects.create(
            stay=stay,
            name=name.strip()[:60],
            quantity=quantity,
            description=description.strip()[:300],
            registered_at=moment,
            registered_by=actor,
        )
        for photo, kind in zip(photos, kinds, strict=True):
            _store_photo(belonging, photo, kind, actor)
        audit_record(
            actor=actor,
            action="custody.belonging",
            obj=stay,
            changes={"belonging": [None, belonging.name], "photos": [None, len(kinds)]},
        )
    return belonging


def belonging_photo_add(*, actor: Any, belonging_id: int, photo: Photo) -> BelongingPhoto:
    """Add a photo to a registered belonging."""
    belonging = Belonging.objects.filter(pk=belonging_id).only("stay_id").first()
    if belonging is None:
        raise Http404
    stay = _managed_stay(actor, belonging.stay_id)
    kind = _check_photo(photo)
    with transaction.atomic():
        stay = _locked(stay)
        belonging = Belonging.objects.get(pk=belonging_id)
        stored = _store_photo(belonging, photo, kind, actor)
        audit_record(
            actor=actor,
            action="custody.photo",
            obj=stay,
            changes={"belonging": [None, belonging.name], "sha256": [None, stored.sha256]},
        )
    return stored


def _return(
    stay: CustodyStay,
    belongings: list[Belonging],
    actor: Any,
    *,
    received_by: str,
    signature_confirmed: bool,
    at: datetime,
) -> None:
    errors: dict[str, str] = {}
    if not received_by.strip():
        errors["received_by"] = "请填写领取人"
    if not signature_confirmed:
        errors["signature_confirmed"] = "领取人须签字确认"
    if errors:
        raise ServiceError("物品返还须由领取人签字确认", errors)
    for item in belongings:
        if at < item.registered_at:
            raise ServiceError("返还时间不能早于登记时间", {"returned_at": "返还时间不能早于登记时间"})
    ids = [b.pk for b in belongings]
    Belonging.objects.filter(pk__in=ids, returned_at__isnull=True).update(
        returned_at=at,
        received_by=received_by.strip()[:40],
        signature_confirmed=True,
        returned_by=actor,
    )
    audit_record(
        actor=actor,
        action="custody.return",
        obj=stay,
        changes={
            "returned": [None, [b.name for b in belongings]],
            "received_by": [None, received_by.strip()],
        },
    )


def belongings_return(
    *,
    actor: Any,
    stay_id: int,
    belonging_ids: list[int],
    received_by: str,
    signature_confirmed: bool,
    returned_at: datetime | None = None,
) -> list[Belonging]:
    """物品返还: the items are handed back and the receiver signs for them."""
    stay = _managed_stay(actor, stay_id)
    moment = stated_moment(returned_at, "returned_at")
    with transaction.atomic():
        stay = _locked(stay)
        items = list(stay.belongings.select_for_update().filter(pk__in=set(belonging_ids)))
        if not belonging_ids or len(items) != len(set(belonging_ids)):
            raise ServiceError("请选择本次在区登记的物品", {"belonging_ids": "请选择要返还的物品"})
        if any(b.returned_at is not None for b in items):
            raise Conflict("所选物品中有已返还的物品")
        _return(
            stay, items, actor, received_by=received_by, signature_confirmed=signature_confirmed, at=moment
        )
    return list(Belonging.objects.filter(pk__in=[b.pk for b in items]))


# --------------------------------------------------------------------------------------------------
# exit


def _open_measure(stay: CustodyStay, kinds: tuple[str, ...], at: datetime) -> Measure | None:
    return (
        Measure.objects.filter(party=stay.party, kind__in=kinds, started_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at))
        .first()
    )


def _end_basis(stay: CustodyStay, actor: Any, at: datetime) -> bool:
    """End the legal-basis measure at the exit when it ends with the stay and is still open, recording the
    workflow's end event (summons_ended) as cases.services.measure_end does. Conditional, so a measure an
    officer has ended meanwhile is left alone and no event is recorded twice."""
    basis = custody_config().legal_bases[stay.measure.kind]
    if not basis.ends_with_stay:
        return False
    if not Measure.objects.filter(pk=stay.measure_id, ended_at__isnull=True).update(ended_at=at):
        return False
    definition = workflow().measures[stay.measure.kind]
    legal_event_record(
        actor=actor,
        subject_type="case",
        subject_id=stay.case_id,
        code=definition.end,
        at=at,
        unit=stay.case.reviewing_unit,
        person=stay.party.key,
    )
    _log_case(stay.case, actor, f"结束{definition.label}：{stay.person.name}（离开执法办案管理中心）", at)
    audit_record(
        actor=actor, action="case.measure_end", obj=stay.case, changes={"measure": [definition.name, None]}
    )
    return True


def _exit_events(stay: CustodyStay, actor: Any, destination: str, at: datetime) -> list[str]:
    """The exit's own legal events, each once per stay (not if an officer recorded it already)."""
    recorded = []
    for code in custody_config().exits[destination].events:
        exists = LegalEvent.objects.filter(
            subject_type="case",
            subject_id=stay.case_id,
            code=code,
            person=stay.party.key,
            at__gte=stay.entered_at,
        ).exists()
        if exists:
            continue
        legal_event_record(
            actor=actor,
            subject_type="case",
            subject_id=stay.case_id,
            code=code,
            at=at,
            unit=stay.case.reviewing_unit,
            person=stay.party.key,
        )
        recorded.append(code)
    return recorded


def stay_exit(
    *,
    actor: Any,
    stay_id: int,
    destination: str,
    exited_at: datetime | None = None,
    note: str = "",
    unreturned_reason: str = "",
    return_all: bool = False,
    received_by: str = "",
    signature_confirmed: bool = False,
) -> CustodyStay:
    """出区登记: time and destination; belongings are returned and signed for (`return_all`), or the
    reason they stay behind is given (e.g. 作为证据移交涉案财物管理)."""
    stay = _managed_stay(actor, stay_id)
    config = custody_config()
    if destination not in ExitDestination.values:
        raise ServiceError("请选择出区去向", {"destination": "请选择出区去向"})
    moment = stated_moment(exited_at, "exited_at")
    with transaction.atomic():
        stay = _locked(stay)
        if stay.status != StayStatus.INSIDE:
            raise Conflict("该人员已出区")
        if moment <= stay.entered_at:
            raise ServiceError("出区时间不能早于入区时间", {"exited_at": "出区时间须晚于入区时间"})
        if stay.sessions.filter(ended_at__isnull=True).exists():
            raise Conflict("尚有未结束的讯问/询问，请先结束后再出区")
        if stay.sessions.filter(ended_at__gt=moment).exists() or stay.log.filter(at__gt=moment).exists():
            raise ServiceError(
                "出区时间不能早于已登记的讯问/询问或在区记录", {"exited_at": "出区时间早于已有记录"}
            )
        required = config.exits[destination].requires_open_measure
        if required and _open_measure(stay, required, moment) is None:
            labels = "、".join(workflow().measures[m].label for m in required)
            raise Conflict(
                f"“{ExitDestination(destination).label}”须先在案件中对该当事人采取{labels}",
                {"destination": f"须有进行中的{labels}"},
            )
        outstanding = list(stay.belongings.select_for_update().filter(returned_at__isnull=True))
        if outstanding and return_all:
            _return(
                stay,
                outstanding,
                actor,
                received_by=received_by,
                signature_confirmed=signature_confirmed,
                at=moment,
            )
            outstanding = []
        reason = unreturned_reason.strip()
        if outstanding and not reason:
            names = "、".join(b.name for b in outstanding)
            raise ServiceError(
                f"尚有随身物品未返还（{names}），须返还签收或说明未返还原因",
                {"unreturned_reason": "请说明原因，如：作为证据移交涉案财物管理"},
            )
        stay.status = StayStatus.LEFT
        stay.exited_at = moment
        stay.exit_destination = destination
        stay.exit_note = note.strip()[:300]
        stay.unreturned_reason = reason[:300] if outstanding else ""
        stay.exit_by = actor
        stay.save(
            update_fields=[
                "status",
                "exited_at",
                "exit_destination",
                "exit_note",
                "unreturned_reason",
                "exit_by",
            ]
        )
        ended = _end_basis(stay, actor, moment)
        events = _exit_events(stay, actor, destination, moment)
        label = ExitDestination(destination).label
        _log_case(stay.case, actor, f"离开执法办案管理中心：{stay.person.name}（{label}）", moment)
        audit_record(
            actor=actor,
            action="custody.exit",
            obj=stay,
            changes={
                "status": [StayStatus.INSIDE, StayStatus.LEFT],
                "destination": [None, destination],
                "measure_ended": [None, ended],
                "events": [None, events],
                "unreturned": [None, len(outstanding)],
            },
        )
    return stay
