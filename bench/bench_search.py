"""Full-text search benchmark (全文检索): index N generated narratives and query them, on both backends.

    python -m bench.bench_search [--backend sqlite|postgres|both] [--size N] [--queries Q]

Narratives come from the incident demo's phrase banks (jingwu/incidents/demo.py), combined two or three
sentences at a time with real Wuping places, names and amounts, and tokenized by jingwu.search's
tokenizer with its user dictionary (timed as `search_tokenize`). Each backend gets the same schema as
jingwu/search/migrations (an FTS5 external-content table; a generated tsvector column with a GIN index)
and the same candidate query and ranking as jingwu.search.selectors.ranked (the newest CANDIDATES
matches, PostgreSQL's two steps of WALK; relevance × recency, SQLite's in Python; first page of 20).
SQLite uses a file in a temporary directory; PostgreSQL a database `jingwu_bench_search_<pid>` on
127.0.0.1, dropped at the end.

Every figure is one JSON line (bench.figures.emit): build time, index size, and query latency
`search_query_<n>_term_p50` / `_p95` (ms) for 1-, 2- and 3-term
queries (Q queries each: one-term ones from offences, objects and township names; two- and three-term ones
from the words of one narrative), with how many matches were ranked (at most CANDIDATES, as in the app).
Default N = 100,000; `--rows-cache FILE` keeps the tokenized narratives between runs (a cache of more
rows serves a smaller N: its first rows), `--workers 2` tokenizes in two processes, `--keep` keeps the
databases for EXPLAIN.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import figures

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")

# Query words as users type them: offences and objects of the phrase banks, and township names. Two- and
# three-term queries combine words drawn from one generated narrative, so that they have hits.
TERMS = [
    "盗窃",
    "被盗",
    "诈骗",
    "电动车",
    "手机",
    "现金",
    "纠纷",
    "邻里",
    "山林",
    "噪声",
    "醉酒",
    "交通事故",
    "桃溪",
    "湘店",
    "平川",
    "中山",
    "岩前",
    "十方",
    "大禾",
    "永平",
    "东留",
    "城厢",
    "民警",
    "村民",
]


def emit(
    *,
    name: str,
    size: int,
    unit: str,
    backend: str = "python",
    value: float | None = None,
    p50: float | None = None,
    p95: float | None = None,
    **extra: object,
) -> None:
    """bench.figures.emit: one figure, or `<name>_p50` and `<name>_p95` for a latency."""
    if value is not None:
        figures.emit(name, backend, size, value, unit, **extra)
        return
    for which, number in (("p50", p50), ("p95", p95)):
        figures.emit(f"{name}_{which}", backend, size, float(number or 0.0), unit, **extra)


def generate(size: int, seed: int = 350824, workers: int = 1) -> list[tuple[int, str, str]]:
    """(id, occurred_at ISO, tokens) for `size` narratives; the texts are drawn in this process (so they
    do not depend on `workers`), the tokenizing is spread over `workers` processes."""
    import django

    django.setup()
    from jingwu.core.demo_data import chinese_name
    from jingwu.incidents.demo import NARRATIVES, PLACES
    from jingwu.search.dictionary import place_names

    rng = random.Random(seed)
    villages = [SimpleNamespace(name=n) for n in place_names() if n.endswith(("村委会", "社区居委会"))]
    sentences = [(sub, text) for sub, texts in NARRATIVES.items() for text in texts]
    now = datetime.now(UTC)
    drawn = []
    for n in range(1, size + 1):
        village = rng.choice(villages)
        place = village.name.removesuffix("村委会").removesuffix("社区居委会") + rng.choice(PLACES)
        parts = [text.replace("{x}", place) for _, text in rng.sample(sentences, rng.choice((2, 3)))]
        who = chinese_name(rng)
        lead = rng.choice((f"报警人{who}称：", f"{who}来所报称：", f"群众{who}反映：", ""))
        text = lead + "".join(parts) + rng.choice(("", f"涉及金额{rng.choice((300, 800, 1500, 5000))}元。"))
        at = now - timedelta(days=rng.random() * 1500)
        drawn.append((n, at.strftime("%Y-%m-%d %H:%M:%S"), village.name, text))
    started = time.perf_counter()
    chunks = [drawn[i : i + 5000] for i in range(0, len(drawn), 5000)]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            tokenized = []
            for done, chunk in enumerate(pool.imap(_tokenize_chunk, chunks), 1):
                tokenized.append(chunk)
                if done % 20 == 0:
                    print(
                        f"tokenized {done * 5000} in {time.perf_counter() - started:.0f} s", file=sys.stderr
                    )
    else:
        tokenized = [_tokenize_chunk(chunk) for chunk in chunks]
    rows = [row for chunk in tokenized for row in chunk]
    emit(
        name="search_tokenize",
        size=size,
        value=round(time.perf_counter() - started, 2),
        unit="s",
        workers=workers,
    )
    return rows


def _tokenize_chunk(chunk: list[tuple[int, str, str, str]]) -> list[tuple[int, str, str]]:
    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import index_tokens

    seg = segmenter()
    return [(n, at, index_tokens([village, text], seg)) for n, at, village, text in chunk]


def queries(rows: list[tuple[int, str, str]], count: int, terms: int, seed: int) -> list[str]:
    """One-term queries from TERMS; two and three terms: words (two characters or more) of one document."""
    from jingwu.search.tokenizer import BOUNDARY

    rng = random.Random(seed)
    if terms == 1:
        return [rng.choice(TERMS) for _ in range(count)]
    found = []
    while len(found) < count:
        tokens = rng.choice(rows)[2].split()
        words = sorted({t for t in tokens[len(tokens) - tokens[::-1].index(BOUNDARY) :] if len(t) >= 2})
        if len(words) >= terms:
            found.append(" ".join(rng.sample(words, terms)))
    return found


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50": round(statistics.median(values) * 1000, 1),
        "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))] * 1000, 1),
    }


# The shape of jingwu.search.selectors.ranked: the newest CANDIDATES matches, scored (SQLite: in Python
# from their tokens, as the app does); the page is the best 20 of them (sorted in Python, as the app does).
CANDIDATES = 250  # jingwu.search.selectors.CANDIDATES (checked in main)
SQLITE_QUERY = (
    "SELECT e.id, e.occurred_at, e.tokens FROM search_fts JOIN entry e ON e.id = search_fts.rowid"
    f" WHERE search_fts MATCH ? ORDER BY search_fts.rowid DESC LIMIT {CANDIDATES}"
)
WALK = 10_000  # jingwu.search.selectors.WALK: the newest rows tested one by one before the GIN index
POSTGRES_QUERY = (
    "SELECT id, ts_rank_cd(tsv, to_tsquery('simple', %(rank)s)) * (1.0 + 1.0 / (1.0 + greatest(0.0, extract("
    "epoch from (now() - occurred_at)) / 86400.0) / 365.0)) AS score FROM entry WHERE id IN (SELECT id FROM"
    f" ((SELECT w.id FROM (SELECT id, tsv FROM entry ORDER BY id DESC LIMIT {WALK}) w"
    " WHERE w.tsv @@ to_tsquery('simple', %(match)s)) UNION ALL (SELECT id FROM entry"
    " WHERE tsv @@ to_tsquery('simple', %(match)s) AND id + 0 < (SELECT min(id) FROM (SELECT id FROM entry"
    f" ORDER BY id DESC LIMIT {WALK}) b) ORDER BY id + 0 DESC LIMIT {CANDIDATES})) c LIMIT {CANDIDATES})"
)


def sqlite_scores(rows: list[tuple[int, str, str]], terms: list) -> list[tuple[int, float]]:
    """jingwu.search.selectors.ranked on SQLite: tokenizer.relevance × recency."""
    from jingwu.search.tokenizer import relevance

    now = datetime.now(UTC)
    average = sum(t.count(" ") + 1 for _, _, t in rows) / len(rows) if rows else 1.0
    scored = []
    for pk, at, tokens in rows:
        age = max(0.0, (now - datetime.fromisoformat(at).replace(tzinfo=UTC)).total_seconds() / 86400.0)
        scored.append((pk, relevance(tokens, terms, average) * (1.0 + 1.0 / (1.0 + age / 365.0))))
    return scored


def first_page(rows: list[tuple[int, float]]) -> list[tuple[int, float]]:
    return sorted(rows, key=lambda row: (-row[1], -row[0]))[:20]


def bench_sqlite(rows: list[tuple[int, str, str]], count: int, keep: bool = False) -> None:
    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import fts5_match, parse_query

    with tempfile.TemporaryDirectory() as folder:
        path = Path(tempfile.mkdtemp(dir="/tmp") if keep else folder) / "search.sqlite3"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, occurred_at TEXT, tokens TEXT)")
        db.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='entry', content_rowid='id',"
            " tokenize='unicode61 remove_diacritics 0')"
        )
        started = time.perf_counter()
        db.executemany("INSERT INTO entry VALUES (?, ?, ?)", rows)
        db.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        db.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        db.commit()
        emit(
            name="search_build",
            backend="sqlite",
            size=len(rows),
            value=round(time.perf_counter() - started, 2),
            unit="s",
        )
        fts_pages = (
            db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'").fetchone()[0]
            if _has_dbstat(db)
            else None
        )
        emit(
            name="search_index_size",
            backend="sqlite",
            size=len(rows),
            value=round(path.stat().st_size / 2**20, 1),
            unit="MiB",
            fts_only_mib=round(fts_pages / 2**20, 1) if fts_pages else None,
        )
        for terms in (1, 2, 3):
            timings, hits = [], []
            for q in queries(rows, count, terms, seed=terms):
                parsed = parse_query(q, segmenter())
                match = fts5_match(parsed)
                started = time.perf_counter()
                candidates = db.execute(SQLITE_QUERY, (match,)).fetchall()
                first_page(sqlite_scores(candidates, parsed))
                timings.append(time.perf_counter() - started)
                hits.append(len(candidates))
            emit(
                name=f"search_query_{terms}_term",
                backend="sqlite",
                size=len(rows),
                unit="ms",
                **percentiles(timings),
                median_matches_ranked=statistics.median(hits),
                max_ranked=max(hits),
            )
        db.close()
        if keep:
            print(f"kept {path}", file=sys.stderr)


def _has_dbstat(db: sqlite3.Connection) -> bool:
    try:
        db.execute("SELECT 1 FROM dbstat LIMIT 1")
    except sqlite3.Error:
        return False
    return True


def bench_postgres(rows: list[tuple[int, str, str]], count: int, keep: bool = False) -> None:
    import psycopg

    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import parse_query, rank_tsquery, tsquery

    # BENCH_DB_PREFIX lets a session keep to its own database names (jingwu_<tag>…).
    name = f"{os.environ.get('BENCH_DB_PREFIX', 'jingwu_bench')}_search_{os.getpid()}"
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as db:
            db.execute(
                "CREATE TABLE entry (id bigint PRIMARY KEY, occurred_at timestamptz, tokens text,"
                " tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED)"
            )
            started = time.perf_counter()
            with db.cursor() as cur, cur.copy("COPY entry (id, occurred_at, tokens) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row[0], row[1] + "+00", row[2]))
            # This session only (the server's settings stay): the GIN build sorts in memory, not on disk.
            db.execute("SET maintenance_work_mem = '256MB'")
            db.execute("CREATE INDEX entry_tsv_gin ON entry USING GIN (tsv)")
            # As autovacuum would soon after a bulk load: hint bits and the visibility map set, so the
            # queries do not pay for (and write) them on first read.
            db.execute("VACUUM ANALYZE entry")
            emit(
                name="search_build",
                backend="postgres",
                size=len(rows),
                value=round(time.perf_counter() - started, 2),
                unit="s",
            )
            total, gin = db.execute(
                "SELECT pg_total_relation_size('entry'), pg_relation_size('entry_tsv_gin')"
            ).fetchone()
            emit(
                name="search_index_size",
                backend="postgres",
                size=len(rows),
                value=round(total / 2**20, 1),
                unit="MiB",
                gin_only_mib=round(gin / 2**20, 1),
            )
            for terms in (1, 2, 3):
                timings, hits = [], []
                for q in queries(rows, count, terms, seed=terms):
                    parsed = parse_query(q, segmenter())
                    started = time.perf_counter()
                    candidates = db.execute(
                        POSTGRES_QUERY, {"rank": rank_tsquery(parsed), "match": tsquery(parsed)}
                    ).fetchall()
                    first_page(candidates)
                    timings.append(time.perf_counter() - started)
                    hits.append(len(candidates))
                emit(
                    name=f"search_query_{terms}_term",
                    backend="postgres",
                    size=len(rows),
                    unit="ms",
                    **percentiles(timings),
                    median_matches_ranked=statistics.median(hits),
                    max_ranked=max(hits),
                )
    finally:
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def main() -> None:
    import django

    django.setup()
    from jingwu.search import selectors

    assert (selectors.CANDIDATES, selectors.WALK) == (CANDIDATES, WALK), "keep the bench's caps the app's"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--rows-cache", help="keep the tokenized narratives in this file between runs")
    parser.add_argument("--workers", type=int, default=1, help="processes that tokenize (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
    args = parser.parse_args()
    cache = Path(args.rows_cache) if args.rows_cache else None
    if cache and cache.exists():
        # A cache of more rows serves a smaller size too (its first rows are what `generate` would draw).
        rows = pickle.loads(cache.read_bytes())[: args.size]
    else:
        rows = generate(args.size, workers=args.workers)
        if cache:
            cache.write_bytes(pickle.dumps(rows))
    if args.backend in ("sqlite", "both"):
        bench_sqlite(rows, args.queries, keep=args.keep)
    if args.backend in ("postgres", "both"):
        bench_postgres(rows, args.queries, keep=args.keep)


if __name__ == "__main__":
    main()
