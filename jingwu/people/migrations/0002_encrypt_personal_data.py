"""Encrypt ID number, phone and address at rest (个人信息加密存储).

The plaintext columns are renamed aside, the encrypted columns and the blind indexes added under the
old names, every row copied across (encrypted under the current key of JINGWU_DATA_KEYS), the plaintext
columns dropped; the unique constraint on the ID number moves to its digest. Reversible: going back
decrypts into plaintext columns again (needs the same keys).
"""

from django.db import migrations, models

import jingwu.core.encrypted_fields

BATCH = 500
PERSONAL = ("id_number", "phone", "address")
DIGESTS = ("id_number_digest", "phone_digest")


def _batches(Person):
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield list(Person.objects.filter(pk__in=ids[start : start + BATCH]))


def encrypt_rows(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    for people in _batches(Person):
        for person in people:
            person.id_number = person.id_number_plain or None
            person.phone = person.phone_plain or ""
            person.address = person.address_plain or ""
            for digest in DIGESTS:
                field = Person._meta.get_field(digest)
                setattr(person, digest, field.digest_of(getattr(person, field.source)))
        # bulk_update writes through the fields' get_db_prep_save: the values are encrypted there.
        Person.objects.bulk_update(people, [*PERSONAL, *DIGESTS])


def decrypt_rows(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    for people in _batches(Person):
        for person in people:
            person.id_number_plain = person.id_number or None
            person.phone_plain = person.phone or ""
            person.address_plain = person.address or ""
        Person.objects.bulk_update(people, [f"{name}_plain" for name in PERSONAL])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="person", name="person_unique_id_number"),
        migrations.RemoveIndex(model_name="person", name="people_pers_phone_b55729_idx"),
        migrations.RenameField(model_name="person", old_name="id_number", new_name="id_number_plain"),
        migrations.RenameField(model_name="person", old_name="phone", new_name="phone_plain"),
        migrations.RenameField(model_name="person", old_name="address", new_name="address_plain"),
        migrations.AddField(
            model_name="person",
            name="id_number",
            field=jingwu.core.encrypted_fields.EncryptedTextField(
                blank=True, null=True, purpose="person.id_number", verbose_name="身份证号"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="phone",
            field=jingwu.core.encrypted_fields.EncryptedTextField(
                blank=True, default="", purpose="person.phone", verbose_name="联系电话"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="address",
            field=jingwu.core.encrypted_fields.EncryptedTextField(
                blank=True, default="", purpose="person.address", verbose_name="住址"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="id_number_digest",
            field=jingwu.core.encrypted_fields.BlindIndexField(
                purpose="person.id_number", source="id_number"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_digest",
            field=jingwu.core.encrypted_fields.BlindIndexField(purpose="person.phone", source="phone"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
        migrations.RemoveField(model_name="person", name="id_number_plain"),
        migrations.RemoveField(model_name="person", name="phone_plain"),
        migrations.RemoveField(model_name="person", name="address_plain"),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_digest__isnull", False)),
                fields=("id_number_digest",),
                name="person_unique_id_number",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_digest"], name="people_pers_phone_d_c69d23_idx"),
        ),
    ]
