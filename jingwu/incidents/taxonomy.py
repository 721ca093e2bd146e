"""The incident taxonomy (警情分类) and the local dispatch norms, read from data/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

TAXONOMY_YAML = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    subtypes: dict[str, str]


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[str, Category]
    dispatch_minutes: dict[int, int]
    duplicate_window_minutes: int

    def label(self, category: str, subcategory: str = "") -> str:
        found = self.categories.get(category)
        if found is None:
            return category
        return f"{found.name}·{found.subtypes.get(subcategory, subcategory)}" if subcategory else found.name

    def is_valid(self, category: str, subcategory: str) -> bool:
        return category in self.categories and subcategory in self.categories[category].subtypes


@cache
def taxonomy(path: Path = TAXONOMY_YAML) -> Taxonomy:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = {
        item["code"]: Category(item["code"], item["name"], {s["code"]: s["name"] for s in item["subtypes"]})
        for item in data["categories"]
    }
    minutes = {int(k): int(v) for k, v in data["dispatch_minutes"].items()}
    if set(minutes) != {1, 2, 3}:
        raise ValueError(f"{path}: dispatch_minutes must give minutes for priorities 1, 2 and 3")
    return Taxonomy(categories, minutes, int(data["duplicate_window_minutes"]))
