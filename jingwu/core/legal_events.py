"""The controlled vocabulary of dated legal events (法律事件词表), from legal_events.yaml.

Every app that records a step of a case or an incident names it with a code of this vocabulary, and the
deadline engine (jingwu.supervision) reads the same codes. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from jingwu.core.legaltime import DATA_DIR

DEFAULT_EVENTS_PATH: Final = DATA_DIR / "legal_events.yaml"


class VocabularyError(ValueError):
    """The vocabulary file is invalid, or an event does not fit it."""


@dataclass(frozen=True)
class EventType:
    """One code of the event vocabulary."""

    code: str
    name_zh: str
    subject: str
    fields: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass(frozen=True)
class EventVocabulary:
    events: Mapping[str, EventType] = field(hash=False)
    field_names: frozenset[str]

    def __contains__(self, code: object) -> bool:
        return code in self.events

    def __getitem__(self, code: str) -> EventType:
        return self.events[code]


def load_event_vocabulary(path: Path | str = DEFAULT_EVENTS_PATH) -> EventVocabulary:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise VocabularyError(f"{path}: not valid YAML: {exc}") from exc
    events: dict[str, EventType] = {}
    for entry in data.get("events") or []:
        code = entry["code"]
        if code in events:
            raise VocabularyError(f"{path}: duplicate event code {code!r}")
        events[code] = EventType(
            code=code,
            name_zh=entry.get("name_zh", ""),
            subject=entry.get("subject", "case"),
            fields=tuple(entry.get("fields") or ()),
            optional=tuple(entry.get("optional") or ()),
        )
    field_names = frozenset(data.get("field_types") or {}) | {"law_version", "recorded_at"}
    return EventVocabulary(events=events, field_names=field_names)
