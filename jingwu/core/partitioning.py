"""Monthly range partitioning (按月分区) of the big tables on PostgreSQL.

Used by the audit and incident migrations (to turn the plain table into a partitioned one, moving its
rows) and by `manage.py partitions_ensure` (to create the coming months' partitions ahead). Two kinds:

- by time (`audit_auditentry` on `at`): one partition per Asia/Shanghai calendar month;
- by id (`incidents_incident` on `id`): one id range per month. The id column's default,
  `incidents_next_id()`, moves the sequence to the month's first id on the first insert of a month,
  so each month's new rows land in that month's partition while `id` stays the sole primary key that
  other tables' foreign keys reference. See docs/scale.md for why.

Every table also gets a DEFAULT partition so that an insert never fails for want of a partition.
Nothing here runs on SQLite: callers check `connection.vendor`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUDIT_TABLE = "audit_auditentry"
INCIDENT_TABLE = "incidents_incident"
INCIDENT_SLOTS = "incidents_partition_slot"
INCIDENT_GUARD = "incidents_incident_unique"
# The smallest id range reserved per month; partitions_ensure widens it to twice the busiest month.
MIN_IDS_PER_MONTH = 100_000


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bound(day: date) -> datetime:
    """Midnight in Shanghai at the start of `day`'s month, as an aware datetime."""
    return datetime(day.year, day.month, 1, tzinfo=SHANGHAI)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


# --- catalogue ----------------------------------------------------------------------------------------


def is_partitioned(cursor: Any, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)",
        [table],
    )
    return cursor.fetchone() is not None


def partitions_of(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = %s::regclass ORDER BY c.relname""",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _index_columns(cursor: Any, index_oid: int) -> list[str]:
    cursor.execute(
        """SELECT a.attname FROM pg_index x
           JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) ON true
           JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
           WHERE x.indexrelid = %s ORDER BY k.n""",
        [index_oid],
    )
    return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class _Index:
    name: str
    definition: str
    unique: bool
    primary: bool
    constraint: bool
    columns: tuple[str, ...]


def _indexes(cursor: Any, table: str) -> list[_Index]:
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary,
                  EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                          AND c.conrelid = x.indrelid), x.indexrelid
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass ORDER BY i.relname""",
        [table],
    )
    rows = cursor.fetchall()
    return [
        _Index(name, definition, unique, primary, constraint, tuple(_index_columns(cursor, oid)))
        for name, definition, unique, primary, constraint, oid in rows
    ]


# --- turning a plain table into a partitioned one ----------------------------------------------------


def repartition(
    cursor: Any,
    *,
    table: str,
    partition_by: str,
    key: str,
    primary_key: tuple[str, ...],
    keep_identity: bool,
    make_partitions: Any,
    global_unique: tuple[str, ...] = (),
) -> None:
    """Replace `table` by a table of the same shape partitioned by `partition_by`, moving its rows.

    Discovered from the catalogue (so later columns, indexes and foreign keys of other apps survive):
    indexes, check constraints, foreign keys both ways and triggers. A unique index that does not
    contain the partition `key` cannot exist on a partitioned table: for the columns listed in
    `global_unique` it becomes a plain index (the caller installs a guard); any other gets `key` added.
    `make_partitions(cursor)` creates the partitions before the rows are copied.
    """
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        """SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND confrelid = %s::regclass AND conrelid <> confrelid""",
        [table],
    )
    incoming = cursor.fetchall()
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid = %s::regclass""",
        [table],
    )
    outgoing = cursor.fetchall()
    cursor.execute(
        """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
           WHERE tgrelid = %s::regclass AND NOT tgisinternal""",
        [table],
    )
    triggers = cursor.fetchall()
    indexes = _indexes(cursor, table)

    for name, child, _definition in incoming:
        cursor.execute(f'ALTER TABLE {child} DROP CONSTRAINT "{name}"')
    old = f"{table}_unpartitioned"
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    including = "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"
    if keep_identity:
        including += " INCLUDING IDENTITY"
    cursor.execute(f"CREATE TABLE {table} (LIKE {old} {including}) PARTITION BY {partition_by}")
    make_partitions(cursor)
    overriding = "OVERRIDING SYSTEM VALUE" if keep_identity else ""
    cursor.execute(f"INSERT INTO {table} {overriding} SELECT * FROM {old}")
    if keep_identity:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", [old, table]
        )
        old_sequence, new_sequence = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        cursor.execute(f"DROP TABLE {old}")
        # The new identity sequence was named after the temporary name; give it the usual one.
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {table}_id_seq")
    else:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {old}")
        (max_id,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {old}")
        cursor.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
        if max_id:
            cursor.execute("SELECT setval(%s, %s)", [f"{table}_id_seq", max_id])

    cursor.execute(
        f'ALTER TABLE {table} ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({", ".join(primary_key)})'
    )
    for index in indexes:
        if index.primary:
            continue
        if index.unique and key not in index.columns:
            if set(index.columns) <= set(global_unique):
                cols = ", ".join(index.columns)
                cursor.execute(f'CREATE INDEX "{index.name}" ON {table} ({cols})')
            else:
                cols = ", ".join((*index.columns, key))
                cursor.execute(f'CREATE UNIQUE INDEX "{index.name}" ON {table} ({cols})')
        else:
            cursor.execute(index.definition)
    for name, definition in outgoing:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in triggers:
        cursor.execute(definition)
    for name, child, definition in incoming:
        cursor.execute(f'ALTER TABLE {child} ADD CONSTRAINT "{name}" {definition}')


def copy_statement_triggers(cursor: Any, table: str, partition: str) -> None:
    """Statement-level triggers (the audit log's TRUNCATE guard) are not cloned to partitions by
    PostgreSQL; copy them so that truncating a partition directly is refused too."""
    cursor.execute(
        """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
           WHERE tgrelid = %s::regclass AND NOT tgisinternal AND (tgtype & 1) = 0""",
        [table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s", [partition, name]
        )
        if cursor.fetchone() is None:
            cursor.execute(definition.replace(f" ON public.{table} ", f" ON public.{partition} ", 1))


# --- partitions by time -------------------------------------------------------------------------------


def ensure_time_partitions(cursor: Any, *, table: str, column: str, first: date, last: date) -> list[str]:
    """Create the monthly partitions first..last of `table` (by `column`) and the default one; return
    the names created. A month whose rows already sit in the default partition is skipped with a
    warning (creating it would fail): move them by hand, see docs/scale.md."""
    existing = set(partitions_of(cursor, table))
    created = []
    default = f"{table}_default"
    if default not in existing:
        cursor.execute(f"CREATE TABLE {default} PARTITION OF {table} DEFAULT")
        created.append(default)
    month = month_start(first)
    while month <= last:
        name = partition_name(table, month)
        if name not in existing:
            low, high = month_bound(month), month_bound(add_months(month, 1))
            cursor.execute(
                f"SELECT 1 FROM {default} WHERE {column} >= %s AND {column} < %s LIMIT 1", [low, high]
            )
            if cursor.fetchone() is not None:
                logger.warning(
                    "%s: rows of %s are in %s; partition not created", table, f"{month:%Y-%m}", default
                )
            else:
                cursor.execute(
                    # DDL takes no bind parameters: the bounds are our own datetimes, written as literals.
                    f"CREATE TABLE {name} PARTITION OF {table}"
                    f" FOR VALUES FROM ('{low.isoformat()}') TO ('{high.isoformat()}')"
                )
                created.append(name)
        month = add_months(month, 1)
    for name in created:
        copy_statement_triggers(cursor, table, name)
    return created


# --- incidents: id ranges aligned to months ------------------------------------------------------------

NEXT_ID_FUNCTION = f"""
CREATE OR REPLACE FUNCTION incidents_next_id() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    lo bigint;
BEGIN
    v := nextval('{INCIDENT_TABLE}_id_seq');
    SELECT first_id INTO lo FROM {INCIDENT_SLOTS}
     WHERE month = date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date;
    IF lo IS NULL OR v >= lo THEN
        RETURN v;
    END IF;
    -- First insert of a new month: move the sequence up to the month's range, once, under a lock.
    PERFORM pg_advisory_xact_lock(hashtext('incidents_next_id'));
    v := nextval('{INCIDENT_TABLE}_id_seq');
    IF v >= lo OR lo - v < 1000 THEN
        RETURN v;  -- already there (or as good as there: never move a sequence that others are near)
    END IF;
    PERFORM setval('{INCIDENT_TABLE}_id_seq', lo);
    RETURN lo;
END $$
"""

# number and idempotency_key are unique across all partitions: the guard table's primary key enforces
# it (a partitioned table's own unique indexes must contain the partition key). Statement-level
# triggers with transition tables keep it in step set-wise, so a bulk import pays one INSERT … SELECT
# per statement rather than a function call per row.
GUARD_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION incidents_unique_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {INCIDENT_GUARD} (field, value, incident_id)
    SELECT 'number', number, id FROM new_rows WHERE number IS NOT NULL
    UNION ALL
    SELECT 'idempotency_key', idempotency_key, id FROM new_rows WHERE idempotency_key IS NOT NULL;
    RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION incidents_unique_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {INCIDENT_GUARD} g USING old_rows o
     WHERE (g.field = 'number' AND g.value = o.number)
        OR (g.field = 'idempotency_key' AND g.value = o.idempotency_key);
    RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION incidents_unique_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates (status, times) touch neither column: one cheap join finds nothing to do.
    PERFORM 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE n.number IS DISTINCT FROM o.number OR n.idempotency_key IS DISTINCT FROM o.idempotency_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    DELETE FROM {INCIDENT_GUARD} g USING old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (g.field = 'number' AND g.value = o.number AND n.number IS DISTINCT FROM o.number)
        OR (g.field = 'idempotency_key' AND g.value = o.idempotency_key
            AND n.idempotency_key IS DISTINCT FROM o.idempotency_key);
    INSERT INTO {INCIDENT_GUARD} (field, value, incident_id)
    SELECT 'number', n.number, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.number IS NOT NULL AND n.number IS DISTINCT FROM o.number
    UNION ALL
    SELECT 'idempotency_key', n.idempotency_key, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.idempotency_key IS NOT NULL AND n.idempotency_key IS DISTINCT FROM o.idempotency_key;
    RETURN NULL;
END $$""",
]
GUARD_TRIGGERS = [
    f"""CREATE TRIGGER incidents_unique_inserted AFTER INSERT ON {INCIDENT_TABLE}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incidents_unique_inserted()""",
    f"""CREATE TRIGGER incidents_unique_deleted AFTER DELETE ON {INCIDENT_TABLE}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incidents_unique_deleted()""",
    f"""CREATE TRIGGER incidents_unique_updated AFTER UPDATE ON {INCIDENT_TABLE}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION incidents_unique_updated()""",
]

GUARD_TRUNCATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION incidents_incident_unique_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {INCIDENT_GUARD};
    RETURN NULL;
END $$
"""


def partition_incidents(cursor: Any, *, months_ahead: int = 3) -> None:
    """The incidents migration on PostgreSQL: partition `incidents_incident` by id ranges per month."""
    if is_partitioned(cursor, INCIDENT_TABLE):
        return
    cursor.execute(
        f"""CREATE TABLE {INCIDENT_SLOTS} (
                month date PRIMARY KEY,
                first_id bigint NOT NULL UNIQUE,
                end_id bigint NOT NULL,
                CHECK (end_id > first_id))"""
    )
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {INCIDENT_TABLE}")
    (max_id,) = cursor.fetchone()
    this_month = month_start(local_today())

    def make(cur: Any) -> None:
        # Everything that exists today stays together in one partition below the first month's range.
        cur.execute(
            f"CREATE TABLE {INCIDENT_TABLE}_before PARTITION OF {INCIDENT_TABLE}"
            f" FOR VALUES FROM (MINVALUE) TO ({int(max_id) + 1})"
        )
        cur.execute(
            f"INSERT INTO {INCIDENT_SLOTS} (month, first_id, end_id) VALUES (%s, %s, %s)",
            [this_month, max_id + 1, max_id + 1 + MIN_IDS_PER_MONTH],
        )
        _create_slot_partition(cur, this_month, max_id + 1, max_id + 1 + MIN_IDS_PER_MONTH)
        cur.execute(f"CREATE TABLE {INCIDENT_TABLE}_default PARTITION OF {INCIDENT_TABLE} DEFAULT")

    repartition(
        cursor,
        table=INCIDENT_TABLE,
        partition_by="RANGE (id)",
        key="id",
        primary_key=("id",),
        keep_identity=False,
        make_partitions=make,
        global_unique=("number", "idempotency_key"),
    )
    cursor.execute(
        f"""CREATE TABLE {INCIDENT_GUARD} (
                field text NOT NULL, value text NOT NULL, incident_id bigint NOT NULL,
                PRIMARY KEY (field, value))"""
    )
    cursor.execute(
        f"""INSERT INTO {INCIDENT_GUARD} (field, value, incident_id)
            SELECT 'number', number, id FROM {INCIDENT_TABLE} WHERE number IS NOT NULL
            UNION ALL
            SELECT 'idempotency_key', idempotency_key, id FROM {INCIDENT_TABLE}
             WHERE idempotency_key IS NOT NULL"""
    )
    for sql in (*GUARD_FUNCTIONS, GUARD_TRUNCATE_FUNCTION, *GUARD_TRIGGERS):
        cursor.execute(sql)
    cursor.execute(
        f"""CREATE TRIGGER incidents_incident_unique_truncate AFTER TRUNCATE ON {INCIDENT_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION incidents_incident_unique_truncate()"""
    )
    cursor.execute(NEXT_ID_FUNCTION)
    cursor.execute(f"ALTER TABLE {INCIDENT_TABLE} ALTER COLUMN id SET DEFAULT incidents_next_id()")
    ensure_incident_partitions(cursor, months_ahead=months_ahead)


def _create_slot_partition(cursor: Any, month: date, first_id: int, end_id: int) -> str:
    name = partition_name(INCIDENT_TABLE, month)
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {INCIDENT_TABLE}"
        f" FOR VALUES FROM ({int(first_id)}) TO ({int(end_id)})"
    )
    return name


def ids_per_month(cursor: Any) -> int:
    """Twice the busiest of the last twelve months, in whole 100,000s, at least MIN_IDS_PER_MONTH."""
    busiest = 0
    cursor.execute(f"SELECT first_id, end_id FROM {INCIDENT_SLOTS} ORDER BY month DESC LIMIT 13")
    for first_id, end_id in cursor.fetchall():
        cursor.execute(
            f"SELECT count(*) FROM {INCIDENT_TABLE} WHERE id >= %s AND id < %s", [first_id, end_id]
        )
        busiest = max(busiest, cursor.fetchone()[0])
    step = MIN_IDS_PER_MONTH
    return max(MIN_IDS_PER_MONTH, -(-2 * busiest // step) * step)


def ensure_incident_partitions(cursor: Any, *, months_ahead: int, per_month: int | None = None) -> list[str]:
    """Reserve the id range of each month from this one to `months_ahead` ahead and create its
    partition. A new range starts above every id in use, so it never overlaps the default partition."""
    per_month = per_month or ids_per_month(cursor)
    this_month = month_start(local_today())
    created = []
    cursor.execute(f"SELECT month, end_id FROM {INCIDENT_SLOTS} ORDER BY month DESC LIMIT 1")
    last_month, last_end = cursor.fetchone()
    month = add_months(last_month, 1)
    while month <= add_months(this_month, months_ahead):
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {INCIDENT_TABLE}_default")
        (default_max,) = cursor.fetchone()
        first_id = max(last_end, default_max + 1)
        if month < this_month:
            # A month that passed without its range (partitions_ensure did not run): nothing to reserve.
            month = add_months(month, 1)
            continue
        end_id = first_id + per_month
        cursor.execute(
            f"INSERT INTO {INCIDENT_SLOTS} (month, first_id, end_id) VALUES (%s, %s, %s)",
            [month, first_id, end_id],
        )
        created.append(_create_slot_partition(cursor, month, first_id, end_id))
        last_end = end_id
        month = add_months(month, 1)
    return created


def incident_id_range(cursor: Any, month: date) -> tuple[int, int] | None:
    """The ids reserved for `month` (first, end): the incidents recorded in that month."""
    cursor.execute(f"SELECT first_id, end_id FROM {INCIDENT_SLOTS} WHERE month = %s", [month_start(month)])
    row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def incident_id_floor(cursor: Any, moment: datetime) -> int:
    """A lower bound on the id of every incident received at or after `moment`.

    Sound because an incident is recorded after it is received, and a month's ids are all above the
    previous months': filtering `id >= floor` besides `received_at >= moment` lets PostgreSQL skip the
    older partitions. (There is no matching upper bound: an imported old incident gets a new id.)
    """
    # A day's margin covers clock skew between the app servers and the database.
    local = moment.astimezone(SHANGHAI)
    cursor.execute(
        f"SELECT first_id FROM {INCIDENT_SLOTS} WHERE month <= %s ORDER BY month DESC LIMIT 1",
        [month_start((local - timedelta(days=1)).date())],
    )
    row = cursor.fetchone()
    return row[0] if row else 0


def ensure_audit_partitions(cursor: Any, *, months_ahead: int) -> list[str]:
    this_month = month_start(local_today())
    return ensure_time_partitions(
        cursor, table=AUDIT_TABLE, column="at", first=this_month, last=add_months(this_month, months_ahead)
    )


def partition_audit(cursor: Any, *, months_ahead: int = 3) -> None:
    """The audit migration on PostgreSQL: partition the audit log by month of `at`."""
    if is_partitioned(cursor, AUDIT_TABLE):
        return
    cursor.execute(f"SELECT min(at) FROM {AUDIT_TABLE}")
    (oldest,) = cursor.fetchone()
    this_month = month_start(local_today())
    first = month_start(oldest.astimezone(SHANGHAI).date()) if oldest else this_month
    first = min(first, this_month)

    def make(cur: Any) -> None:
        ensure_time_partitions(
            cur, table=AUDIT_TABLE, column="at", first=first, last=add_months(this_month, months_ahead)
        )

    repartition(
        cursor,
        table=AUDIT_TABLE,
        partition_by="RANGE (at)",
        key="at",
        primary_key=("id", "at"),
        keep_identity=True,
        make_partitions=make,
    )
    # The triggers came back on the parent only now: give the partitions their TRUNCATE guard.
    for name in partitions_of(cursor, AUDIT_TABLE):
        copy_statement_triggers(cursor, AUDIT_TABLE, name)
