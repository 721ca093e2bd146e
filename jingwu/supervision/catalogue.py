"""The notices' data (data/notices.yaml): numbering, defect kinds (问题类型) and the procuratorate's
opinion types (检察监督文书类型), validated when loaded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jingwu.supervision.models import NoticeKind

NOTICES_YAML = Path(__file__).resolve().parent / "data" / "notices.yaml"


class NoticeConfigError(ValueError):
    """notices.yaml is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class OpinionType:
    code: str
    name: str
    citation: str


@dataclass(frozen=True)
class NoticeCatalogue:
    numbers: dict[str, str]
    issuers: dict[str, str]
    defects: dict[str, str]
    opinion_types: dict[str, OpinionType]

    def number(self, kind: str, year: int, n: int) -> str:
        return self.numbers[kind].format(year=year, n=n)


def _codes(entries: list[dict[str, str]], what: str, path: Path) -> None:
    seen: set[str] = set()
    for entry in entries:
        code = entry.get("code")
        if not code or not entry.get("name"):
            raise NoticeConfigError(f"{path.name}: every {what} needs a code and a name: {entry}")
        if code in seen:
            raise NoticeConfigError(f"{path.name}: {what} {code} appears twice")
        seen.add(code)


@cache
def catalogue(path: Path = NOTICES_YAML) -> NoticeCatalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section in ("numbers", "issuers"):
        missing = set(NoticeKind.values) - set(data.get(section) or {})
        if missing:
            raise NoticeConfigError(f"{path.name}: {section} lacks {sorted(missing)}")
    for kind, pattern in data["numbers"].items():
        try:
            pattern.format(year=2026, n=1)
        except (KeyError, IndexError) as exc:
            raise NoticeConfigError(f"{path.name}: number pattern of {kind} uses {exc}") from None
        if "{n}" not in pattern or "{year}" not in pattern:
            raise NoticeConfigError(f"{path.name}: number pattern of {kind} needs {{year}} and {{n}}")
    _codes(data["defects"], "defect", path)
    _codes(data["opinion_types"], "opinion type", path)
    return NoticeCatalogue(
        numbers=dict(data["numbers"]),
        issuers=dict(data["issuers"]),
        defects={d["code"]: d["name"] for d in data["defects"]},
        opinion_types={
            o["code"]: OpinionType(o["code"], o["name"], o.get("citation", "")) for o in data["opinion_types"]
        },
    )
