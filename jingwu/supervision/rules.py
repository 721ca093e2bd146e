"""Loading and validation of the statutory deadline rules (法定期限规则) from legal_rules.yaml.

The rules are data: the bureau can add a local rule (e.g. a 110 arrival target in minutes) or correct a
period by an override file merged by rule id, without code changes. Everything is checked on load —
event codes against legal_events.yaml, counting modes, units, references between rules — and a problem
raises :class:`RuleValidationError` naming the rule id and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import yaml

from jingwu.core.legal_events import (
    DEFAULT_EVENTS_PATH,
    EventType,
    EventVocabulary,
    load_event_vocabulary,
)
from jingwu.core.legaltime import (
    COUNTING_UNITS,
    DATA_DIR,
    LAST_DAY_START,
    Counting,
    Period,
    Unit,
    WarnWindow,
)

DEFAULT_RULES_PATH: Final = DATA_DIR / "legal_rules.yaml"
__all__ = ["DEFAULT_EVENTS_PATH", "EventType", "EventVocabulary", "load_event_vocabulary"]

PER_VALUES: Final = ("case", "person", "item", "incident")
CASE_KINDS: Final = ("criminal", "administrative")
KEY_FIELDS: Final = ("person", "item", "incident")

#: A filter: (field, allowed values) pairs; ``None`` among the values matches an absent field.
Filter = tuple[tuple[str, tuple[Any, ...]], ...]


class RuleValidationError(ValueError):
    """A rule file is invalid. ``rule_id`` and ``field`` say where."""

    def __init__(self, rule_id: str | None, field: str, message: str):
        self.rule_id = rule_id
        self.field = field
        where = f"rule {rule_id}" if rule_id else "rules file"
        super().__init__(f"{where}, field '{field}': {message} / 规则校验失败")


# ----------------------------------------------------------------------------------------------------------
# Rule model


@dataclass(frozen=True)
class Citation:
    source: str
    article: str

    def __str__(self) -> str:
        return f"{self.source} {self.article}".strip()


@dataclass(frozen=True)
class Source:
    """A cited instrument; ``valid_from``/``valid_until`` mark a versioned law (e.g. 治安管理处罚法)."""

    key: str
    title: str
    valid_from: date | None = None
    valid_until: date | None = None

    @property
    def versioned(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None


@dataclass(frozen=True)
class Extension:
    """One extended_by option (延长): ``to`` a maximum total, or ``add`` a maximum addition."""

    event: str
    to: Period | None = None
    add: Period | None = None
    warn_before: WarnWindow | None = None
    max_times: int | None = None
    condition_zh: str = ""
    approver_zh: str = ""


@dataclass(frozen=True)
class Pause:
    """A paused_by entry (期间不计入): stops the clock from ``event`` until ``resumed_by``."""

    event: str
    resumed_by: str
    filter: Filter = ()


@dataclass(frozen=True)
class Restart:
    """A restarted_by entry (重新计算): counted from ``from_event`` if given, else from ``event``."""

    event: str
    from_event: str | None = None


@dataclass(frozen=True)
class Applies:
    """Where a rule applies: case kinds and the validity of the law version (inclusive local dates)."""

    case_kind: tuple[str, ...]
    valid_from: date | None = None
    valid_until: date | None = None
    law_versions: tuple[str, ...] = ()

    @property
    def versioned(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None

    def in_force_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class Rule:
    """One statutory time limit (法定期限)."""

    id: str
    title_zh: str
    kind: str
    per: str
    starts_on: tuple[str, ...]
    met_by: tuple[str, ...]
    period: Period
    counting: Counting
    applies: Applies
    start_filter: Filter = ()
    cancelled_by: tuple[str, ...] = ()
    extensions: tuple[Extension, ...] = ()
    pauses: tuple[Pause, ...] = ()
    suppressed_by: tuple[str, ...] = ()
    unsuppressed_by: tuple[str, ...] = ()
    unsuppress_grace: Period | None = None
    restarts: tuple[Restart, ...] = ()
    relative_to: str | None = None
    rolls_over_holidays: bool = False
    warn_before: WarnWindow | None = None
    obligated_party: str | None = None
    mandatory: bool = True
    configurable: bool = False
    required_action_zh: str = ""
    citation: tuple[Citation, ...] = ()
    verified: str = ""
    note_zh: str = ""

    @property
    def citation_text(self) -> str:
        return "；".join(str(c) for c in self.citation)


@dataclass(frozen=True)
class RuleSet:
    """A validated set of rules, in file order, with the vocabulary it was checked against."""

    rules: tuple[Rule, ...]
    vocabulary: EventVocabulary
    sources: Mapping[str, Source] = field(hash=False)
    raw: tuple[Mapping[str, Any], ...] = field(repr=False, compare=False, hash=False)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)


# ----------------------------------------------------------------------------------------------------------
# Loading and merging


def load_rules(
    path: Path | str = DEFAULT_RULES_PATH,
    *,
    events_path: Path | str = DEFAULT_EVENTS_PATH,
    overrides: Iterable[Path | str] = (),
) -> RuleSet:
    """Load and validate a rules file, then merge each override file by rule id (in order)."""
    data = _read_yaml(path)
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        raise RuleValidationError(None, "rules", f"{path}: expected a top-level 'rules' list")
    sources = dict(data.get("sources") or {})
    for override in overrides:
        override_data = _read_yaml(override)
        raw_rules = merge_raw_rules(raw_rules, _override_rules(override_data, override))
        sources.update(override_data.get("sources") or {})
    return build_rules(raw_rules, load_event_vocabulary(events_path), sources)


def merge_override(ruleset: RuleSet, path: Path | str) -> RuleSet:
    """Return ``ruleset`` with the override file at ``path`` merged by rule id, re-validated.

    An entry whose id exists replaces the given top-level keys of that rule (e.g. only ``period``);
    an entry with a new id is a new local rule and must be complete.
    """
    data = _read_yaml(path)
    raw_rules = merge_raw_rules(ruleset.raw, _override_rules(data, path))
    sources = {key: _source_to_raw(src) for key, src in ruleset.sources.items()}
    sources.update(data.get("sources") or {})
    return build_rules(raw_rules, ruleset.vocabulary, sources)


def merge_raw_rules(
    base: Sequence[Mapping[str, Any]], override: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Merge rule mappings by id: known ids are updated key by key, new ids are appended."""
    merged = [dict(rule) for rule in base]
    index = {rule.get("id"): i for i, rule in enumerate(merged)}
    for entry in override:
        if not isinstance(entry, Mapping) or not entry.get("id"):
            raise RuleValidationError(None, "id", "every override entry must be a mapping with an 'id'")
        if entry["id"] in index:
            merged[index[entry["id"]]].update(entry)
        else:
            index[entry["id"]] = len(merged)
            merged.append(dict(entry))
    return merged


def _override_rules(data: Mapping[str, Any], path: Path | str) -> list[Mapping[str, Any]]:
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise RuleValidationError(None, "rules", f"{path}: expected a top-level 'rules' list")
    return rules


def _read_yaml(path: Path | str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise RuleValidationError(None, "yaml", f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise RuleValidationError(None, "yaml", f"{path}: expected a mapping at the top level")
    return data


def _source_to_raw(source: Source) -> dict[str, Any]:
    raw: dict[str, Any] = {"title": source.title}
    if source.valid_from:
        raw["valid_from"] = source.valid_from
    if source.valid_until:
        raw["valid_until"] = source.valid_until
    return raw


# ----------------------------------------------------------------------------------------------------------
# Validation


_RULE_KEYS: Final = frozenset(
    {
        "id", "title_zh", "kind", "per", "starts_on", "start_filter", "met_by", "cancelled_by",
        "extended_by", "paused_by", "resumed_by", "suppressed_by", "unsuppressed_by", "unsuppress_grace",
        "restarted_by", "period", "counting", "relative_to", "rolls_over_holidays", "warn_before",
        "applies", "obligated_party", "mandatory", "required_action_zh", "citation", "verified",
        "configurable", "note_zh",
    }
)  # fmt: skip
_REQUIRED_KEYS: Final = ("id", "title_zh", "per", "starts_on", "met_by", "period", "counting", "applies")
_EXACT_UNITS: Final = (Unit.HOUR, Unit.MINUTE)
_WARN_UNITS: Final = (Unit.MINUTE, Unit.HOUR, Unit.DAY)
_OBLIGATED_PARTIES: Final = frozenset(
    {"police", "procuratorate", "detention_center", "other_agency", "party"}
)


def build_rules(
    raw_rules: Sequence[Mapping[str, Any]], vocabulary: EventVocabulary, sources: Mapping[str, Any]
) -> RuleSet:
    """Validate raw rule mappings and build a :class:`RuleSet`."""
    parsed_sources = {key: _parse_source(key, value) for key, value in sources.items()}
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_rules):
        if not isinstance(raw, Mapping):
            raise RuleValidationError(None, f"rules[{position}]", "each rule must be a mapping")
        rule = _RuleParser(raw, vocabulary, parsed_sources, position).parse()
        if rule.id in seen:
            raise RuleValidationError(rule.id, "id", "duplicate rule id / 规则编号重复")
        seen.add(rule.id)
        rules.append(rule)
    _check_references(rules)
    return RuleSet(
        rules=tuple(rules),
        vocabulary=vocabulary,
        sources=parsed_sources,
        raw=tuple(dict(r) for r in raw_rules),
    )


def _check_references(rules: Sequence[Rule]) -> None:
    by_id = {rule.id: rule for rule in rules}
    for rule in rules:
        if rule.relative_to is None:
            continue
        other = by_id.get(rule.relative_to)
        if other is None:
            raise RuleValidationError(rule.id, "relative_to", f"refers to unknown rule {rule.relative_to!r}")
        if other.per != rule.per:
            raise RuleValidationError(
                rule.id, "relative_to", f"rule {other.id} is per {other.per}, this rule is per {rule.per}"
            )
        chain = [rule.id]
        current: Rule | None = other
        while current is not None:
            if current.id in chain:
                raise RuleValidationError(rule.id, "relative_to", f"circular reference {' -> '.join(chain)}")
            chain.append(current.id)
            current = by_id.get(current.relative_to) if current.relative_to else None


def _parse_source(key: str, value: Any) -> Source:
    if not isinstance(value, Mapping):
        raise RuleValidationError(None, f"sources.{key}", "a source must be a mapping")
    return Source(
        key=key,
        title=str(value.get("title") or key),
        valid_from=_parse_date(value.get("valid_from"), None, f"sources.{key}.valid_from"),
        valid_until=_parse_date(value.get("valid_until"), None, f"sources.{key}.valid_until"),
    )


def _parse_date(value: Any, rule_id: str | None, field_name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleValidationError(rule_id, field_name, f"not an ISO date: {value!r}") from None


class _RuleParser:
    """Turns one raw rule mapping into a :class:`Rule`, raising on the first problem."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        vocabulary: EventVocabulary,
        sources: Mapping[str, Source],
        position: int,
    ):
        self.raw = raw
        self.vocabulary = vocabulary
        self.sources = sources
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise RuleValidationError(None, f"rules[{position}].id", "missing or empty rule id")
        self.id = rid

    def fail(self, field_name: str, message: str) -> RuleValidationError:
        return RuleValidationError(self.id, field_name, message)

    def parse(self) -> Rule:
        raw = self.raw
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(_RULE_KEYS))})")
        for key in _REQUIRED_KEYS:
            if raw.get(key) is None:
                raise self.fail(key, "missing required field / 缺少必填字段")

        per = raw["per"]
        if per not in PER_VALUES:
            raise self.fail("per", f"must be one of {PER_VALUES}, got {per!r}")
        try:
            counting = Counting(raw["counting"])
        except ValueError:
            raise self.fail(
                "counting",
                f"unknown counting mode {raw['counting']!r} (known: {[c.value for c in Counting]})",
            ) from None
        period = self.period(raw["period"], "period", positive=True)
        if period.unit not in COUNTING_UNITS[counting]:
            allowed = sorted(u.value for u in COUNTING_UNITS[counting])
            raise self.fail(
                "period.unit", f"unit {period.unit} does not fit counting {counting} (use {allowed})"
            )

        relative_to = raw.get("relative_to")
        if counting is Counting.BEFORE_OTHER_DEADLINE:
            if not isinstance(relative_to, str) or not relative_to:
                raise self.fail("relative_to", "before_other_deadline needs the id of the referenced rule")
            if relative_to == self.id:
                raise self.fail("relative_to", "a rule cannot refer to itself")
        elif relative_to is not None:
            raise self.fail("relative_to", "only allowed with counting before_other_deadline")

        citation = self.citations(raw.get("citation") or [])
        obligated = raw.get("obligated_party")
        if obligated is not None and obligated not in _OBLIGATED_PARTIES:
            raise self.fail("obligated_party", f"must be one of {sorted(_OBLIGATED_PARTIES)}")
        grace = raw.get("unsuppress_grace")
        rule = Rule(
            id=self.id,
            title_zh=str(raw["title_zh"]),
            kind=str(raw.get("kind") or ""),
            per=per,
            starts_on=self.codes("starts_on", required=True),
            start_filter=self.filter(raw.get("start_filter"), "start_filter"),
            met_by=self.codes("met_by", required=True),
            cancelled_by=self.codes("cancelled_by"),
            extensions=self.extensions(raw.get("extended_by") or [], period),
            pauses=self.pauses(raw.get("paused_by") or []),
            suppressed_by=self.codes("suppressed_by"),
            unsuppressed_by=self.codes("unsuppressed_by"),
            unsuppress_grace=self.period(grace, "unsuppress_grace", units=_EXACT_UNITS) if grace else None,
            restarts=self.restarts(raw.get("restarted_by") or []),
            period=period,
            counting=counting,
            relative_to=relative_to,
            rolls_over_holidays=self.boolean("rolls_over_holidays", default=False),
            warn_before=self.warn(raw.get("warn_before"), "warn_before"),
            applies=self.applies(raw["applies"], citation),
            obligated_party=obligated,
            mandatory=self.boolean("mandatory", default=True),
            configurable=self.boolean("configurable", default=False),
            required_action_zh=str(raw.get("required_action_zh") or ""),
            citation=citation,
            verified=str(raw.get("verified") or ""),
            note_zh=str(raw.get("note_zh") or ""),
        )
        self.check_consistency(rule)
        return rule

    # -- pieces ---------------------------------------------------------------------------------------------

    def code(self, value: Any, field_name: str) -> str:
        if not isinstance(value, str) or value not in self.vocabulary:
            raise self.fail(
                field_name, f"unknown event code {value!r} (not in legal_events.yaml) / 未知事件代码"
            )
        return value

    def codes(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list of event codes")
        if required and not value:
            raise self.fail(key, "must list at least one event code")
        return tuple(self.code(code, f"{key}[{i}]") for i, code in enumerate(value))

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def period(
        self, value: Any, field_name: str, *, positive: bool = False, units: Iterable[Unit] | None = None
    ) -> Period:
        if not isinstance(value, Mapping) or "value" not in value or "unit" not in value:
            raise self.fail(field_name, "must be a mapping {value: N, unit: U}")
        amount = value["value"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < (1 if positive else 0):
            raise self.fail(
                f"{field_name}.value", f"must be a {'positive' if positive else 'non-negative'} integer"
            )
        try:
            unit = Unit(value["unit"])
        except ValueError:
            raise self.fail(
                f"{field_name}.unit", f"bad unit {value['unit']!r} (known: {[u.value for u in Unit]})"
            ) from None
        if units is not None and unit not in set(units):
            raise self.fail(f"{field_name}.unit", f"unit {unit} not allowed here")
        return Period(amount, unit)

    def warn(self, value: Any, field_name: str) -> WarnWindow | None:
        if value is None:
            return None
        if value == LAST_DAY_START:
            return LAST_DAY_START
        return self.period(value, field_name, units=_WARN_UNITS)

    def filter(self, value: Any, field_name: str) -> Filter:
        if value is None:
            return ()
        if not isinstance(value, Mapping):
            raise self.fail(field_name, "must be a mapping field -> list of allowed values")
        pairs = []
        for key, allowed in value.items():
            if key not in self.vocabulary.field_names:
                raise self.fail(
                    f"{field_name}.{key}", "unknown event field (not in legal_events.yaml field_types)"
                )
            if not isinstance(allowed, list) or not allowed:
                raise self.fail(f"{field_name}.{key}", "must be a non-empty list of allowed values")
            pairs.append((str(key), tuple(allowed)))
        return tuple(pairs)

    def extensions(self, value: Any, base: Period) -> tuple[Extension, ...]:
        if not isinstance(value, list):
            raise self.fail("extended_by", "must be a list")
        result = []
        for i, entry in enumerate(value):
            where = f"extended_by[{i}]"
            if not isinstance(entry, Mapping):
                raise self.fail(where, "must be a mapping")
            unknown = set(entry) - {
                "event",
                "to",
                "add",
                "warn_before",
                "max_times",
                "condition_zh",
                "approver_zh",
            }
            if unknown:
                raise self.fail(f"{where}.{sorted(unknown)[0]}", "unknown key")
            if ("to" in entry) == ("add" in entry):
                raise self.fail(where, "needs exactly one of 'to' (new total) or 'add' (addition)")
            to = self.period(entry["to"], f"{where}.to", positive=True) if "to" in entry else None
            add = self.period(entry["add"], f"{where}.add", positive=True) if "add" in entry else None
            if add is not None and add.unit != base.unit:
                raise self.fail(
                    f"{where}.add.unit", f"an addition must be in the period's unit ({base.unit})"
                )
            max_times = entry.get("max_times")
            if max_times is not None and (
                isinstance(max_times, bool) or not isinstance(max_times, int) or max_times < 1
            ):
                raise self.fail(f"{where}.max_times", "must be a positive integer")
            result.append(
                Extension(
                    event=self.code(entry.get("event"), f"{where}.event"),
                    to=to,
                    add=add,
                    warn_before=self.warn(entry.get("warn_before"), f"{where}.warn_before"),
                    max_times=max_times,
                    condition_zh=str(entry.get("condition_zh") or ""),
                    approver_zh=str(entry.get("approver_zh") or ""),
                )
            )
        if any(e.to for e in result) and any(e.add for e in result):
            raise self.fail("extended_by", "mixing 'to' and 'add' extensions in one rule is not supported")
        return tuple(result)

    def pauses(self, value: Any) -> tuple[Pause, ...]:
        if not isinstance(value, list):
            raise self.fail("paused_by", "must be a list")
        result = []
        for i, entry in enumerate(value):
            where = f"paused_by[{i}]"
            if not isinstance(entry, Mapping):
                raise self.fail(where, "must be a mapping {event, resumed_by, filter?}")
            unknown = set(entry) - {"event", "resumed_by", "filter"}
            if unknown:
                raise self.fail(f"{where}.{sorted(unknown)[0]}", "unknown key")
            result.append(
                Pause(
                    event=self.code(entry.get("event"), f"{where}.event"),
                    resumed_by=self.code(entry.get("resumed_by"), f"{where}.resumed_by"),
                    filter=self.filter(entry.get("filter"), f"{where}.filter"),
                )
            )
        listed = self.codes("resumed_by")
        for i, pause in enumerate(result):
            if listed and pause.resumed_by not in listed:
                raise self.fail(
                    f"paused_by[{i}].resumed_by", f"{pause.resumed_by} is missing from resumed_by"
                )
        return tuple(result)

    def restarts(self, value: Any) -> tuple[Restart, ...]:
        if not isinstance(value, list):
            raise self.fail("restarted_by", "must be a list")
        result = []
        for i, entry in enumerate(value):
            where = f"restarted_by[{i}]"
            if not isinstance(entry, Mapping):
                raise self.fail(where, "must be a mapping {event, from_event?}")
            unknown = set(entry) - {"event", "from_event"}
            if unknown:
                raise self.fail(f"{where}.{sorted(unknown)[0]}", "unknown key")
            from_event = entry.get("from_event")
            result.append(
                Restart(
                    event=self.code(entry.get("event"), f"{where}.event"),
                    from_event=self.code(from_event, f"{where}.from_event")
                    if from_event is not None
                    else None,
                )
            )
        return tuple(result)

    def citations(self, value: Any) -> tuple[Citation, ...]:
        if not isinstance(value, list):
            raise self.fail("citation", "must be a list of {source, article}")
        result = []
        for i, entry in enumerate(value):
            if not isinstance(entry, Mapping) or not entry.get("source"):
                raise self.fail(f"citation[{i}]", "must be a mapping with a 'source'")
            if self.sources and entry["source"] not in self.sources:
                raise self.fail(f"citation[{i}].source", f"unknown source {entry['source']!r}")
            result.append(Citation(source=str(entry["source"]), article=str(entry.get("article") or "")))
        return tuple(result)

    def applies(self, value: Any, citation: tuple[Citation, ...]) -> Applies:
        if not isinstance(value, Mapping):
            raise self.fail("applies", "must be a mapping {case_kind: [...], valid_from?, valid_until?}")
        unknown = set(value) - {"case_kind", "valid_from", "valid_until", "law_version"}
        if unknown:
            raise self.fail(f"applies.{sorted(unknown)[0]}", "unknown key")
        kinds = value.get("case_kind")
        if not isinstance(kinds, list) or not kinds:
            raise self.fail("applies.case_kind", f"must be a non-empty list of {CASE_KINDS}")
        for kind in kinds:
            if kind not in CASE_KINDS:
                raise self.fail("applies.case_kind", f"unknown case kind {kind!r} (known: {CASE_KINDS})")
        valid_from = _parse_date(value.get("valid_from"), self.id, "applies.valid_from")
        valid_until = _parse_date(value.get("valid_until"), self.id, "applies.valid_until")
        if valid_from and valid_until and valid_from > valid_until:
            raise self.fail("applies.valid_until", "is before valid_from")
        law_version = value.get("law_version")
        if law_version is not None:
            versions = tuple(law_version) if isinstance(law_version, list) else (str(law_version),)
        else:
            # The law version of a versioned rule is the versioned source it cites (e.g. PSAPL2012).
            versions = tuple(
                dict.fromkeys(
                    c.source
                    for c in citation
                    if c.source in self.sources and self.sources[c.source].versioned
                )
            )
        return Applies(
            case_kind=tuple(kinds),
            valid_from=valid_from,
            valid_until=valid_until,
            law_versions=versions if (valid_from or valid_until) else (),
        )

    def check_consistency(self, rule: Rule) -> None:
        if rule.unsuppressed_by and not rule.suppressed_by:
            raise self.fail("unsuppressed_by", "given without suppressed_by")
        if rule.unsuppress_grace and not rule.unsuppressed_by:
            raise self.fail("unsuppress_grace", "given without unsuppressed_by")
        overlap = set(rule.met_by) & set(rule.cancelled_by)
        if overlap:
            raise self.fail("cancelled_by", f"{sorted(overlap)[0]} is also in met_by")
        if rule.counting is Counting.BEFORE_OTHER_DEADLINE and (
            rule.pauses or rule.extensions or rule.restarts
        ):
            raise self.fail(
                "counting",
                "a before_other_deadline rule follows the other rule; it cannot be extended, "
                "paused or restarted itself",
            )
