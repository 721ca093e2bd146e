"""The case workflow as data (jingwu/cases/data/workflow.yaml): the shipped file loads and is
consistent with the legal event vocabulary and the roles; an inconsistent file is refused with an error
that names the entry. Pure: no database."""

from __future__ import annotations

import textwrap
from collections import deque
from pathlib import Path

import pytest

from jingwu.access.roles import APPROVER_ROLES, CAPABILITIES
from jingwu.cases.choices import CaseKind
from jingwu.cases.workflow import (
    APPROVER_ROLES as WORKFLOW_APPROVER_ROLES,
)
from jingwu.cases.workflow import (
    CASE_KINDS,
    GATES,
    WORKFLOW_YAML,
    Workflow,
    WorkflowError,
    workflow,
)
from jingwu.core.legal_events import load_event_vocabulary

EVENTS = load_event_vocabulary().events


@pytest.fixture(scope="module")
def shipped() -> Workflow:
    # Read the file afresh, past the cache: what is tested is what is on disk.
    return workflow.__wrapped__(WORKFLOW_YAML)


# --- the shipped file ----------------------------------------------------------------------------------


def test_the_shipped_workflow_loads_and_is_the_cached_default(shipped: Workflow) -> None:
    assert workflow() is workflow()
    assert workflow().transitions.keys() == shipped.transitions.keys()
    assert set(shipped.states) == {
        "accepted",
        "filed",
        "not_filed",
        "transferred",
        "returned",
        "decided",
        "withdrawn",
        "closed",
    }
    assert shipped.terminal == {"not_filed", "withdrawn", "closed"}
    assert all(label.strip() for label in shipped.states.values())
    assert set(CASE_KINDS) == set(CaseKind.values)


def test_every_transition_names_known_states_kinds_roles_gates_and_events(shipped: Workflow) -> None:
    for t in shipped.transitions.values():
        assert t.label.strip(), t.name
        assert t.sources and set(t.sources) <= set(shipped.states), t.name
        assert t.target in shipped.states, t.name
        assert t.kinds and set(t.kinds) <= set(CASE_KINDS), t.name
        assert set(t.approvals) <= set(WORKFLOW_APPROVER_ROLES), t.name
        assert set(t.requires) <= set(GATES), t.name
        assert t.action in CAPABILITIES, t.name
        # Events are declared for the kinds the transition applies to, with codes of the vocabulary.
        assert set(t.events) <= set(t.kinds), t.name
        for codes in t.events.values():
            assert set(codes) <= set(EVENTS), t.name


def test_every_measure_and_party_event_is_in_the_vocabulary(shipped: Workflow) -> None:
    for m in shipped.measures.values():
        assert m.start in EVENTS and m.end in EVENTS, m.name
        assert EVENTS[m.start].subject == "person" and EVENTS[m.end].subject == "person", m.name
        assert set(m.kinds) <= set(CASE_KINDS), m.name
        assert set(m.approvals) <= set(WORKFLOW_APPROVER_ROLES), m.name
        assert set(m.requires) <= set(GATES), m.name
    for kind, codes in shipped.party_events.items():
        assert kind in CASE_KINDS
        # Party events are recorded with a person key: they must be per-person events.
        assert all(EVENTS[code].subject == "person" for code in codes), kind


def test_every_approver_role_of_the_workflow_has_holders_who_may_approve() -> None:
    assert set(WORKFLOW_APPROVER_ROLES) == set(APPROVER_ROLES)
    for role, holders in APPROVER_ROLES.items():
        assert holders and holders <= CAPABILITIES["case.approve"], role


def test_terminal_states_have_no_way_out_and_every_state_is_reachable(shipped: Workflow) -> None:
    for t in shipped.transitions.values():
        assert shipped.terminal.isdisjoint(t.sources), t.name
    for kind in CASE_KINDS:
        seen, todo = {"accepted"}, deque(["accepted"])
        while todo:
            for t in shipped.available(todo.popleft(), kind):
                if t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        assert "closed" in seen, kind
        # Every state reached that is not terminal leads somewhere.
        for state in seen - shipped.terminal:
            assert shipped.available(state, kind), (kind, state)
    reached = {t.target for t in shipped.transitions.values()} | {"accepted"}
    assert reached == set(shipped.states)


def test_the_configured_gates(shipped: Workflow) -> None:
    """The gates as configured (the closing note of issue 4 lists these)."""
    gates = {name: (t.approvals, t.requires) for name, t in shipped.transitions.items()}
    assert gates == {
        "file": (("unit_chief",), ("assigned",)),
        "decline": (("unit_chief",), ("reason",)),
        "transfer_for_prosecution": (("legal_officer", "leader"), ("deliberation_if_major",)),
        "record_return": ((), ("reason",)),
        "resubmit": (("legal_officer",), ()),
        "decide": (("legal_officer", "unit_chief"), ("deliberation_if_major",)),
        "withdraw": (("legal_officer", "leader"), ("reason", "deliberation_if_major")),
        "close": ((), ()),
    }
    measures = {name: (m.approvals, m.requires) for name, m in shipped.measures.items()}
    assert measures["criminal_detention"] == (("legal_officer", "leader"), ())
    assert measures["arrest"] == ((), ("arrest_approved",))
    assert measures["summons"] == ((), ())


def test_available_follows_state_and_kind_in_the_files_order(shipped: Workflow) -> None:
    assert [t.name for t in shipped.available("accepted", "criminal")] == ["file", "decline"]
    assert [t.name for t in shipped.available("filed", "criminal")] == [
        "transfer_for_prosecution",
        "withdraw",
    ]
    assert [t.name for t in shipped.available("filed", "administrative")] == ["decide", "withdraw"]
    assert [t.name for t in shipped.available("transferred", "criminal")] == ["record_return", "close"]
    assert [t.name for t in shipped.available("returned", "criminal")] == ["resubmit", "withdraw"]
    assert [t.name for t in shipped.available("decided", "administrative")] == ["close"]
    assert [t.name for t in shipped.available("closed", "criminal")] == []


def test_an_unknown_transition_name_is_refused(shipped: Workflow) -> None:
    with pytest.raises(WorkflowError, match="未知的流程操作：fly"):
        shipped.transition("fly")
    assert shipped.transition("file").label == "立案"


# --- invalid files ---------------------------------------------------------------------------------------

VALID = """
states:
  accepted: 已受案
  filed: 已立案
  closed: 已结案
terminal: [closed]
transitions:
  file:
    label: 立案
    from: [accepted]
    to: filed
    kinds: [criminal]
    action: case.review
    approvals: [unit_chief]
    requires: [assigned]
    events: {criminal: [case_filed]}
  close:
    label: 结案
    from: [filed]
    to: closed
    kinds: [criminal]
    action: case.handle
measures:
  summons:
    label: 传唤
    kinds: [criminal]
    start: summons_arrived
    end: summons_ended
party_events:
  criminal: [family_notified]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workflow.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path: Path) -> None:
    loaded = workflow.__wrapped__(_write(tmp_path, VALID))
    assert list(loaded.transitions) == ["file", "close"]
    assert loaded.transitions["file"].events == {"criminal": ("case_filed",)}
    assert loaded.transitions["close"].approvals == () and loaded.transitions["close"].events == {}
    assert loaded.measures["summons"].approvals == ()
    assert loaded.party_events == {"criminal": ("family_notified",)}


@pytest.mark.parametrize(
    ("old", "new", "entry", "bad"),
    [
        ("to: filed", "to: archived", "transition file", "archived"),
        ("from: [filed]", "from: [limbo]", "transition close", "limbo"),
        (
            "kinds: [criminal]\n    action: case.handle",
            "kinds: [civil]\n    action: case.handle",
            "transition close",
            "civil",
        ),
        ("[case_filed]", "[case_filed, case_teleported]", "transition file", "case_teleported"),
        ("approvals: [unit_chief]", "approvals: [mayor]", "transition file", "mayor"),
        ("requires: [assigned]", "requires: [assigned, full_moon]", "transition file", "full_moon"),
        ("end: summons_ended", "end: summons_forgotten", "measure summons", "summons_forgotten"),
        ("[family_notified]", "[family_notified, party_thrown]", "party_events.criminal", "party_thrown"),
        ("terminal: [closed]", "terminal: [closed, archived]", "terminal", "archived"),
    ],
)
def test_an_inconsistent_file_is_refused_naming_the_entry(
    tmp_path: Path, old: str, new: str, entry: str, bad: str
) -> None:
    assert VALID.count(old) == 1, old
    path = _write(tmp_path, VALID.replace(old, new))

    with pytest.raises(WorkflowError) as raised:
        workflow.__wrapped__(path)

    message = str(raised.value)
    assert f"workflow.yaml: {entry}" in message
    assert bad in message


def test_a_measure_with_an_unknown_approver_or_gate_is_refused(tmp_path: Path) -> None:
    for line, bad in (
        ("    approvals: [sheriff]\n", "sheriff"),
        ("    requires: [paperwork]\n", "paperwork"),
    ):
        text = VALID.replace("    end: summons_ended\n", "    end: summons_ended\n" + line)
        with pytest.raises(WorkflowError, match=rf"measure summons: unknown .*{bad}"):
            workflow.__wrapped__(_write(tmp_path, text))


def test_the_cache_serves_the_shipped_file_until_cleared(tmp_path: Path) -> None:
    before = workflow()
    workflow.cache_clear()
    try:
        assert workflow().transitions.keys() == before.transitions.keys()
        # Another path is another cache entry: the default is untouched.
        assert list(workflow(_write(tmp_path, VALID)).transitions) == ["file", "close"]
        assert "transfer_for_prosecution" in workflow().transitions
    finally:
        workflow.cache_clear()


def test_gated_party_events_must_be_party_events_with_known_approvers(tmp_path: Path) -> None:
    gated = VALID + "\nevent_approvals:\n  family_notified: [legal_officer, leader]\n"
    assert workflow.__wrapped__(_write(tmp_path, gated)).event_approvals == {
        "family_notified": ("legal_officer", "leader")
    }
    for text, bad in (
        (VALID + "\nevent_approvals:\n  arrest_approved: [leader]\n", "arrest_approved"),
        (VALID + "\nevent_approvals:\n  family_notified: [mayor]\n", "mayor"),
    ):
        with pytest.raises(WorkflowError, match=rf"event_approvals\.\w+: unknown .*{bad}"):
            workflow.__wrapped__(_write(tmp_path, text))


def test_the_arrest_request_goes_through_legal_review_and_the_leader(shipped: Workflow) -> None:
    assert shipped.event_approvals == {"arrest_request_submitted": ("legal_officer", "leader")}
