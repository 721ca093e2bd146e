"""The demo's search index: built once at the end of demo_load, after every app has loaded."""

from __future__ import annotations

import random

from jingwu.search.services import search_reindex


def load(rng: random.Random | None = None) -> int:
    return sum(search_reindex().values())
