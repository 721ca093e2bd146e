"""The case workflow (案件流程) read from data/workflow.yaml and checked on load. Pure: no Django.

Transitions, their approvals (法制审核、审批), gates and legal events are data; this module only
answers questions about them, so that the services, the pages and the tests share one declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jingwu.core.legal_events import load_event_vocabulary

WORKFLOW_YAML = Path(__file__).resolve().parent / "data" / "workflow.yaml"
CASE_KINDS = ("criminal", "administrative")
APPROVER_ROLES = ("legal_officer", "unit_chief", "leader")
GATES = ("assigned", "reason", "deliberation_if_major", "arrest_approved")


class WorkflowError(ValueError):
    """The workflow file is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    kinds: tuple[str, ...]
    action: str
    approvals: tuple[str, ...]
    requires: tuple[str, ...]
    events: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    kinds: tuple[str, ...]
    start: str
    end: str
    approvals: tuple[str, ...]
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Workflow:
    states: dict[str, str]
    terminal: frozenset[str]
    transitions: dict[str, Transition]
    measures: dict[str, Measure]
    party_events: dict[str, tuple[str, ...]]
    event_approvals: dict[str, tuple[str, ...]]

    def available(self, status: str, kind: str) -> list[Transition]:
        """Transitions that may follow `status` for a case of `kind`, in the file's order."""
        return [t for t in self.transitions.values() if status in t.sources and kind in t.kinds]

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise WorkflowError(f"未知的流程操作：{name}") from None


def _tuple(value: object) -> tuple[str, ...]:
    return tuple(value or ())  # type: ignore[arg-type]


def _check_subset(
    where: str, values: tuple[str, ...], allowed: tuple[str, ...] | set[str], what: str
) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise WorkflowError(f"{where}: unknown {what} {unknown}")


@cache
def workflow(path: Path = WORKFLOW_YAML) -> Workflow:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    vocabulary = load_event_vocabulary()
    states = dict(data["states"])
    transitions: dict[str, Transition] = {}
    for name, raw in data["transitions"].items():
        where = f"{path.name}: transition {name}"
        sources, target = _tuple(raw["from"]), raw["to"]
        _check_subset(where, (*sources, target), set(states), "state")
        kinds = _tuple(raw["kinds"])
        _check_subset(where, kinds, CASE_KINDS, "case kind")
        approvals, requires = _tuple(raw.get("approvals")), _tuple(raw.get("requires"))
        _check_subset(where, approvals, APPROVER_ROLES, "approver role")
        _check_subset(where, requires, GATES, "gate")
        events = {kind: _tuple(codes) for kind, codes in (raw.get("events") or {}).items()}
        for codes in events.values():
            _check_subset(where, codes, set(vocabulary.events), "legal event")
        transitions[name] = Transition(
            name, raw["label"], sources, target, kinds, raw["action"], approvals, requires, events
        )
    measures: dict[str, Measure] = {}
    for name, raw in (data.get("measures") or {}).items():
        where = f"{path.name}: measure {name}"
        _check_subset(where, (raw["start"], raw["end"]), set(vocabulary.events), "legal event")
        approvals, requires = _tuple(raw.get("approvals")), _tuple(raw.get("requires"))
        _check_subset(where, approvals, APPROVER_ROLES, "approver role")
        _check_subset(where, requires, GATES, "gate")
        measures[name] = Measure(
            name, raw["label"], _tuple(raw["kinds"]), raw["start"], raw["end"], approvals, requires
        )
    party_events = {kind: _tuple(codes) for kind, codes in (data.get("party_events") or {}).items()}
    for kind, codes in party_events.items():
        _check_subset(f"{path.name}: party_events.{kind}", codes, set(vocabulary.events), "legal event")
    event_approvals = {code: _tuple(roles) for code, roles in (data.get("event_approvals") or {}).items()}
    for code, roles in event_approvals.items():
        where = f"{path.name}: event_approvals.{code}"
        _check_subset(where, (code,), {c for codes in party_events.values() for c in codes}, "party event")
        _check_subset(where, roles, APPROVER_ROLES, "approver role")
    terminal = frozenset(_tuple(data.get("terminal")))
    _check_subset(f"{path.name}: terminal", tuple(terminal), set(states), "state")
    return Workflow(states, terminal, transitions, measures, party_events, event_approvals)
