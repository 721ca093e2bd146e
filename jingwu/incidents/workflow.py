"""The incident's state machine (接处警流程): which step may follow which. Pure: no Django models."""

from __future__ import annotations

from jingwu.incidents.choices import Status, StepKind

OPEN = frozenset(Status) - {Status.CLOSED}

# step → (statuses it may follow, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    StepKind.DISPATCHED: (frozenset({Status.RECEIVED, Status.DISPATCHED}), Status.DISPATCHED),
    StepKind.ACKNOWLEDGED: (frozenset({Status.DISPATCHED}), Status.ACKNOWLEDGED),
    StepKind.ARRIVED: (frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED}), Status.ARRIVED),
    StepKind.HANDLED: (frozenset({Status.ARRIVED}), Status.HANDLED),
    StepKind.CLOSED: (frozenset({Status.HANDLED}), Status.CLOSED),
    StepKind.REROUTED: (
        frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACKNOWLEDGED}),
        Status.RECEIVED,
    ),
    StepKind.LINKED_CALL: (OPEN, None),
    StepKind.NOTE: (OPEN, None),
}

# The action of the access policy each step needs.
STEP_ACTION = {
    StepKind.DISPATCHED: "incident.dispatch",
    StepKind.REROUTED: "incident.dispatch",
    StepKind.CLOSED: "incident.dispatch",
    StepKind.ACKNOWLEDGED: "incident.respond",
    StepKind.ARRIVED: "incident.respond",
    StepKind.HANDLED: "incident.respond",
    StepKind.LINKED_CALL: "incident.create",
    StepKind.NOTE: "incident.respond",
}

# The timestamp field each milestone fills.
MILESTONE_FIELD = {
    StepKind.DISPATCHED: "dispatched_at",
    StepKind.ACKNOWLEDGED: "acknowledged_at",
    StepKind.ARRIVED: "arrived_at",
    StepKind.HANDLED: "handled_at",
    StepKind.CLOSED: "closed_at",
}


def next_status(current: str, step: str) -> str | None:
    """The status after `step`, or raise ValueError with a Chinese message when it may not follow."""
    if current == Status.CLOSED:
        raise ValueError("警情已结束，不能再添加处警节点")
    allowed, target = TRANSITIONS[step]
    if current not in allowed:
        raise ValueError(f"当前状态为“{Status(current).label}”，不能执行“{StepKind(step).label}”")
    return target
