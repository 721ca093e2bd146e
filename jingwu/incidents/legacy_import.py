"""Importing historical incidents from a legacy system (历史警情导入): CSV or .xlsx in the layout of
docs/import.md, validated row by row in plain Python, loaded in bulk (PostgreSQL: the new callers and the
incidents each with one COPY; SQLite: executemany), then the rollups recounted in bulk and the search
entries written in bulk, at once or by a background job (`import_index_task`).

A row is loaded whole or not at all: every check runs before anything is written, and a rejected row
is reported with its line number and the reason in Chinese. The legacy number becomes the incident's
idempotency key (`import:<接警编号>`), so running the same file again loads nothing twice.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import operator
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from jingwu.access.policy import require, scope_of_unit
from jingwu.audit.services import audit_record
from jingwu.core.errors import ServiceError
from jingwu.core.identity import InvalidIdentity, normalise_id_number, normalise_phone, sex_from_id_number
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.choices import Disposition, Priority, Source, Status
from jingwu.incidents.models import Incident
from jingwu.incidents.routing import Route, area_of, route_for
from jingwu.incidents.taxonomy import taxonomy
from jingwu.org.models import Unit
from jingwu.people.choices import Sex
from jingwu.people.models import Person

logger = logging.getLogger("jingwu.incidents.import")

TZ = ZoneInfo("Asia/Shanghai")
KEY_PREFIX = "import:"
# The incident number of the project's scheme (incident_create): county code, local day, row id.
NUMBER_FORMAT = "J350824{day:%Y%m%d}{pk:06d}"
EARLIEST = datetime(1990, 1, 1, tzinfo=TZ)

# Header (as written in the legacy file, compared without spaces and case) → field.
HEADERS: dict[str, str] = {}
_ALIASES = {
    "legacy_number": ("接警编号", "警情编号", "接警单编号", "原警情编号", "编号", "legacy_number", "number"),
    "received_at": ("接警时间", "报警时间", "received_at", "time"),
    "caller_name": ("报警人", "报警人姓名", "caller_name", "caller"),
    "caller_phone": ("联系电话", "报警电话", "报警人电话", "caller_phone", "phone"),
    "caller_id_number": ("身份证号", "报警人身份证号", "身份证号码", "caller_id_number", "id_number"),
    "township": ("乡镇", "乡镇（街道）", "乡镇街道", "案发乡镇", "township"),
    "village": ("村（社区）", "村社区", "村居", "村", "社区", "village"),
    "address": ("案发地点", "发案地点", "详细地址", "地址", "address", "place"),
    "category": ("警情类别", "警情类型", "类别", "category"),
    "subcategory": ("警情细类", "细类", "subcategory"),
    "narrative": ("简要警情", "警情内容", "报警内容", "narrative"),
    "disposition": ("处置结果", "处理结果", "disposition"),
    "handling_unit": ("处警单位", "管辖单位", "handling_unit", "unit"),
    "source": ("报警方式", "source"),
    "priority": ("等级", "警情等级", "priority"),
    "dispatched_at": ("派警时间", "dispatched_at"),
    "arrived_at": ("到场时间", "arrived_at"),
    "closed_at": ("结束时间", "办结时间", "closed_at"),
}
for _field, _names in _ALIASES.items():
    for _name in _names:
        HEADERS[_name.lower()] = _field
REQUIRED = ("legacy_number", "received_at", "category", "narrative")
FIELD_LABELS = {
    "legacy_number": "接警编号",
    "received_at": "接警时间",
    "category": "警情类别",
    "narrative": "简要警情",
    "dispatched_at": "派警时间",
    "arrived_at": "到场时间",
    "closed_at": "结束时间",
}

# Legacy words for a disposition (处置结果) → our choice; anything else is kept as text only.
_DISPOSITION_WORDS = (
    ("刑事", Disposition.CRIMINAL_CASE),
    ("行政", Disposition.ADMINISTRATIVE_CASE),
    ("治安案件", Disposition.ADMINISTRATIVE_CASE),
    ("调解", Disposition.DISPUTE),
    ("移交", Disposition.REFERRED),
    ("移送", Disposition.REFERRED),
    ("劝", Disposition.ADVICE),
    ("告知", Disposition.ADVICE),
    ("无需", Disposition.NO_ACTION),
    ("无效", Disposition.NO_ACTION),
)
_SOURCE_WORDS = {
    "110": Source.PHONE_110,
    "电话": Source.PHONE_110,
    "来所": Source.WALK_IN,
    "网上": Source.ONLINE,
}
_STEPS = (("dispatched_at", "派警时间"), ("arrived_at", "到场时间"), ("closed_at", "结束时间"))
_PRIORITY_WORDS = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3, "紧急": 1}

_MOMENT = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?分?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?")
_MOBILE = re.compile(r"1\d{10}")


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line in the file (the header is line 1) and why, in Chinese."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did (导入结果)."""

    file_name: str
    sha256: str
    rows: int = 0
    loaded: int = 0
    already_imported: int = 0
    rejected: list[RowError] = field(default_factory=list)
    callers_registered: int = 0
    incident_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)  # the callers registered
    index_job_id: str = ""  # the search-index job, when the import left the index to a worker
    dry_run: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return self.rows - len(self.rejected)


# --------------------------------------------------------------------------------------------------
# reading the file


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (which legacy Chinese systems export; a superset of
    GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ServiceError(_("文件编码无法识别：请使用UTF-8或GB18030编码的CSV")) from exc


def _header_fields(header: Iterable[Any]) -> list[str | None]:
    names = [re.sub(r"\s+", "", str(h or "")).lower() for h in header]
    fields = [HEADERS.get(n) for n in names]
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in fields]
    if missing:
        raise ServiceError(_("表头缺少必填列：%(columns)s") % {"columns": "、".join(missing)})
    if "township" not in fields and "address" not in fields and "village" not in fields:
        raise ServiceError(_("表头缺少地点列：乡镇、村（社区）或案发地点至少一列"))
    return fields


def _csv_rows(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        fields = _header_fields(next(reader))
    except StopIteration:
        raise ServiceError(_("文件为空")) from None
    start = reader.line_num + 1
    for values in reader:
        if any(v.strip() for v in values):
            yield start, {f: v for f, v in zip(fields, values, strict=False) if f}
        start = reader.line_num + 1


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        try:
            fields = _header_fields(next(rows))
        except StopIteration:
            raise ServiceError(_("文件为空")) from None
        for line, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield line, {f: v for f, v in zip(fields, values, strict=False) if f}
    finally:
        book.close()


def read_rows(data: bytes, file_name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's data rows as (line number, {field: raw value}); .xlsx by name or by its zip magic."""
    if file_name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    return _csv_rows(data)


# --------------------------------------------------------------------------------------------------
# matching to the taxonomy and the divisions


def _text(value: Any) -> str:
    if type(value) is str:  # a CSV's every cell: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into Excel as a number
    return str(value).strip()


def _place_aliases(name: str) -> set[str]:
    """桃溪村委会 → 桃溪村委会, 桃溪村, 桃溪; 河东社区居委会 → 河东社区, 河东; 桃溪镇 → 桃溪."""
    names = {name}
    for suffix, keep in (
        ("社区居委会", "社区"),
        ("社区居民委员会", "社区"),
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居委会", ""),
        ("街道", ""),
        ("镇", ""),
        ("乡", ""),
    ):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            names |= {stem + keep, stem} if len(stem) >= 2 else {stem + keep}
            break
    names.discard("")
    return names


def _category_aliases() -> dict[str, tuple[str, str]]:
    """Every way a legacy file may name a sub-type: code, `category/code`, name, `类别·细类`, and a bare
    category (its 其他… sub-type, where it has one)."""
    found: dict[str, tuple[str, str]] = {}
    names: dict[str, list[tuple[str, str]]] = {}
    for cat in taxonomy().categories.values():
        cat_names = {cat.name, cat.name.removesuffix("警情"), cat.code}
        for code, name in cat.subtypes.items():
            pair = (cat.code, code)
            names.setdefault(name, []).append(pair)
            found[code] = pair
            for cname in cat_names:
                for sep in ("·", "/", "-", "—", ".", "／", "|"):
                    found[f"{cname}{sep}{name}"] = pair
                    found[f"{cname}{sep}{code}"] = pair
        other = next((c for c, n in cat.subtypes.items() if n.startswith("其他")), None)
        if other:
            for cname in cat_names:
                found.setdefault(cname, (cat.code, other))
    for name, pairs in names.items():
        if len(pairs) == 1:  # a name two categories share must come with its category
            found.setdefault(name, pairs[0])
    return found


@dataclass
class _Lookups:
    townships: dict[str, Division]
    villages: dict[int, dict[str, Division]]  # township id → alias → village
    seat: dict[int, Division]  # township id → the village used when only the township is known
    by_code: dict[str, Division]
    categories: dict[str, tuple[str, str]]
    routes: dict[int, Route]
    scope: Any

    @classmethod
    def load(cls, unit: Unit | None) -> _Lookups:
        divisions = list(
            Division.objects.filter(level__in=(DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE))
            .select_related("parent", "station")
            .order_by("code")
        )
        townships: dict[str, Division] = {}
        villages: dict[int, dict[str, Division]] = {}
        seat: dict[int, Division] = {}
        for d in divisions:
            if d.level == DivisionLevel.TOWNSHIP:
                for alias in _place_aliases(d.name) | {d.code, d.code[:9]}:
                    townships[alias] = d
            elif d.station_id is not None and d.parent_id is not None:
                bucket = villages.setdefault(d.parent_id, {})
                for alias in _place_aliases(d.name):
                    bucket.setdefault(alias, d)
                seat.setdefault(d.parent_id, d)
        return cls(
            townships=townships,
            villages=villages,
            seat=seat,
            by_code={d.code: d for d in divisions if d.level == DivisionLevel.VILLAGE and d.station_id},
            categories=_category_aliases(),
            routes={},
            scope=scope_of_unit(unit) if unit else None,
        )

    def route(self, village: Division) -> Route:
        route = self.routes.get(village.station_id)
        if route is None:
            route = self.routes[village.station_id] = route_for(village)
        return route

    def township_in(self, text: str) -> Division | None:
        """The township an address names (武平县桃溪镇…): the longest alias found in it."""
        best = None
        for alias, township in self.townships.items():
            usable = len(alias) >= 2 and not alias.isdigit() and alias in text
            if usable and (best is None or len(alias) > len(best[0])):
                best = (alias, township)
        return best[1] if best else None

    def village_in(self, township: Division, text: str) -> Division | None:
        best = None
        for alias, village in self.villages.get(township.pk, {}).items():
            if len(alias) >= 2 and alias in text and (best is None or len(alias) > len(best[0])):
                best = (alias, village)
        return best[1] if best else None


# --------------------------------------------------------------------------------------------------
# one row


class _Reject(Exception):
    """A row's refusal; the message (gettext, Chinese) is formatted with the named values."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message % values if values else message)


def parse_moment(value: Any, label: str, *, required: bool, now: datetime | None = None) -> datetime | None:
    """A legacy time (2024-03-05 14:23[:11], 2024/3/5 14:23, 2024年3月5日14时23分, 20240305142311, or an
    Excel date cell) read as Asia/Shanghai time; no time of day is an error."""
    if value is None or value == "":
        if required:
            raise _Reject(_("缺少必填项：%(field)s"), field=label)
        return None
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=TZ) if value.tzinfo is None else value
    else:
        text = str(value).strip()
        match = _MOMENT.fullmatch(text) or _COMPACT.fullmatch(text)
        if match is None or match.group(4) is None:
            raise _Reject(
                _("%(field)s格式错误（%(value)s），应为“2024-03-05 14:23”"), field=label, value=text
            )
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
        try:
            moment = datetime(y, mo, d, h, mi, s, tzinfo=TZ)
        except ValueError:
            raise _Reject(_("%(field)s不是有效的日期时间（%(value)s）"), field=label, value=text) from None
    if moment < EARLIEST or moment > (now or datetime.now(TZ)):
        raise _Reject(_("%(field)s超出范围（%(value)s）"), field=label, value=f"{moment:%Y-%m-%d %H:%M}")
    return moment


class _Validator:
    """Checks and converts rows; remembers the legacy numbers seen so far in the file."""

    def __init__(self, lookups: _Lookups) -> None:
        self.lookups = lookups
        self.seen: dict[str, int] = {}
        self.mobile_ok: dict[str, bool] = {}
        self.now = datetime.now(TZ)
        self.places: dict[tuple[Any, ...], Any] = {}
        self.categories: dict[tuple[Any, ...], Any] = {}
        self.default_source: str = Source.PHONE_110.value
        self.default_priority = int(Priority.NORMAL)
        self.closed: str = Status.CLOSED.value
        # Labels resolved once (lazy translations are slow to compare row by row), texts memoised.
        with translation.override("zh-hans"):
            self.source_names = {str(s.label): s.value for s in Source} | {s.value: s.value for s in Source}
            self.disposition_names = {str(d.label): d.value for d in Disposition} | {
                d.value: d.value for d in Disposition
            }
        self.sources: dict[str, str | None] = {}
        self.dispositions: dict[str, str] = {}

    def source(self, text: str) -> str | None:
        if text not in self.sources:
            self.sources[text] = self.source_names.get(text) or next(
                (v.value for w, v in _SOURCE_WORDS.items() if w in text), None
            )
        return self.sources[text]

    def disposition(self, text: str) -> str:
        if text not in self.dispositions:
            self.dispositions[text] = self.disposition_names.get(text) or next(
                (v.value for w, v in _DISPOSITION_WORDS if w in text), ""
            )
        return self.dispositions[text]

    def phone(self, raw: str) -> str:
        # libphonenumber's metadata decides a Chinese mobile number by its 号段 (the 7-digit block the
        # numbering plan allocates), so the project's validator runs once per 号段, not once per row;
        # a 号段 that is not a valid mobile one sends its numbers through the validator one by one.
        if _MOBILE.fullmatch(raw):
            mobile = self.mobile_ok.get(raw[:7])
            if mobile is None:
                try:
                    mobile = normalise_phone(raw) == raw
                except InvalidIdentity:
                    mobile = False
                self.mobile_ok[raw[:7]] = mobile
            if mobile:
                return raw
        try:
            return normalise_phone(raw)
        except InvalidIdentity as exc:
            raise _Reject(_("联系电话格式错误（%(value)s）：%(reason)s"), value=raw, reason=exc) from None

    def place(self, row: dict[str, Any]) -> Division:
        township_text = _text(row.get("township"))
        village_text = _text(row.get("village"))
        address = _text(row.get("address"))
        lk = self.lookups
        if village_text in lk.by_code:
            village = lk.by_code[village_text]
            if township_text and lk.townships.get(township_text) not in (None, village.parent):
                raise _Reject(
                    _("村（社区）“%(village)s”不属于乡镇“%(township)s”"),
                    village=village_text,
                    township=township_text,
                )
            return village
        if township_text:
            bare = township_text.removeprefix("武平县")
            township = lk.townships.get(township_text) or lk.townships.get(bare)
            if township is None:
                raise _Reject(_("未知乡镇（%(value)s），应为武平县的乡镇或街道"), value=township_text)
        else:
            township = lk.township_in(village_text + address) if (village_text or address) else None
            if township is None:
                raise _Reject(_("缺少必填项：乡镇（案发地点中也未写明乡镇）"))
        if village_text:
            village = lk.villages.get(township.pk, {}).get(village_text)
            village = village or lk.village_in(township, village_text)
            if village is None:
                raise _Reject(
                    _("乡镇“%(township)s”没有村（社区）“%(village)s”"),
                    township=township.name,
                    village=village_text,
                )
            return village
        village = lk.village_in(township, address) if address else None
        seat = lk.seat.get(township.pk)
        if village is None and seat is None:
            raise _Reject(_("乡镇“%(township)s”没有可用的村（社区）"), township=township.name)
        return village or seat

    def category(self, row: dict[str, Any]) -> tuple[str, str]:
        raw = re.sub(r"\s+", "", _text(row.get("category")))
        sub = re.sub(r"\s+", "", _text(row.get("subcategory")))
        if not raw:
            raise _Reject(_("缺少必填项：警情类别"))
        cats = self.lookups.categories
        if sub:
            found = cats.get(f"{raw}·{sub}")
            by_sub, by_cat = cats.get(sub), cats.get(raw)
            if found is None and by_sub and (by_cat is None or by_cat[0] == by_sub[0]):
                found = by_sub
        else:
            found = cats.get(raw) or cats.get(raw.lower())
        if found is None:
            shown = f"{raw}·{sub}" if sub else raw
            raise _Reject(_("未知警情类别（%(value)s），须为警情分类中的类别或细类"), value=shown)
        return found

    def _memo(self, cache: dict[Any, Any], key: Any, compute: Any) -> Any:
        """`compute()` once per distinct key (legacy files repeat their places and categories), its
        refusal remembered too."""
        found = cache.get(key)
        if found is None:
            try:
                found = cache[key] = compute()
            except _Reject as exc:
                found = cache[key] = exc
        if isinstance(found, _Reject):
            raise _Reject(str(found))
        return found

    def _placed(self, row: dict[str, Any]) -> tuple[int, int, int, str]:
        """(village id, station id, dispatching unit id, area) of the row's place, within the scope."""
        village = self.place(row)
        route = self.lookups.route(village)
        scope = self.lookups.scope
        if scope is not None and not (scope.contains(route.station.path) or scope.contains(route.unit.path)):
            raise _Reject(_("案发地点（%(place)s）不在导入单位辖区内"), place=village.full_name)
        return village.pk, route.station.pk, route.unit.pk, area_of(village)

    def row(self, line: int, row: dict[str, Any]) -> dict[str, Any]:
        get = row.get
        legacy = _text(get("legacy_number"))
        if not legacy:
            raise _Reject(_("缺少必填项：接警编号"))
        if len(legacy) > 80 - len(KEY_PREFIX):
            raise _Reject(_("接警编号过长（最多73个字符）"))
        if legacy in self.seen:
            raise _Reject(
                _("接警编号“%(value)s”在文件中重复（首次见第%(line)s行）"),
                value=legacy,
                line=self.seen[legacy],
            )
        received = parse_moment(get("received_at"), "接警时间", required=True, now=self.now)
        narrative = _text(get("narrative"))
        if not narrative:
            raise _Reject(_("缺少必填项：简要警情"))
        category, subcategory = self._memo(
            self.categories, (get("category"), get("subcategory")), lambda: self.category(row)
        )
        place_key = (get("township"), get("village"), get("address"))
        village_id, station_id, unit_id, area = self._memo(self.places, place_key, lambda: self._placed(row))
        source_text = _text(get("source"))
        source: str | None = self.default_source
        if source_text:
            source = self.source(source_text)
            if source is None:
                raise _Reject(_("报警方式无效（%(value)s）"), value=source_text)
        priority_text = _text(get("priority"))
        priority = _PRIORITY_WORDS.get(priority_text, 0) if priority_text else self.default_priority
        if not priority:
            raise _Reject(_("等级须为1至3（%(value)s）"), value=priority_text)
        moments = [
            parse_moment(get(key), label, required=False, now=self.now) if get(key) else None
            for key, label in _STEPS
        ]
        last = received
        for (_key, label), moment in zip(_STEPS, moments, strict=True):
            if moment is not None:
                if moment < last:
                    raise _Reject(_("%(field)s早于接警时间或上一节点"), field=label)
                last = moment
        phone_raw = _text(get("caller_phone")).replace(" ", "").replace("-", "")
        phone = self.phone(phone_raw) if phone_raw else ""
        id_raw = _text(get("caller_id_number"))
        id_number = ""
        if id_raw:
            try:
                id_number = normalise_id_number(id_raw)
            except InvalidIdentity as exc:
                raise _Reject(_("身份证号码有误（%(reason)s）"), reason=exc) from None
        name = _text(get("caller_name"))
        if name in ("匿名", "无", "-", "不详"):
            name = ""
        if len(name) > 40:
            raise _Reject(_("报警人姓名过长（最多40个字符）"))
        disposition_text = _text(get("disposition"))
        disposition = self.disposition(disposition_text) if disposition_text else ""
        notes = [disposition_text, f"原接警编号：{legacy}"]
        if unit_text := _text(get("handling_unit")):
            notes.append(f"原处警单位：{unit_text}")
        address = _text(get("address"))
        if len(address) > 200:
            raise _Reject(_("案发地点过长（最多200个字符）"))
        self.seen[legacy] = line
        return {
            "received_at": received,
            "source": source,
            "village_id": village_id,
            "address": address,
            "area": area,
            "category": category,
            "subcategory": subcategory,
            "priority": priority,
            "narrative": narrative,
            "station_id": station_id,
            "unit_id": unit_id,
            # A legacy incident is history: it is imported as finished (已结束).
            "status": self.closed,
            "dispatched_at": moments[0],
            "arrived_at": moments[1],
            "closed_at": moments[2],
            "disposition": disposition,
            "disposition_note": "\n".join(n for n in notes if n),
            "idempotency_key": KEY_PREFIX + legacy,
            "caller": {"name": name, "phone": phone, "id_number": id_number},
        }


def validate_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], lookups: _Lookups
) -> tuple[list[dict[str, Any]], list[RowError], int]:
    """(good rows, rejected rows, rows read)."""
    validator = _Validator(lookups)
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    count = 0
    for line, raw in rows:
        count += 1
        try:
            good.append(validator.row(line, raw))
        except _Reject as exc:
            errors.append(RowError(line, str(exc)))
    return good, errors, count


# --------------------------------------------------------------------------------------------------
# the write


def _known_keys(keys: list[str]) -> set[str]:
    """The keys already in the incidents table: one array parameter on PostgreSQL (an IN list of 100,000
    literals costs more to build and parse than the look-up itself), chunks of IN lists on SQLite."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Incident._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT idempotency_key FROM {table} WHERE idempotency_key = ANY(%s)", [keys])
            return {row[0] for row in cursor.fetchall()}
    known: set[str] = set()
    for start in range(0, len(keys), 10000):
        chunk = keys[start : start + 10000]
        known.update(
            Incident.objects.filter(idempotency_key__in=chunk).values_list("idempotency_key", flat=True)
        )
    return known


def _allocate_ids(count: int, model: Any = Incident) -> list[int]:
    """Row ids taken in advance, so the number (which contains the id) is written with the row."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the transaction is IMMEDIATE (settings), so no other writer moves past this maximum.
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        first = max(top, seq[0] if seq else 0) + 1
        return list(range(first, first + count))


def _columns() -> list[Any]:
    return list(Incident._meta.concrete_fields)


def _records(rows: list[dict[str, Any]], actor: Any) -> Iterator[tuple[Any, ...]]:
    fields = _columns()
    defaults = {f.attname: f.get_default() for f in fields}
    defaults |= {"created_by_id": actor.pk, "version": 1}
    record = operator.itemgetter(*(f.attname for f in fields))
    for row in rows:
        yield record(defaults | row)


def _copy(cursor: Any, table: str, columns: list[str], records: Iterable[tuple[Any, ...]]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)


def _insert_postgres(rows: list[dict[str, Any]], actor: Any) -> list[int]:
    """COPY straight into the incidents table (its indexes and the uniqueness trigger check the keys). A
    concurrent intake or import that took one of the keys since `_known_keys` makes the COPY fail: then
    the taken keys are looked up again, their rows dropped, and the COPY repeated."""
    import psycopg

    columns = [f.column for f in _columns()]
    for _attempt in range(5):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _copy(cursor, Incident._meta.db_table, columns, _records(rows, actor))
            return [row["id"] for row in rows]
        except (IntegrityError, psycopg.errors.IntegrityError):
            taken = _known_keys([row["idempotency_key"] for row in rows])
            if not taken:
                raise
            rows = [row for row in rows if row["idempotency_key"] not in taken]
    raise ServiceError(_("导入时其他写入反复占用相同的接警编号，请稍后重试"))


def _insert_sqlite(rows: list[dict[str, Any]], actor: Any) -> list[int]:
    fields = _columns()
    moments = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
    adapt = connection.ops.adapt_datetimefield_value

    def adapted() -> Iterator[list[Any]]:
        for record in _records(rows, actor):
            values = list(record)
            for i in moments:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            yield values

    table = connection.ops.quote_name(Incident._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", adapted())
    ids = [row["id"] for row in rows]
    stored = set()
    for start in range(0, len(ids), 10000):
        stored.update(Incident.objects.filter(pk__in=ids[start : start + 10000]).values_list("pk", flat=True))
    return [i for i in ids if i in stored]


def _matching(digest_field: str, values: set[str], oldest: bool) -> dict[str, int]:
    """value → the id of the person whose blind index matches it, without loading (and decrypting) the
    people; the oldest person when several match, as `_callers_many` picks."""
    field = Person._meta.get_field(digest_field)
    by_digest = {d: value for value in values for d in field.lookup_values(value)}  # type: ignore[attr-defined]
    digests = list(by_digest)
    found: list[tuple[int, str]] = []
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {digest_field} FROM {table} WHERE {digest_field} = ANY(%s)", [digests]
            )
            found = cursor.fetchall()
    else:
        for start in range(0, len(digests), 10000):
            chunk = Person.objects.filter(**{f"{digest_field}__in": digests[start : start + 10000]})
            found += chunk.values_list("id", digest_field)
    matched: dict[str, int] = {}
    for pk, digest in sorted(found, reverse=oldest):
        matched[by_digest[digest]] = pk  # the last one written wins: the smallest id when `oldest`
    return matched


def _callers_bulk(actor: Any, callers: list[dict[str, str]]) -> tuple[list[int | None], list[int]]:
    """Each caller's person id, found or registered as intake does it (by ID number, then phone; an
    unknown caller registered by the importer's unit), matched by blind index without loading the
    people, the new ones written with COPY on PostgreSQL (one `bulk_create` on SQLite). Returns (the
    person id of each caller or None for an anonymous call, the ids registered)."""
    by_id = _matching("id_number_digest", {c["id_number"] for c in callers if c["id_number"]}, oldest=False)
    phones = {c["phone"] for c in callers if c["phone"] and not c["id_number"]}
    by_phone = _matching("phone_digest", phones, oldest=True)
    # key → index into `fresh`; a new person is also found by phone (the first one registered with that
    # phone), as one registered by an earlier import would be.
    new: dict[str, int] = {}
    new_by_phone: dict[str, int] = {}
    fresh: list[dict[str, str]] = []
    found: list[int | None] = []  # a person id, or -1 - the index of a new person
    for caller in callers:
        key = caller["id_number"] or caller["phone"]
        if not (caller["name"] or key):
            found.append(None)
            continue
        pk = by_id.get(key) if caller["id_number"] else by_phone.get(key)
        if pk is None:
            index = new.get(key) if caller["id_number"] else new_by_phone.get(key) if key else None
            if index is None:
                index = len(fresh)
                fresh.append(caller)
                if caller["id_number"]:
                    new[key] = index
                if caller["phone"]:
                    new_by_phone.setdefault(caller["phone"], index)
            pk = -1 - index
        found.append(pk)
    ids = _allocate_ids(len(fresh), Person) if fresh else []
    if fresh:
        _write_people(actor, fresh, ids)
    return [ids[-1 - pk] if pk is not None and pk < 0 else pk for pk in found], ids


def _write_people(actor: Any, callers: list[dict[str, str]], ids: list[int]) -> None:
    """The new people, each field prepared as `bulk_create` prepares it (encryption, blind indexes; the
    fields every new person shares prepared once), written with COPY (SQLite: one executemany)."""
    template = Person(name="-", unit=actor.unit.operational_unit(), created_by=actor)
    fields = list(Person._meta.concrete_fields)
    shared = {f.attname: f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields}
    get = Person._meta.get_field
    encrypt_id, encrypt_phone = get("id_number").get_db_prep_save, get("phone").get_db_prep_save
    digest_id, digest_phone = get("id_number_digest").digest_of, get("phone_digest").digest_of  # type: ignore[attr-defined]
    record = operator.itemgetter(*(f.attname for f in fields))

    def records() -> Iterator[tuple[Any, ...]]:
        for pk, caller in zip(ids, callers, strict=True):
            id_number, phone = caller["id_number"] or None, caller["phone"]
            yield record(
                shared
                | {
                    "id": pk,
                    "name": caller["name"] or "匿名报警人",
                    "sex": sex_from_id_number(id_number) if id_number else Sex.UNKNOWN.value,
                    "id_number": encrypt_id(id_number, connection),
                    "phone": encrypt_phone(phone, connection),
                    "id_number_digest": digest_id(id_number),
                    "phone_digest": digest_phone(phone),
                }
            )

    columns = [f.column for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, Person._meta.db_table, columns, records())
        else:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            table = connection.ops.quote_name(Person._meta.db_table)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", records())


def _runs(ids: list[int]) -> list[list[int]]:
    """Sorted ids as [first, last] runs: the imported ids are nearly consecutive, so a job's arguments
    stay small however large the file."""
    runs: list[list[int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


def _expand(runs: list[list[int]]) -> list[int]:
    return [pk for first, last in runs for pk in range(first, last + 1)]


def index_imported(incident_ids: list[int], person_ids: list[int]) -> int:
    """Write the search entries of imported incidents and callers in bulk (检索索引); returns the count.
    Idempotent: an entry is rebuilt from its record's current state."""
    from jingwu.search.models import Kind
    from jingwu.search.services import search_index_many

    return search_index_many(kind=Kind.INCIDENT, object_ids=incident_ids) + search_index_many(
        kind=Kind.PERSON, object_ids=person_ids
    )


@task()
def import_index_task(incidents: list[list[int]], people: list[list[int]]) -> int:
    """The background job an import enqueues: `index_imported` of the ids given as `_runs`."""
    return index_imported(_expand(incidents), _expand(people))


def _refresh_rollups(days: set[tuple[int, date]]) -> None:
    """The rollups (统计汇总) of the touched station-days, recounted in one pass."""
    from jingwu.stats.rollup import refresh_incident_range

    if days:
        refresh_incident_range(
            station_ids={s for s, _ in days}, first=min(d for _, d in days), last=max(d for _, d in days)
        )


def incidents_import(
    *,
    actor: Any,
    data: bytes,
    file_name: str,
    dry_run: bool = False,
    unit: Unit | None = None,
    index_in_background: bool = False,
) -> ImportReport:
    """Import a legacy file of incidents (历史警情导入): validate every row, load the good ones in bulk,
    skip those already imported, register their callers as intake does, write one audit entry, then
    refresh the rollups and write the search entries — or, with `index_in_background`, enqueue
    `import_index_task` for a jobs worker to write them (`report.index_job_id`). `dry_run` validates
    and writes nothing."""
    require(actor, "incident.import")
    report = ImportReport(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    began = time.perf_counter()
    lookups = _Lookups.load(unit)
    good, report.rejected, report.rows = validate_rows(read_rows(data, file_name), lookups)
    report.seconds["validate"] = time.perf_counter() - began
    known = _known_keys([row["idempotency_key"] for row in good])
    fresh = [row for row in good if row["idempotency_key"] not in known]
    report.already_imported = len(good) - len(fresh)
    if dry_run:
        return report
    mark = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        person_ids, report.person_ids = _callers_bulk(actor, [row.pop("caller") for row in fresh])
        for row, person_id in zip(fresh, person_ids, strict=True):
            row["caller_id"] = person_id
        report.callers_registered = len(report.person_ids)
        report.seconds["callers"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for row, pk in zip(fresh, _allocate_ids(len(fresh)), strict=True):
            row["id"] = pk
            row["number"] = NUMBER_FORMAT.format(day=row["received_at"].astimezone(TZ), pk=pk)
        insert = _insert_postgres if postgres else _insert_sqlite
        report.incident_ids = insert(fresh, actor)
        report.loaded = len(report.incident_ids)
        report.already_imported += len(fresh) - report.loaded
        report.seconds["insert"] = time.perf_counter() - mark
        audit_record(
            actor=actor,
            action="incident.import",
            object_type="incidents.incident",
            object_label=f"导入 {file_name}"[:200],
            changes={
                "file": file_name,
                "sha256": report.sha256,
                "rows": report.rows,
                "loaded": report.loaded,
                "rejected": len(report.rejected),
                "already_imported": report.already_imported,
                "callers_registered": report.callers_registered,
                "unit": unit.code if unit else None,
                "ids": [min(report.incident_ids), max(report.incident_ids)] if report.incident_ids else None,
            },
        )
    report.seconds["load"] = time.perf_counter() - began
    mark = time.perf_counter()
    loaded = set(report.incident_ids)
    days = {(r["station_id"], r["received_at"].astimezone(TZ).date()) for r in fresh if r["id"] in loaded}
    try:
        _refresh_rollups(days)
        report.seconds["rollups"] = time.perf_counter() - mark
        mark = time.perf_counter()
        if index_in_background:
            job = import_index_task.enqueue(_runs(report.incident_ids), _runs(report.person_ids))
            report.index_job_id = str(job.id)
        else:
            index_imported(report.incident_ids, report.person_ids)
        report.seconds["index"] = time.perf_counter() - mark
    except Exception:
        # The incidents are in; `stats_rollup_rebuild` and `search_reindex` repair what this missed.
        logger.exception("import: refreshing rollups or search failed")
        raise
    return report


def import_file(
    *,
    actor: Any,
    path: Path,
    dry_run: bool = False,
    unit: Unit | None = None,
    index_in_background: bool = False,
) -> ImportReport:
    """`incidents_import` of a file on disk."""
    return incidents_import(
        actor=actor,
        data=path.read_bytes(),
        file_name=path.name,
        dry_run=dry_run,
        unit=unit,
        index_in_background=index_in_background,
    )
