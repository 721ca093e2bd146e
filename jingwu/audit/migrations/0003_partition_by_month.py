"""Partition the audit log by month of `at` on PostgreSQL (按月分区), moving the existing entries.

The table keeps its columns, indexes and append-only triggers; its primary key becomes (id, at) in
the database (a partitioned table's keys must contain the partition key) while Django still uses
`id`. `seq` stays unique through the chain head's row lock and is checked by audit_verify; the
database holds (seq, at) unique. Nothing happens on SQLite. See docs/scale.md.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from jingwu.core.partitioning import partition_audit

    with schema_editor.connection.cursor() as cursor:
        partition_audit(cursor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    # The partitioned table serves the earlier schema as well: going back leaves it in place.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
