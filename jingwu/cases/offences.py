"""Offences (案由): the 469 criminal charges (罪名) from the shared data, and the administrative list."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jingwu.core.legaltime import DATA_DIR

CRIMINAL_CHARGES = DATA_DIR / "offences" / "criminal_charges.txt"
ADMIN_OFFENCES = Path(__file__).resolve().parent / "data" / "admin_offences.yaml"


@dataclass(frozen=True)
class Offence:
    code: str
    name: str
    kind: str


@cache
def offences() -> dict[str, Offence]:
    """Criminal charges keyed `C-<n>` in the order of the Criminal Law; administrative ones by their code."""
    found: dict[str, Offence] = {}
    lines = CRIMINAL_CHARGES.read_text(encoding="utf-8").splitlines()
    for number, name in enumerate((line.strip() for line in lines if line.strip()), start=1):
        found[f"C-{number:03d}"] = Offence(f"C-{number:03d}", name, "criminal")
    for item in yaml.safe_load(ADMIN_OFFENCES.read_text(encoding="utf-8"))["offences"]:
        found[item["code"]] = Offence(item["code"], item["name"], "administrative")
    return found


def offence_choices(kind: str) -> list[tuple[str, str]]:
    return [(o.code, o.name) for o in offences().values() if o.kind == kind]


def find_offence(name: str, kind: str) -> Offence | None:
    return next((o for o in offences().values() if o.kind == kind and o.name == name), None)
