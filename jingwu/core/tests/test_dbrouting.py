"""Read-replica routing (只读副本路由): the dashboard and search reads go to the `replica` alias when one is
configured, writes always go to `default`, and without a replica everything stays on `default`.

The replica here is a second database alias that mirrors the test database (a separate connection,
as a PostgreSQL standby would be): it sees what was committed (the demo bureau loaded for the
session), not the test's own uncommitted rows, so the tests check where each query was sent.
"""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from jingwu.audit.models import AuditEntry
from jingwu.audit.services import audit_record
from jingwu.core.dbrouting import REPLICA, read_alias, replica_configured, replica_reads
from jingwu.org.models import Unit, User
from jingwu.search import selectors as search_selectors
from jingwu.stats import periods, scope
from jingwu.stats import selectors as stats_selectors


@pytest.fixture(scope="class")
def replica_alias(django_db_setup):
    """A `replica` alias mirroring default's test database. Class-scoped so that it exists before a
    test's database access is set up (a test must list it in its `databases`)."""
    default = connections["default"].settings_dict
    mirror = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    if default["ENGINE"].endswith("sqlite3"):
        # The test case opens a transaction on the mirror too; on SQLite it must not take the write lock.
        mirror["OPTIONS"] = {**default.get("OPTIONS", {}), "transaction_mode": "DEFERRED"}
    connections.settings[REPLICA] = mirror
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica(replica_alias):
    return connections[REPLICA]


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.mark.django_db
def test_without_a_replica_everything_reads_default():
    assert not replica_configured()
    assert read_alias() == "default"
    with replica_reads() as alias, CaptureQueriesContext(connections["default"]) as on_default:
        assert Unit.objects.filter(code="wp").exists()
    assert alias == "default"
    assert len(on_default) == 1


@pytest.mark.django_db(databases=["default", REPLICA])
@pytest.mark.usefixtures("replica_alias")
class TestWithAReplica:
    def test_dashboard_reads_go_to_the_replica(self, replica, user_of):
        actor = user_of("leader")
        selection = scope.resolve(actor, "all")
        with (
            CaptureQueriesContext(connections["default"]) as on_default,
            CaptureQueriesContext(replica) as on_replica,
        ):
            board = stats_selectors.dashboard(
                actor=actor, period=periods.month(2025, 12), selection=selection
            )
        assert board.incidents.current >= 0
        replica_sql = sql_of(on_replica)
        assert any("stats_" in s for s in replica_sql), replica_sql
        assert not any("stats_" in s for s in sql_of(on_default))
        assert writes(replica_sql) == []

    def test_search_reads_go_to_the_replica_and_see_committed_records(self, replica, user_of):
        actor = user_of("leader")
        unit = Unit.objects.get(code="wp")
        with (
            CaptureQueriesContext(connections["default"]) as on_default,
            CaptureQueriesContext(replica) as on_replica,
        ):
            search_selectors.search(actor=actor, query=unit.name[:2])
            with replica_reads():
                # The demo bureau was committed when the session began: the mirror sees it.
                assert User.objects.filter(username="leader").exists()
        assert any("search_" in s for s in sql_of(on_replica))
        assert not any("search_" in s for s in sql_of(on_default))

    def test_writes_go_to_default_even_inside_a_replica_block(self, replica):
        with (
            CaptureQueriesContext(connections["default"]) as on_default,
            CaptureQueriesContext(replica) as on_replica,
            replica_reads() as alias,
        ):
            entry = audit_record(actor=None, action="test.replica.write")
        assert alias == REPLICA
        assert writes(sql_of(on_replica)) == []
        # The chain head's row lock (SELECT … FOR UPDATE on PostgreSQL) is a write: never the replica.
        assert any("audit_chainhead" in s for s in sql_of(on_default))
        assert not any("audit_chainhead" in s for s in sql_of(on_replica))
        assert any(s.startswith("INSERT") and "audit_auditentry" in s for s in writes(sql_of(on_default)))
        assert AuditEntry.objects.filter(pk=entry.pk).exists()

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's shared-cache test database locks a table that the mirror connection has read",
    )
    def test_an_object_read_from_the_replica_is_saved_to_default(self, replica):
        with replica_reads():
            unit = Unit.objects.get(code="wp")
        assert unit._state.db == REPLICA
        unit.sort_order += 1
        with (
            CaptureQueriesContext(connections["default"]) as on_default,
            CaptureQueriesContext(replica) as on_replica,
        ):
            unit.save(update_fields=["sort_order"])
        assert writes(sql_of(on_default))
        assert writes(sql_of(on_replica)) == []
        assert Unit.objects.get(code="wp").sort_order == unit.sort_order
