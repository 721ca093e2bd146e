"""Jobs of the search app: rebuilding the full-text index (检索索引重建), e.g. after a bulk import.

Idempotent: each entry is upserted from its record's current state, so a rebuild run twice, or again
after its worker died, leaves the same index. Not periodic: writes keep the index fresh on their own.
"""

from __future__ import annotations

from django.tasks import task

from jingwu.search.models import Kind
from jingwu.search.services import search_reindex


@task()
def search_reindex_task(kinds: list[str] | None = None) -> dict[str, int]:
    """Rebuild the index of `kinds` (default all): `search_reindex_task.enqueue()` after a bulk import."""
    return search_reindex(kinds=kinds or list(Kind.values))
