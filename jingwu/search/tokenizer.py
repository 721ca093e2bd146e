"""The Chinese tokenizer of full-text search (中文分词), pure Python, no Django.

One tokenizer feeds both databases (SQLite FTS5 `unicode61`, PostgreSQL `to_tsvector('simple')`): the
text is turned into space-separated tokens that both engines split on spaces alone.

- One token per Chinese character (any non-ASCII letter or number), in text order, so a phrase query of
  characters has exact substring semantics for words of any length, names included (盗窃, 李四, 桃溪).
- Runs of ASCII letters and digits are whole tokens (lower-cased): `2000`, `abc`. A query finds them
  only whole, so a fragment of a number never matches.
- Anything else (punctuation, spaces, the `*` of masked numbers) is a boundary: a reserved token
  (BOUNDARY) keeps two characters on either side of it from counting as adjacent, so `窃电` does not
  match `盗窃，电动车`. A digit/Latin run touching a `*` (a masked ID or phone) is dropped altogether,
  so the visible ends of a masked number are never searchable.
- After the character section, the words of the text (rjieba's search-mode cut plus the words of a
  user dictionary of place and offence names) as extra tokens. A word occurs only where its characters
  do, so adding it to a query (`"盗 窃" OR 盗窃`) never changes what matches, only how it ranks.
- Then every pair of adjacent characters (二元组, 盗窃) not already a word. A pair occurs only where its two
  characters are adjacent, so a two-character term is its pair alone (one posting list, not a phrase of
  two common characters) and a longer one is its pairs AND its phrase (the pairs narrow, the phrase
  stays exact). Entries indexed before pairs existed need `search_reindex`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

# A Latin word no one searches for; queries drop it. Both engines keep it as an ordinary token.
BOUNDARY = "qqjwsep"
_ALNUM = re.compile(r"[0-9a-z]+")
# A masked number: a run of digits/letters and `*` with at least one `*` (350824********1234).
_MASKED = re.compile(r"[0-9A-Za-z]*\*[0-9A-Za-z*]*")
# Characters that are tokens one by one: letters outside ASCII (汉字, ...) and 〇; other numbers and
# symbols (①, ㊣) are boundaries, as PostgreSQL's parser would drop them.
_TOKEN_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"})


def normalise(text: str) -> str:
    """NFKC (full-width ２０００ → 2000, ＡＢＣ → ABC) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_char_token(ch: str) -> bool:
    return not ch.isascii() and unicodedata.category(ch) in _TOKEN_CATEGORIES


def char_tokens(text: str) -> list[str]:
    """The character section of `text`: single characters, whole digit/Latin runs and boundaries
    (never two boundaries in a row, none at either end)."""
    text = _MASKED.sub(" ", normalise(text))
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isascii() and ch.isalnum():
            match = _ALNUM.match(text, i)
            assert match is not None
            tokens.append(match.group())
            i = match.end()
            continue
        if _is_char_token(ch):
            tokens.append(ch)
        elif tokens and tokens[-1] != BOUNDARY:
            tokens.append(BOUNDARY)
        i += 1
    if tokens and tokens[-1] == BOUNDARY:
        tokens.pop()
    return tokens


def _is_cjk_word(word: str) -> bool:
    return len(word) >= 2 and all(_is_char_token(ch) for ch in word)


class Segmenter:
    """rjieba with our user dictionary (Wuping places, offence names, incident and dispute types)."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        self.user_words = frozenset(w for w in (normalise(w) for w in user_words) if _is_cjk_word(w))
        for word in self.user_words:
            # A high frequency makes the segmenter prefer the name over its parts (桃溪镇, not 桃溪/镇).
            self._jieba.add_word(word, 100000, None)
        self._max_len = max((len(w) for w in self.user_words), default=0)

    def words(self, text: str) -> list[str]:
        """The distinct words of `text` (two characters or more), in order of first occurrence."""
        text = normalise(text)
        found = dict.fromkeys(w for w in self._jieba.cut_for_search(text) if _is_cjk_word(w))
        # Dictionary names inside longer runs the segmenter kept whole still count as words.
        for start in range(len(text)):
            for length in range(2, min(self._max_len, len(text) - start) + 1):
                piece = text[start : start + length]
                if piece in self.user_words:
                    found.setdefault(piece)
        return list(found)


@cache
def plain_segmenter() -> Segmenter:
    return Segmenter()


def index_tokens(fields: Sequence[str], segmenter: Segmenter | None = None) -> str:
    """The pre-tokenized text stored in the index: each field's character section, a boundary
    between fields, then a boundary and the words of all fields."""
    segmenter = segmenter or plain_segmenter()
    chars: list[str] = []
    for field in fields:
        section = char_tokens(field)
        if section:
            if chars:
                chars.append(BOUNDARY)
            chars.extend(section)
    words = segmenter.words("\n".join(fields))
    # Character pairs (二元组) that are not already words: a two-character query is then one posting
    # list instead of a phrase of two very common characters.
    grams = [g for g in dict.fromkeys(bigrams(chars)) if g not in set(words)]
    if words or grams:
        chars.append(BOUNDARY)
        chars.extend(words)
        chars.extend(grams)
    return " ".join(chars)


def with_pairs(tokens: str) -> str:
    """Stored tokens of an entry indexed before pairs existed, with its missing pairs appended (the words
    section holds no single characters, so the pairs come from the character section alone)."""
    present = tokens.split()
    known = set(present)
    pairs = [g for g in dict.fromkeys(bigrams(present)) if g not in known]
    return " ".join([*present, BOUNDARY, *pairs]) if pairs else tokens


def bigrams(tokens: Sequence[str]) -> list[str]:
    """Each pair of adjacent Chinese characters of a character section, joined (盗 窃 → 盗窃)."""
    return [
        a + b
        for a, b in pairwise(tokens)
        if len(a) == 1 and len(b) == 1 and _is_char_token(a) and _is_char_token(b)
    ]


@dataclass(frozen=True)
class Term:
    """One query term: the phrase of its character tokens (what must match, adjacent and in order)
    and its words (what ranks)."""

    text: str
    phrase: tuple[str, ...]
    words: tuple[str, ...]
    # The character pairs of the phrase: every match has them all, and a two-character phrase is exactly
    # its one pair (see `exact_pair`).
    grams: tuple[str, ...] = ()

    @property
    def exact_pair(self) -> bool:
        return len(self.phrase) == 2 and len(self.grams) == 1


def parse_query(query: str, segmenter: Segmenter | None = None, limit: int = 8) -> list[Term]:
    """Split a query on white space into terms; a term without any token is dropped."""
    segmenter = segmenter or plain_segmenter()
    terms: list[Term] = []
    for raw in normalise(query).split()[:limit]:
        phrase = tuple(char_tokens(raw))
        if not phrase:
            continue
        words = tuple(w for w in segmenter.words(raw) if len(w) >= 2)
        terms.append(Term(raw, phrase, words, tuple(dict.fromkeys(bigrams(phrase)))))
    return terms


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5_match(terms: Sequence[Term]) -> str:
    """The FTS5 MATCH expression: every term's character phrase must match (a two-character term: its
    pair; a longer one: its pairs AND its phrase). Words play no part: SQLite ranks in Python
    (`relevance`), and each extra operand is one more doclist FTS5 walks for every query."""
    parts = []
    for term in terms:
        phrase = '"' + " ".join(t.replace('"', '""') for t in term.phrase) + '"'
        if term.exact_pair:
            phrase = _quote(term.grams[0])
        elif term.grams:
            # The pairs narrow the candidates cheaply; the phrase keeps the match exact.
            phrase = "(" + " AND ".join([*map(_quote, term.grams), phrase]) + ")"
        parts.append(phrase)
    return " AND ".join(parts)


def _pg_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_term(term: Term) -> str:
    if term.exact_pair:
        return _pg_lexeme(term.grams[0])
    phrase = "(" + " <-> ".join(_pg_lexeme(t) for t in term.phrase) + ")"
    # The pairs first: an AND stops at the first operand that fails, before the costly phrase check.
    return "(" + " & ".join([*map(_pg_lexeme, term.grams), phrase]) + ")"


def tsquery(terms: Sequence[Term]) -> str:
    """The PostgreSQL `to_tsquery('simple', …)` text: each term its character pairs and its `<->`
    phrase (a two-character term: its pair alone), all ANDed."""
    return " & ".join(_pg_term(term) for term in terms)


def rank_tsquery(terms: Sequence[Term]) -> str:
    """For ts_rank_cd: the words of the terms, ORed (ranking only, never matching); a term without a word
    of two characters or more ranks by its phrase."""
    lexemes = [_pg_lexeme(w) for term in terms for w in term.words]
    lexemes += [_pg_term(term) for term in terms if not term.words]
    return " | ".join(f"({x})" for x in lexemes)


def relevance(
    tokens: str, terms: Sequence[Term], average_length: float, k1: float = 1.2, b: float = 0.75
) -> float:
    """How well an entry's stored tokens match the query (SQLite's ranking): per term, BM25's
    term-frequency part for the occurrences of its phrase (saturating in the count, normalised by the
    entry's length against `average_length`). No idf, as ts_rank_cd on PostgreSQL has none: it would
    need every match in the whole index counted."""
    padded = f" {tokens} "
    norm = k1 * (1.0 - b + b * (tokens.count(" ") + 1) / max(average_length, 1.0))
    score = 0.0
    for term in terms:
        # The stored words and pairs are distinct, so the count comes from the character section.
        tf = padded.count(" " + " ".join(term.phrase) + " ")
        score += tf * (k1 + 1.0) / (tf + norm)
    return score
