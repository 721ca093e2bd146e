"""The enterprise-liaison vocabulary as data (data/enterprises.yaml), checked on load. Pure: no Django.

A broken entry stops the load with a message naming the file and the entry, so a typo never silently
drops an industry from the bulletin filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_YAML = Path(__file__).resolve().parent / "data" / "enterprises.yaml"
LISTS = ("industries", "bulletin_kinds", "security_checks", "request_kinds")
CODE = re.compile(r"^[a-z][a-z0-9_]{1,23}$")


class ConfigError(ValueError):
    """The data file is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class Config:
    county_units: tuple[str, ...]
    industries: dict[str, str]
    bulletin_kinds: dict[str, str]
    security_checks: dict[str, str]
    request_kinds: dict[str, str]


def _codes(name: str, entries: Any, where: str) -> dict[str, str]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: '{name}' must be a non-empty list")
    found: dict[str, str] = {}
    for index, entry in enumerate(entries):
        label = f"{where}: {name}[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"code", "name"}:
            raise ConfigError(f"{label}: needs exactly 'code' and 'name'")
        code, title = entry["code"], entry["name"]
        if not isinstance(code, str) or not CODE.match(code):
            raise ConfigError(f"{label}: code {code!r} must be lower-case letters, digits, _ (2–24)")
        if not isinstance(title, str) or not title.strip():
            raise ConfigError(f"{label}: name must be a non-empty string")
        if code in found:
            raise ConfigError(f"{label}: duplicate code {code!r}")
        found[code] = title.strip()
    return found


def parse(raw: Any, where: str = "enterprises.yaml") -> Config:
    """Check and convert the loaded YAML."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping")
    unknown = set(raw) - {"county_units", *LISTS}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    units = raw.get("county_units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) and u for u in units):
        raise ConfigError(f"{where}: county_units must be a list of unit codes")
    lists = {name: _codes(name, raw.get(name), where) for name in LISTS}
    return Config(county_units=tuple(units), **lists)


@cache
def config() -> Config:
    with DATA_YAML.open(encoding="utf-8") as f:
        return parse(yaml.safe_load(f), DATA_YAML.name)
