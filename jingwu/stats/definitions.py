"""The figures' definitions (统计口径) and the 平安三率 questionnaire, kept as data under stats/data/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"


class DefinitionError(ValueError):
    """A data file of the stats app is malformed."""


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    date: str
    counts: str

    @property
    def tooltip(self) -> str:
        return f"{self.title}：{self.counts}（期间按{self.date}的北京时间日期确定）"


@cache
def figures(path: Path = DATA / "figures.yaml") -> dict[str, Figure]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path.name}: expected a mapping of figures")
    result = {}
    for key, item in raw.items():
        missing = {"title", "date", "counts"} - set(item or {})
        if missing:
            raise DefinitionError(f"{path.name}: figure {key!r} lacks {sorted(missing)}")
        result[key] = Figure(key, str(item["title"]), str(item["date"]), str(item["counts"]))
    return result


@dataclass(frozen=True)
class Option:
    code: str
    text: str
    positive: bool


@dataclass(frozen=True)
class Question:
    code: str
    indicator: str
    text: str
    options: tuple[Option, ...]

    def option(self, value: str) -> Option | None:
        """The option whose code or text is `value` (spreadsheets carry the text)."""
        value = (value or "").strip()
        return next((o for o in self.options if value in (o.code, o.text)), None)


@dataclass(frozen=True)
class Questionnaire:
    indicators: dict[str, str]
    questions: tuple[Question, ...]

    def question(self, code: str) -> Question:
        return next(q for q in self.questions if q.code == code)


@cache
def questionnaire(path: Path = DATA / "survey.yaml") -> Questionnaire:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    indicators = {str(k): str(v) for k, v in (raw.get("indicators") or {}).items()}
    questions = []
    for item in raw.get("questions") or []:
        if item.get("indicator") not in indicators:
            raise DefinitionError(f"{path.name}: question {item.get('code')!r} names an unknown indicator")
        options = tuple(Option(str(o["code"]), str(o["text"]), bool(o["positive"])) for o in item["options"])
        if not any(o.positive for o in options):
            raise DefinitionError(f"{path.name}: question {item['code']!r} has no positive option")
        questions.append(Question(str(item["code"]), str(item["indicator"]), str(item["text"]), options))
    if not questions:
        raise DefinitionError(f"{path.name}: no questions")
    return Questionnaire(indicators, tuple(questions))
