"""Partition the incidents by id ranges aligned to months on PostgreSQL (按月分区), moving the rows.

`id` stays the primary key, so the foreign keys of cases, disputes and the rest keep pointing at
it; `number` and `idempotency_key` stay unique across partitions through a guard table. The id
column's default puts each month's new incidents in that month's range. Nothing happens on SQLite.
See docs/scale.md and jingwu/core/partitioning.py.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from jingwu.core.partitioning import partition_incidents

    with schema_editor.connection.cursor() as cursor:
        partition_incidents(cursor)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_linked_call_key")]
    # The partitioned table serves the earlier schema as well: going back leaves it in place.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
