"""HTTP load driver of the benchmarks (负载驱动): POST /api/incidents (or, with --batch N, N calls per
POST /api/incidents/batch) from C threads, one keep-alive connection each (http.client reconnects
when the server closes, as gunicorn's sync workers do). With `--path`/`--paths` and `--method` it sends
other requests: POST of the same bodies to another endpoint (case acceptance), or GET of a list of
paths cycled in order (case list pages, case pages), each answer checked against `--expect`.

Runs in its own process so that the client's work is not charged to the benchmark's clock twice, and
prints one JSON object: status counts, wall time of the measured run, latency percentiles, samples of
failures. Bounded in count (`--count`) and in time (`--seconds`). Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run(
    *,
    host: str,
    port: int,
    token: str,
    bodies: list[bytes],
    count: int,
    concurrency: int,
    key_prefix: str,
    deadline: float,
    batch: int = 1,
    method: str = "POST",
    paths: list[str] | None = None,
    expect: int = 0,
) -> dict[str, Any]:
    """Send `count` calls (fewer if the deadline passes) over `concurrency` connections, one per request
    or `batch` per request to the batch endpoint. `paths` (cycled) replaces /api/incidents; `expect` is
    the status counted as success (default 201, 200 for batches and GETs)."""
    requests = -(-count // batch)
    paths = paths or ["/api/incidents"]
    expected = str(expect or (201 if batch == 1 and method == "POST" else 200))
    created_total = Counter()
    counter = itertools.count()  # next() on it is atomic under the GIL
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(concurrency + 1)

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine: list[float] = []
        seen: Counter[str] = Counter()
        bad: list[str] = []
        start_gate.wait()
        while True:
            index = next(counter)
            if index >= requests or time.monotonic() > deadline:
                break
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            body: bytes | None
            if method == "GET":
                path, body = paths[index % len(paths)], None
            elif batch == 1:
                path, body = paths[index % len(paths)], bodies[index % len(bodies)]
                headers["Idempotency-Key"] = f"{key_prefix}-{index}"
            else:
                first = index * batch
                items = [
                    {**json.loads(bodies[n % len(bodies)]), "idempotency_key": f"{key_prefix}-{n}"}
                    for n in range(first, min(first + batch, count))
                ]
                path, body = "/api/incidents/batch", json.dumps({"items": items}, ensure_ascii=False).encode()
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, payload = f"error:{type(exc).__name__}", str(exc).encode()
            mine.append(time.perf_counter() - began)
            seen[status] += 1
            if status == expected:
                created = 1 if batch == 1 else json.loads(payload)["created"]
                with lock:
                    created_total["ok"] += created
            if status != expected and len(bad) < 3:
                bad.append(f"{status} {payload[:300].decode(errors='replace')}")
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            failures.extend(bad[: max(0, 10 - len(failures))])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 65))
    elapsed = time.perf_counter() - began
    latencies.sort()
    sent = sum(statuses.values())
    return {
        "sent": sent,
        "requested": count,
        "seconds": elapsed,
        "statuses": dict(statuses),
        "ok": created_total["ok"],
        "rate": created_total["ok"] / elapsed if elapsed > 0 else 0.0,
        "batch": batch,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p95_ms": _percentile(latencies, 0.95) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "failures": failures,
        "timed_out": sent < count,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--inputs", type=Path, help="JSON list of request bodies (POST)")
    parser.add_argument("--method", choices=["POST", "GET"], default="POST")
    parser.add_argument("--path", default="/api/incidents", help="the endpoint (POST) or the one path (GET)")
    parser.add_argument("--paths", type=Path, help="JSON list of paths, cycled (overrides --path)")
    parser.add_argument("--expect", type=int, default=0, help="the success status (default 201 / 200)")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--key-prefix", default="http")
    parser.add_argument("--batch", type=int, default=1, help="calls per request (batch endpoint when > 1)")
    parser.add_argument("--seconds", type=float, default=300, help="hard bound on the whole run")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.seconds
    items = json.loads(args.inputs.read_text()) if args.inputs else [{}]
    bodies = [json.dumps(item, ensure_ascii=False).encode() for item in items]
    paths = json.loads(args.paths.read_text()) if args.paths else [args.path]
    common = {
        "host": "127.0.0.1",
        "port": args.port,
        "token": args.token,
        "bodies": bodies,
        "method": args.method,
        "paths": paths,
        "expect": args.expect,
    }
    warm = {}
    if args.warmup:
        warm = run(
            **common,
            count=args.warmup,
            concurrency=min(args.concurrency, args.warmup),
            key_prefix=f"warm-{args.key_prefix}",
            deadline=deadline,
        )
    result = run(
        **common,
        count=args.count,
        concurrency=args.concurrency,
        key_prefix=args.key_prefix,
        deadline=deadline,
        batch=args.batch,
    )
    result["warmup"] = {k: warm[k] for k in ("sent", "statuses", "failures")} if warm else {}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
