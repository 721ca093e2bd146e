"""Make the chain of custody and the inventory checks append-only in the database itself: UPDATE and
DELETE raise an error (as the audit log does)."""

from django.db import migrations

TABLES = ("property_custodyevent", "property_inventorycheck")

SQLITE = [
    statement
    for table in TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'custody records are append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'custody records are append-only'); END""",
    )
]
SQLITE_REVERSE = [f"DROP TRIGGER {table}_{what}" for table in TABLES for what in ("no_update", "no_delete")]

POSTGRES = [
    """CREATE FUNCTION property_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'custody records are append-only'; END $$""",
    *(
        statement
        for table in TABLES
        for statement in (
            f"""CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION property_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION property_append_only()""",
        )
    ),
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER {table}_{what} ON {table}"
        for table in TABLES
        for what in ("no_truncate", "no_update_delete")
    ),
    "DROP FUNCTION property_append_only()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("property", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
