"""The user dictionary of the segmenter (分词用户词典): Wuping's place names, offence names, incident
sub-types and dispute types, read from our reference data (no database needed)."""

from __future__ import annotations

import csv
from functools import cache

import yaml

from jingwu.core.legaltime import DATA_DIR
from jingwu.search.tokenizer import Segmenter

DIVISIONS = DATA_DIR / "divisions" / "wuping_350824_divisions.csv"
CRIMINAL_CHARGES = DATA_DIR / "offences" / "criminal_charges.txt"
# Suffixes of division names: 桃溪镇 is also searched (and written) as 桃溪.
_PLACE_SUFFIXES = ("街道", "社区", "居委会", "村委会", "镇", "乡", "村", "县")


APP_DIR = DATA_DIR.parent  # the jingwu package


def _yaml_names(path: str, section: str) -> list[str]:
    data = yaml.safe_load((APP_DIR / path).read_text(encoding="utf-8"))
    return [str(item["name"]) for item in data[section]]


def place_names() -> list[str]:
    names: list[str] = []
    with DIVISIONS.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name = row["name"].strip()
            names.append(name)
            for suffix in _PLACE_SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.append(name[: -len(suffix)])
                    break
    return names


def user_words() -> list[str]:
    words = place_names()
    words += [
        line.strip() for line in CRIMINAL_CHARGES.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    words += _yaml_names("cases/data/admin_offences.yaml", "offences")
    words += _yaml_names("mediation/data/dispute_types.yaml", "types")
    taxonomy = yaml.safe_load((APP_DIR / "incidents" / "data" / "taxonomy.yaml").read_text(encoding="utf-8"))
    for category in taxonomy["categories"]:
        words += [str(sub["name"]) for sub in category["subtypes"]]
    return words


@cache
def segmenter() -> Segmenter:
    """The one segmenter of the process (loading the dictionary takes a moment; done once)."""
    return Segmenter(user_words())
