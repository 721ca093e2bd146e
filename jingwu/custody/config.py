"""The custody log's configuration (执法办案管理中心配置) read from data/custody.yaml and checked on load.

Which measures bring a person in, what leaving each way records and requires, the rooms, the photo limits:
data, not code. :func:`stay_limit_rules` derives from the statutory rules (legal_rules.yaml) which deadlines
bound a stay, so the center's countdown follows the rules data too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jingwu.cases.workflow import workflow
from jingwu.core.legal_events import load_event_vocabulary
from jingwu.custody.choices import ExitDestination

CUSTODY_YAML = Path(__file__).resolve().parent / "data" / "custody.yaml"


class CustodyConfigError(ValueError):
    """custody.yaml is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class LegalBasis:
    measure: str
    label: str
    start_event: str
    end_event: str
    ends_with_stay: bool


@dataclass(frozen=True)
class Exit:
    destination: str
    events: tuple[str, ...]
    requires_open_measure: tuple[str, ...]


@dataclass(frozen=True)
class CustodyConfig:
    legal_bases: dict[str, LegalBasis]
    exits: dict[str, Exit]
    rooms: dict[str, str]
    photo_max_bytes: int
    photo_types: tuple[str, ...]

    @property
    def stay_end_events(self) -> frozenset[str]:
        """Events that end a stay on the timeline: the end of a measure that ends with the stay, and the
        events an exit records."""
        ends = {b.end_event for b in self.legal_bases.values() if b.ends_with_stay}
        for exit_ in self.exits.values():
            ends.update(exit_.events)
        return frozenset(ends)


def _fail(message: str) -> CustodyConfigError:
    return CustodyConfigError(f"{CUSTODY_YAML.name}: {message}")


@cache
def custody_config(path: Path = CUSTODY_YAML) -> CustodyConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    measures = workflow().measures
    events = set(load_event_vocabulary().events)
    bases: dict[str, LegalBasis] = {}
    for name, raw in (data.get("legal_bases") or {}).items():
        if name not in measures:
            raise _fail(f"legal_bases.{name}: not a measure of workflow.yaml")
        m = measures[name]
        bases[name] = LegalBasis(name, m.label, m.start, m.end, bool((raw or {}).get("ends_with_stay")))
    if not bases:
        raise _fail("legal_bases: at least one measure is needed")
    exits: dict[str, Exit] = {}
    raw_exits = data.get("exits") or {}
    if set(raw_exits) != set(ExitDestination.values):
        raise _fail(f"exits: must list exactly {sorted(ExitDestination.values)}")
    for name, raw in raw_exits.items():
        raw = raw or {}
        codes = tuple(raw.get("events") or ())
        unknown = [c for c in codes if c not in events]
        if unknown:
            raise _fail(f"exits.{name}.events: unknown legal events {unknown}")
        required = tuple(raw.get("requires_open_measure") or ())
        unknown = [m for m in required if m not in measures]
        if unknown:
            raise _fail(f"exits.{name}.requires_open_measure: unknown measures {unknown}")
        exits[name] = Exit(name, codes, required)
    rooms = {str(r["code"]): str(r["name"]) for r in data.get("rooms") or ()}
    if not rooms:
        raise _fail("rooms: at least one room is needed")
    photos = data.get("photos") or {}
    max_bytes = int(photos.get("max_bytes") or 0)
    types = tuple(photos.get("types") or ())
    if max_bytes <= 0 or not types:
        raise _fail("photos: max_bytes and types are needed")
    return CustodyConfig(bases, exits, rooms, max_bytes, types)


@cache
def stay_limit_rules(measure: str) -> frozenset[str]:
    """Ids of the per-person rules that bound a stay under `measure`: started by the measure's start event
    and met by an event that ends a stay (e.g. CR-001/AD-003N for a summons: 12 h / 8 h; CR-002 for a
    criminal detention: 24 h until the detention house)."""
    from jingwu.supervision.services import shipped_rules

    config = custody_config()
    basis = config.legal_bases.get(measure)
    if basis is None:
        return frozenset()
    ends = config.stay_end_events
    return frozenset(
        rule.id
        for rule in shipped_rules()
        if rule.per == "person" and basis.start_event in rule.starts_on and ends & set(rule.met_by)
    )
