"""Reads of full-text search (全文检索): one SQL query joins the full-text match with the access policy's
scope and the filters, ranks by relevance and recency, and pages; snippets are cut from the stored
masked text with the matched words in <mark>. A full ID number or phone finds a person by exact match
only, and that look-up is audited as a sensitive read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jingwu.access.policy import has_capability, unit_scope, visible_to
from jingwu.audit.services import audit_record
from jingwu.core.dbrouting import reads_from_replica
from jingwu.core.identity import InvalidIdentity, normalise_phone
from jingwu.core.legaltime import start_of_day
from jingwu.core.masking import mask_id_number, mask_phone
from jingwu.org.models import Unit
from jingwu.people.models import Person
from jingwu.search.dictionary import segmenter
from jingwu.search.models import Kind, SearchEntry
from jingwu.search.tokenizer import (
    BOUNDARY,
    Term,
    fts5_match,
    normalise,
    parse_query,
    rank_tsquery,
    relevance,
    tsquery,
)

PER_PAGE = 20
# At most this many of the newest matches are ranked (see full_text).
CANDIDATES = 250
# PostgreSQL: how many of the newest entries are tested one by one before the GIN index is asked for
# the older matches (see _postgres_newest_matches).
WALK = 10_000
# Kind → the action that lets one see records of that kind.
VIEW_ACTIONS = {
    Kind.INCIDENT: "incident.view",
    Kind.CASE: "case.view",
    Kind.DISPUTE: "dispute.view",
    Kind.PERSON: "person.view",
}
DETAIL_URLS = {
    Kind.INCIDENT: "incidents:detail",
    Kind.CASE: "cases:detail",
    Kind.DISPUTE: "mediation:detail",
    Kind.PERSON: "people:detail",
}
_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_PHONE = re.compile(r"(\+?86)?\d{7,12}")
# Recency: a record's score is multiplied by 1 + 1/(1 + age in years), so a match of today counts
# double one of long ago, and relevance still decides between records of the same age (SQLite: _recency).
_POSTGRES_SCORE = (
    "ts_rank_cd(search_searchentry.tsv, to_tsquery('simple', %s)) * (1.0 + 1.0 / (1.0 + "
    "greatest(0.0, extract(epoch from (now() - search_searchentry.occurred_at)) / 86400.0) / 365.0))"
)


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    object_id: int
    number: str
    title: str
    snippet: SafeString
    status: str
    status_label: str
    occurred_at: datetime
    url: str


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    # "id_number" / "phone" when the query was a full identifier (looked up exactly, audited).
    identifier: str = ""
    # More matches than CANDIDATES: only the newest of them were ranked.
    capped: bool = False


def searchable_kinds(actor: Any) -> list[str]:
    """The kinds of record the actor may see at all."""
    return [kind for kind, action in VIEW_ACTIONS.items() if has_capability(actor, action)]


def _dispute_scope(actor: Any) -> Q:
    """Mirrors jingwu.mediation.services.scope_q on the index rows: station staff by the station's unit
    scope, mediators the disputes ever referred to them, assistants the disputes they reported."""
    from jingwu.mediation.models import Dispute, DisputeRoute
    from jingwu.mediation.services import STAFF_ROLES

    roles = actor.role_codes
    query = Q(pk__in=[])
    if not roles.isdisjoint(STAFF_ROLES):
        scope = unit_scope(actor)
        if scope.everything:
            return Q(kind=Kind.DISPUTE)
        query |= scope.q("unit_a")
    if "mediator" in roles:
        query |= Q(object_id__in=DisputeRoute.objects.filter(mediator=actor).values("dispute_id"))
    if "assistant" in roles:
        query |= Q(object_id__in=Dispute.objects.filter(reported_by=actor).values("pk"))
    return Q(kind=Kind.DISPUTE) & query


def scope_q(actor: Any) -> Q:
    """The index rows the actor may see: per kind, the same rule as that kind's own selectors."""
    from jingwu.cases.services import procurator_only

    kinds = searchable_kinds(actor)
    scope = unit_scope(actor)
    query = Q(pk__in=[])
    if Kind.INCIDENT in kinds:
        query |= Q(kind=Kind.INCIDENT) & scope.q(("unit_a", "unit_b"))
    if Kind.CASE in kinds:
        cases = Q(kind=Kind.CASE) & scope.q(("unit_a", "unit_b", "unit_c"))
        if procurator_only(actor):
            cases &= Q(subkind="criminal")  # procurators read criminal cases only
        query |= cases
    if Kind.DISPUTE in kinds:
        query |= _dispute_scope(actor)
    if Kind.PERSON in kinds:
        query |= Q(kind=Kind.PERSON) & scope.q("unit_a")
    return query


def _filtered(actor: Any, filters: SearchFilters) -> QuerySet[SearchEntry]:
    entries = SearchEntry.objects.filter(scope_q(actor))
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.unit_id:
        unit = Unit.objects.filter(pk=filters.unit_id).first()
        path = unit.path if unit else "-"
        entries = entries.filter(
            Q(unit_a__path__startswith=path)
            | Q(unit_b__path__startswith=path)
            | Q(unit_c__path__startswith=path)
        )
    if filters.date_from:
        entries = entries.filter(occurred_at__gte=start_of_day(filters.date_from))
    if filters.date_to:
        entries = entries.filter(occurred_at__lt=start_of_day(filters.date_to + timedelta(days=1)))
    if filters.status:
        # "case:closed" narrows to one kind's state; a bare "closed" to that state of any kind.
        kind, _, status = filters.status.rpartition(":")
        entries = entries.filter(status=status, **({"kind": kind} if kind else {}))
    return entries


def full_text(entries: QuerySet[SearchEntry], terms: list[Term]) -> QuerySet[SearchEntry]:
    """The newest `CANDIDATES` of `entries` that match every term (on PostgreSQL each with its `score`).
    One query: the database's full-text index drives it, the scope and filters are its WHERE clause.

    Why a cap: a word like 民警 matches a large share of the records; collecting and ranking only the
    newest matches keeps a query within milliseconds at a million records (the walk for them stops after
    CANDIDATES matches). Fewer matches than the cap (any selective query) are all ranked.
    """
    if connection.vendor == "postgresql":
        try:
            newest = _postgres_newest_matches(entries, terms)
        except EmptyResultSet:  # a scope that can hold nothing (a mediator without referrals)
            return SearchEntry.objects.none().extra(select={"score": "0"})
        return SearchEntry.objects.filter(id__in=newest).extra(
            select={"score": _POSTGRES_SCORE}, select_params=[rank_tsquery(terms)]
        )
    # FTS5 hands its matches newest first (rowid order) and stops at the limit. No bm25 here: it counts
    # every match of every phrase of the query in the whole index first (its idf), which at a million
    # records costs more than the rest of the query; `ranked` scores the candidates instead.
    return entries.extra(
        tables=["search_fts"],
        where=["search_fts.rowid = search_searchentry.id", "search_fts MATCH %s"],
        params=[fts5_match(terms)],
        order_by=["-search_fts.rowid"],
    )[:CANDIDATES]


def _postgres_newest_matches(entries: QuerySet[SearchEntry], terms: list[Term]) -> RawSQL:
    """The ids of the newest CANDIDATES matches, in two steps whose cost does not hang on the planner's
    guess of how common the words are (its tsvector statistics guess badly at a million records: it walked
    every row for a word that matched none, 3 s, and bitmap-scanned 143,000 rows for 电动车, 2 s):

    1. walk the newest WALK entries of `entries` by primary key and test each (a word in 2.5% of the
       records or more fills the page here, within WALK rows);
    2. only if that found fewer than CANDIDATES: the GIN index's matches older than those rows, newest
       first (`id + 0` keeps the planner off the primary key, so it cannot walk the whole table again).

    UNION ALL under a LIMIT runs the second branch only when the first has not filled it."""
    match = "search_searchentry.tsv @@ to_tsquery('simple', %s)"
    walked = entries.order_by("-id").values("id")[:WALK]
    walked_sql, walked_params = walked.query.sql_with_params()
    newest = (
        entries.order_by("-id").extra(select={"tsv": "search_searchentry.tsv"}).values("id", "tsv")[:WALK]
    )
    newest_sql, newest_params = newest.query.sql_with_params()
    older = (
        entries.extra(
            where=[match, f"search_searchentry.id + 0 < (SELECT min(walked.id) FROM ({walked_sql}) walked)"],
            params=[tsquery(terms), *walked_params],
        )
        .order_by(RawSQL("search_searchentry.id + 0", []).desc())
        .values("id")[:CANDIDATES]
    )
    older_sql, older_params = older.query.sql_with_params()
    return RawSQL(
        f"SELECT both_steps.id FROM ((SELECT newest.id FROM ({newest_sql}) newest"
        " WHERE newest.tsv @@ to_tsquery('simple', %s))"
        f" UNION ALL ({older_sql})) both_steps LIMIT {int(CANDIDATES)}",
        (*newest_params, tsquery(terms), *older_params),
    )


def ranked(entries: QuerySet[SearchEntry], terms: list[Term]) -> list[tuple[int, float]]:
    """(id, score) of the candidates of `full_text`: relevance × recency. PostgreSQL scores them with
    ts_rank_cd; SQLite in Python from their stored tokens (`tokenizer.relevance`)."""
    candidates = full_text(entries, terms)
    if connection.vendor == "postgresql":
        return list(candidates.values_list("id", "score"))
    rows = list(candidates.values_list("id", "occurred_at", "tokens"))
    lengths = [tokens.count(" ") + 1 for _, _, tokens in rows]
    average = sum(lengths) / len(lengths) if lengths else 1.0
    now = timezone.now()
    return [
        (pk, relevance(tokens, terms, average) * _recency(now, occurred_at))
        for pk, occurred_at, tokens in rows
    ]


def _recency(now: datetime, occurred_at: datetime) -> float:
    """As in _POSTGRES_SCORE: 1 + 1/(1 + age in years)."""
    return 1.0 + 1.0 / (1.0 + max(0.0, (now - occurred_at).total_seconds() / 86400.0) / 365.0)


def _identifier(query: str) -> tuple[str, str]:
    """("id_number" | "phone", normalised value) when the whole query is one, else ("", "")."""
    value = re.sub(r"[\s\-]", "", query).upper()
    if _ID_NUMBER.fullmatch(value):
        return "id_number", value
    if _PHONE.fullmatch(value):
        try:
            return "phone", normalise_phone(value)
        except InvalidIdentity:
            return "phone", value
    return "", ""


def person_by_identifier(*, actor: Any, kind: str, value: str) -> list[Person]:
    """Persons whose ID number or phone is exactly `value`, within the actor's person scope. Always
    audited (a sensitive read), found or not; the log keeps the value masked."""
    if not has_capability(actor, "person.view"):
        return []
    people = visible_to(actor, "person.view", Person.objects.select_related("unit"))
    found = list(people.by_id_number(value) if kind == "id_number" else people.by_phone(value))
    masked = mask_id_number(value) if kind == "id_number" else mask_phone(value)
    audit_record(
        actor=actor,
        action="search.identifier",
        object_type="people.person",
        object_id=found[0].pk if len(found) == 1 else "",
        object_label=masked,
        changes={"kind": kind, "found": [p.pk for p in found]},
    )
    return found


def _person_hit(person: Person) -> Hit:
    masked = mask_id_number(person.id_number)
    body = f"{person.name}　身份证号：{masked or '—'}　登记单位：{person.unit.name}"
    return Hit(
        Kind.PERSON,
        str(Kind.PERSON.label),
        person.pk,
        "",
        person.name,
        mark_safe(escape(body)),
        "",
        "",
        person.created_at,
        reverse(DETAIL_URLS[Kind.PERSON], args=[person.pk]),
    )


@reads_from_replica
def search(
    *,
    actor: Any,
    query: str,
    filters: SearchFilters = SearchFilters(),
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResult:
    """The page of hits for `query`, best first, only ever among the records the actor may see."""
    query = (query or "").strip()[:200]
    result = SearchResult(query=query, page=max(1, page))
    kinds = searchable_kinds(actor)
    if not query or not kinds or (filters.kind and filters.kind not in kinds):
        return result
    kind, value = _identifier(query)
    if kind:
        result.identifier = kind
        if not filters.kind or filters.kind == Kind.PERSON:
            result.hits = [_person_hit(p) for p in person_by_identifier(actor=actor, kind=kind, value=value)]
        return result
    terms = parse_query(query, segmenter())
    if not terms:
        return result
    candidates = ranked(_filtered(actor, filters), terms)
    result.capped = len(candidates) >= CANDIDATES
    # Best first; equal scores newest first (ids grow with time).
    candidates.sort(key=lambda row: (-row[1], -row[0]))
    offset = (result.page - 1) * per_page
    ids = [pk for pk, _ in candidates[offset : offset + per_page]]
    result.has_next = len(candidates) > offset + per_page
    entries = SearchEntry.objects.in_bulk(ids)
    result.hits = [_hit(entries[pk], terms) for pk in ids]
    return result


def _hit(entry: SearchEntry, terms: list[Term]) -> Hit:
    return Hit(
        entry.kind,
        str(Kind(entry.kind).label),
        entry.object_id,
        entry.number,
        entry.title,
        snippet(entry.body, terms),
        entry.status,
        entry.status_label,
        entry.occurred_at,
        reverse(DETAIL_URLS[entry.kind], args=[entry.object_id]),
    )


# --------------------------------------------------------------------------------------------------
# snippets


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """`text` normalised as the tokenizer does, and for each of its characters the original index."""
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        norm = normalise(ch)
        out.append(norm)
        where.extend([index] * len(norm))
    return "".join(out), where


def _pieces(term: Term) -> list[str]:
    """The contiguous runs of a term's phrase (its boundaries split it), as text."""
    pieces: list[str] = []
    current: list[str] = []
    for token in term.phrase:
        if token == BOUNDARY:
            if current:
                pieces.append("".join(current))
            current = []
        else:
            current.append(token)
    if current:
        pieces.append("".join(current))
    return pieces


def _spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    norm, where = _normalised_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        for piece in _pieces(term):
            start = norm.find(piece)
            while start >= 0:
                end = start + len(piece)
                # Digit/Latin runs match whole, as in the index.
                whole = not (
                    (
                        piece[0].isascii()
                        and start > 0
                        and norm[start - 1].isascii()
                        and norm[start - 1].isalnum()
                    )
                    or (
                        piece[-1].isascii()
                        and end < len(norm)
                        and norm[end].isascii()
                        and norm[end].isalnum()
                    )
                )
                if whole:
                    spans.append((where[start], where[end - 1] + 1))
                start = norm.find(piece, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[Term], width: int = 120) -> SafeString:
    """A window of `text` around its first match, HTML-escaped, the matches wrapped in <mark>."""
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    end = min(len(text), start + width)
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[cursor:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts).replace("\n", " "))
