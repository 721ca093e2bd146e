"""The kinds of course (教育训练类别), loaded from data/training.yaml and checked on load."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

TRAINING_YAML = Path(__file__).resolve().parent / "data" / "training.yaml"


class TrainingConfigError(ValueError):
    """training.yaml is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class CourseKind:
    code: str
    name: str
    category: str
    category_name: str
    legal: bool
    basis: str


@cache
def course_kinds(path: Path = TRAINING_YAML) -> dict[str, CourseKind]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = data.get("categories") or {}
    kinds: dict[str, CourseKind] = {}
    for number, raw in enumerate(data.get("kinds") or [], start=1):
        where = f"{path.name}: kind #{number}"
        missing = [f for f in ("code", "name", "category") if not raw.get(f)]
        if missing:
            raise TrainingConfigError(f"{where}: missing {', '.join(missing)}")
        code = raw["code"]
        if code in kinds:
            raise TrainingConfigError(f"{where}: code {code} appears twice")
        if raw["category"] not in categories:
            raise TrainingConfigError(f"{where} ({code}): unknown category {raw['category']!r}")
        legal = raw.get("legal", False)
        if not isinstance(legal, bool):
            raise TrainingConfigError(f"{where} ({code}): legal must be true or false")
        kinds[code] = CourseKind(
            code=code,
            name=raw["name"],
            category=raw["category"],
            category_name=categories[raw["category"]],
            legal=legal,
            basis=raw.get("basis", ""),
        )
    if not kinds:
        raise TrainingConfigError(f"{path.name}: no kinds")
    return kinds


def kind_name(code: str) -> str:
    kind = course_kinds().get(code)
    return kind.name if kind else code
