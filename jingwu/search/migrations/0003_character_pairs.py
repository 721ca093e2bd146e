"""Add the character pairs (二元组) to the entries indexed before the tokenizer wrote them: a two-character
query now looks up the pair alone, so an entry without its pairs would no longer be found.

The pairs come from the stored tokens themselves (adjacent single-character tokens of the character
section; the words section holds no single characters), so no record needs to be read again."""

from django.db import migrations

from jingwu.search.tokenizer import with_pairs


def add_pairs(apps, schema_editor):
    entry = apps.get_model("search", "SearchEntry")
    changed = []
    for pk, tokens in entry.objects.order_by("pk").values_list("pk", "tokens").iterator(chunk_size=2000):
        updated = with_pairs(tokens)
        if updated != tokens:
            changed.append(entry(pk=pk, tokens=updated))
        if len(changed) >= 2000:
            entry.objects.bulk_update(changed, ["tokens"])
            changed = []
    entry.objects.bulk_update(changed, ["tokens"])


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(add_pairs, migrations.RunPython.noop)]
