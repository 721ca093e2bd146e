"""The migration that encrypts the person registry (people 0002): plaintext rows written under 0001 come
out encrypted with their digests, the plaintext columns are gone, and going back restores them. Runs
`manage.py migrate` in a separate process on its own database (tests/livestack.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.livestack import ROOT, live_database

ROWS = [
    ("张秀英", "11010519491231002X", "13812345678", "武平县桃溪镇新华村12号"),
    ("无证人员", None, "", ""),
]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    step = sys.argv[1]
    columns = lambda: [c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "people_person")]
    if step == "before":
        call_command("migrate", verbosity=0)
        call_command("migrate", "people", "0001", verbosity=0)
        from jingwu.org.models import Unit, User
        unit = Unit.objects.create(code="wp-test", name="测试所", kind="station")
        user = User.objects.create(username="tester", unit=unit)
        with connection.cursor() as cursor:
            for name, number, phone, address in json.loads(sys.argv[2]):
                cursor.execute(
                    "INSERT INTO people_person (name, sex, id_number, phone, address, notes, unit_id,"
                    " created_by_id, created_at, updated_at, version)"
                    " VALUES (%s, 'unknown', %s, %s, %s, '', %s, %s,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
                    [name, number, phone, address, unit.pk, user.pk],
                )
        call_command("migrate", "people", verbosity=0)
        from jingwu.people.models import Person
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, id_number, phone, address, id_number_digest FROM people_person"
                           " ORDER BY id")
            raw = cursor.fetchall()
        read = [[p.name, p.id_number, p.phone, p.address] for p in Person.objects.order_by("id")]
        found = [p.name for p in Person.objects.by_id_number("11010519491231002x")]
        print(json.dumps({"raw": raw, "read": read, "found": found, "columns": columns()}))
    else:
        call_command("migrate", "people", "0001", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, id_number, phone, address FROM people_person ORDER BY id")
            print(json.dumps({"raw": cursor.fetchall(), "columns": columns()}))
    """
)


def _run(database_url: str, *args: str) -> dict:
    env = {
        **os.environ,
        "JINGWU_MODE": "demo",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "jingwu.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_existing_rows_are_encrypted_by_the_migration_and_restored_going_back(tmp_path) -> None:
    with live_database(tmp_path) as database_url:
        after = _run(database_url, "before", json.dumps(ROWS))
        assert after["read"] == [[n, i, p, a] for n, i, p, a in ROWS]
        assert after["found"] == ["张秀英"]
        assert not any(c.endswith("_plain") for c in after["columns"])
        (name, number, phone, address, digest), (_, no_number, no_phone, no_address, no_digest) = after["raw"]
        assert name == "张秀英" and digest.startswith("demo:")
        for stored, plain in ((number, ROWS[0][1]), (phone, ROWS[0][2]), (address, ROWS[0][3])):
            assert stored.startswith("demo:") and plain not in stored
        assert (no_number, no_phone, no_address, no_digest) == (None, "", "", None)

        back = _run(database_url, "back")
        assert [tuple(row) for row in back["raw"]] == ROWS
        assert "id_number_digest" not in back["columns"]
