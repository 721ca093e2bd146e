"""Monthly partitioning (按月分区) of the audit log and the incidents on PostgreSQL: the tables are
partitioned, rows land in their month's partition, a month's query reads one partition, the audit
log stays append-only and chained, uniqueness and foreign keys still hold, and partitions_ensure
is idempotent. PostgreSQL only: on SQLite the migrations leave the tables alone."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from jingwu.audit.models import AuditEntry
from jingwu.audit.selectors import audit_chain_check
from jingwu.audit.services import audit_record
from jingwu.core import partitioning as parts
from jingwu.incidents.models import Incident
from jingwu.incidents.tests.conftest import record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="table partitioning is PostgreSQL's; SQLite tables stay plain"
)

AUDIT = parts.AUDIT_TABLE
INCIDENTS = parts.INCIDENT_TABLE


def this_month() -> datetime:
    return parts.month_bound(parts.local_today())


def month_name(table: str, months: int = 0) -> str:
    return parts.partition_name(table, parts.add_months(parts.local_today().replace(day=1), months))


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def scanned(queryset, table: str) -> set[str]:
    """The partitions of `table` that the plan of `queryset` reads."""
    plan = queryset.explain()
    return set(re.findall(rf"\b({table}_(?:p\d{{6}}|default|before))\b", plan))


@pytest.fixture
def dispatcher(user_of):
    return user_of("dispatcher")


def test_both_tables_are_partitioned_with_this_month_and_a_default(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT partrelid::regclass::text, partstrat FROM pg_partitioned_table")
        strategies = dict(cursor.fetchall())
        assert strategies[AUDIT] == "r"
        assert strategies[INCIDENTS] == "r"
        audit_parts = parts.partitions_of(cursor, AUDIT)
        incident_parts = parts.partitions_of(cursor, INCIDENTS)
    assert {month_name(AUDIT), month_name(AUDIT, 1), f"{AUDIT}_default"} <= set(audit_parts)
    assert {month_name(INCIDENTS), month_name(INCIDENTS, 1), f"{INCIDENTS}_default"} <= set(incident_parts)


def test_audit_entries_land_in_the_partition_of_their_month(db):
    entry = audit_record(actor=None, action="test.partition")
    assert partition_of(AUDIT, entry.pk) == month_name(AUDIT)
    # Rows of next month and of a month long gone (no partition: the default one) by raw insert; the
    # chain is not the point here and the test transaction discards them.
    with connection.cursor() as cursor:
        for at in (
            parts.month_bound(parts.add_months(parts.local_today(), 1)),
            datetime(2001, 5, 1, tzinfo=UTC),
        ):
            cursor.execute(
                f"""INSERT INTO {AUDIT} (seq, at, actor_username, actor_roles, actor_unit, action,
                    object_type, object_id, object_label, outcome, ip, request_id, path, prev_hash,
                    entry_hash)
                    VALUES (%s, %s, '', '', '', 'test.raw', '', '', '', 'allowed', '', '', '', '', '')
                    RETURNING id""",
                [10**9 + at.year, at],
            )
            pk = cursor.fetchone()[0]
            expected = month_name(AUDIT, 1) if at.year > 2001 else f"{AUDIT}_default"
            assert partition_of(AUDIT, pk) == expected


def test_a_months_audit_query_reads_only_that_months_partition(db):
    start = this_month()
    end = parts.month_bound(parts.add_months(start.date(), 1))
    assert scanned(AuditEntry.objects.filter(at__gte=start, at__lt=end), AUDIT) == {month_name(AUDIT)}
    # Without a time condition every partition is read: the pruning above is real.
    assert len(scanned(AuditEntry.objects.filter(action="x"), AUDIT)) > 2


def test_audit_log_stays_append_only_on_the_parent_and_on_each_partition(db):
    entry = audit_record(actor=None, action="test.append-only")
    partition = partition_of(AUDIT, entry.pk)
    for sql in (
        f"UPDATE {AUDIT} SET action = 'x' WHERE id = %s",
        f"DELETE FROM {AUDIT} WHERE id = %s",
        f"UPDATE {partition} SET action = 'x' WHERE id = %s",
        f"DELETE FROM {partition} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    for table in (AUDIT, partition, f"{AUDIT}_default"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.append-only"


def test_the_chain_verifies_across_partitions(db):
    audit_record(actor=None, action="test.chain.this-month")
    next_month = parts.month_bound(parts.add_months(parts.local_today(), 1)) + timedelta(hours=1)
    with mock.patch("jingwu.audit.services.timezone.now", return_value=next_month):
        later = audit_record(actor=None, action="test.chain.next-month")
    audit_record(actor=None, action="test.chain.after")
    assert partition_of(AUDIT, later.pk) == month_name(AUDIT, 1)
    assert audit_chain_check() is None
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "audit chain OK" in out.getvalue()


def test_incidents_land_in_this_months_id_range(db, dispatcher):
    incident = record(dispatcher)
    with connection.cursor() as cursor:
        first_id, end_id = parts.incident_id_range(cursor, parts.local_today())
    assert first_id <= incident.pk < end_id
    assert partition_of(INCIDENTS, incident.pk) == month_name(INCIDENTS)


def test_the_first_incident_of_a_month_moves_to_that_months_range(db, dispatcher):
    """Month rollover, simulated by moving the reserved ranges one month back: next month's range
    becomes this month's, so the next insert must jump to its first id and land in its partition."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {INCIDENTS}_id_seq")
        saved = cursor.fetchone()
        first_next, _ = parts.incident_id_range(cursor, parts.add_months(parts.local_today(), 1))
        # In two steps, so that no intermediate month collides with another row's (primary key).
        cursor.execute(f"UPDATE {parts.INCIDENT_SLOTS} SET month = (month - interval '100 years')::date")
        cursor.execute(f"UPDATE {parts.INCIDENT_SLOTS} SET month = (month + interval '1199 months')::date")
    try:
        one, two = record(dispatcher), record(dispatcher)
        assert (one.pk, two.pk) == (first_next, first_next + 1)
        assert partition_of(INCIDENTS, one.pk) == month_name(INCIDENTS, 1)
    finally:
        # Sequences are not transactional: put it back for the tests that follow.
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, %s)", [f"{INCIDENTS}_id_seq", *saved])


def test_a_months_incident_query_reads_only_that_months_partition(db, dispatcher):
    record(dispatcher)
    with connection.cursor() as cursor:
        first_id, end_id = parts.incident_id_range(cursor, parts.local_today())
        moment = this_month() + timedelta(days=1, hours=1)
        floor = parts.incident_id_floor(cursor, moment)
    month = Incident.objects.filter(id__gte=first_id, id__lt=end_id)
    assert scanned(month, INCIDENTS) == {month_name(INCIDENTS)}
    # Received since a moment of this month: the id floor lets PostgreSQL skip the older partitions.
    assert floor == first_id
    recent = scanned(Incident.objects.filter(received_at__gte=moment, id__gte=floor), INCIDENTS)
    assert f"{INCIDENTS}_before" not in recent
    assert month_name(INCIDENTS) in recent


def test_number_and_idempotency_key_stay_unique_across_partitions(db, dispatcher):
    incident = record(dispatcher, idempotency_key="scale-test-key")
    columns = "received_at, source, address, area, category, subcategory, priority, narrative, status, "
    columns += "disposition, disposition_note, version, created_by_id, station_id, unit_id, village_id"
    # A copy of the row with an id far in the default partition: a different partition, same key.
    copy = f"INSERT INTO {INCIDENTS} (id, {columns}, number, idempotency_key) SELECT %s, {columns}, %s, %s "
    copy += f"FROM {INCIDENTS} WHERE id = %s"
    far = 9 * 10**15
    for number, key in ((incident.number, None), (None, "scale-test-key")):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(copy, [far, number, key, incident.pk])
    # Once the first incident lets go of its key, the key is free again.
    Incident.objects.filter(pk=incident.pk).update(idempotency_key=None)
    with connection.cursor() as cursor:
        cursor.execute(copy, [far, None, "scale-test-key", incident.pk])
        assert partition_of(INCIDENTS, far) == f"{INCIDENTS}_default"


def test_other_tables_still_reference_incidents_by_foreign_key(db, dispatcher):
    incident = record(dispatcher)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND confrelid = %s::regclass",
            [INCIDENTS],
        )
        referencing = {row[0] for row in cursor.fetchall()}
    assert {"incidents_incidentstep", "cases_case", "mediation_dispute"} <= referencing
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "INSERT INTO incidents_linkedcallkey (key, incident_id, created_at) VALUES ('k', %s, now())",
            [incident.pk + 10**12],
        )


def test_partitions_ensure_is_idempotent(db):
    def run(*args: str) -> str:
        out = StringIO()
        call_command("partitions_ensure", *args, stdout=out)
        return out.getvalue()

    first = run("--months-ahead", "8")
    assert f"created {month_name(AUDIT, 8)}" in first
    assert f"created {month_name(INCIDENTS, 8)}" in first
    with connection.cursor() as cursor:
        before = parts.partitions_of(cursor, AUDIT) + parts.partitions_of(cursor, INCIDENTS)
    assert "0 partition(s) created" in run("--months-ahead", "8")
    assert "0 partition(s) created" in run("--months-ahead", "2")
    with connection.cursor() as cursor:
        assert parts.partitions_of(cursor, AUDIT) + parts.partitions_of(cursor, INCIDENTS) == before
        # The reserved id ranges follow one another without gap or overlap.
        cursor.execute(f"SELECT first_id, end_id FROM {parts.INCIDENT_SLOTS} ORDER BY month")
        ranges = cursor.fetchall()
    assert all(a_end == b_first for (_, a_end), (b_first, _) in itertools.pairwise(ranges))


def test_repartition_moves_existing_rows_and_keeps_keys_and_references(db):
    """The migrations' mechanism on a table that already holds rows and is referenced by another."""
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TABLE scale_log (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                   at timestamptz NOT NULL, code varchar(10) UNIQUE, n int CHECK (n > 0))"""
        )
        cursor.execute("CREATE INDEX scale_log_n ON scale_log (n)")
        cursor.execute(
            "CREATE TABLE scale_note (id serial PRIMARY KEY,"
            " log_id bigint NOT NULL REFERENCES scale_log (id))"
        )
        cursor.execute(
            "INSERT INTO scale_log (id, at, code, n) VALUES (5, now(), 'a', 1), (500, now(), 'b', 2)"
        )
        cursor.execute("INSERT INTO scale_note (log_id) VALUES (5), (500)")

        def make(cur) -> None:
            cur.execute(
                "CREATE TABLE scale_log_low PARTITION OF scale_log FOR VALUES FROM (MINVALUE) TO (100)"
            )
            cur.execute("CREATE TABLE scale_log_default PARTITION OF scale_log DEFAULT")

        parts.repartition(
            cursor,
            table="scale_log",
            partition_by="RANGE (id)",
            key="id",
            primary_key=("id",),
            keep_identity=False,
            make_partitions=make,
            global_unique=("code",),
        )
        assert parts.is_partitioned(cursor, "scale_log")
        cursor.execute("SELECT tableoid::regclass::text, id, code FROM scale_log ORDER BY id")
        assert cursor.fetchall() == [("scale_log_low", 5, "a"), ("scale_log_default", 500, "b")]
        cursor.execute("SELECT last_value FROM scale_log_id_seq")
        assert cursor.fetchone()[0] == 500  # a new sequence continues above the moved rows
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'scale_log'")
        assert {"scale_log_pkey", "scale_log_n", "scale_log_code_key"} <= {
            row[0] for row in cursor.fetchall()
        }
        for sql in (
            "INSERT INTO scale_log (id, at, n) VALUES (6, now(), 0)",  # the check constraint came along
            "INSERT INTO scale_log (id, at, n) VALUES (5, now(), 1)",  # so did the primary key
            "INSERT INTO scale_note (log_id) VALUES (77)",  # and the other table's foreign key
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(sql)
