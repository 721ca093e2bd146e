"""One JSON line per measured figure, the format `make bench` collects from every benchmark.

A figure is {"name", "backend", "size", "value", "unit", "baseline", "ratio", ...extra}: `baseline` names
the figure it is compared with (the raw insert rate, a full scan…) and `ratio` is value / baseline value.
Lines go to stdout; everything meant for a human goes to stderr.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (nan when there are none)."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def emit(
    name: str,
    backend: str,
    size: int,
    value: float,
    unit: str,
    baseline: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Print one figure as a JSON line and return it (pass it as `baseline` to a later figure)."""
    figure = {
        "name": name,
        "backend": backend,
        "size": size,
        "value": round(value, 3),
        "unit": unit,
        "baseline": baseline["name"] if baseline else None,
        "ratio": round(value / baseline["value"], 4) if baseline and baseline["value"] else None,
        **extra,
    }
    print(json.dumps(figure, ensure_ascii=False), file=sys.stdout, flush=True)
    return figure
