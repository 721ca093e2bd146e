"""Make the stay log (在区情况记录) append-only in the database itself: UPDATE and DELETE raise an error."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER custody_log_no_update BEFORE UPDATE ON custody_staylogentry
       BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END""",
    """CREATE TRIGGER custody_log_no_delete BEFORE DELETE ON custody_staylogentry
       BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER custody_log_no_update", "DROP TRIGGER custody_log_no_delete"]

POSTGRES = [
    """CREATE FUNCTION custody_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'custody log is append-only'; END $$""",
    """CREATE TRIGGER custody_log_no_update_delete BEFORE UPDATE OR DELETE ON custody_staylogentry
       FOR EACH ROW EXECUTE FUNCTION custody_log_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER custody_log_no_update_delete ON custody_staylogentry",
    "DROP FUNCTION custody_log_append_only()",
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
    dependencies = [("custody", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
