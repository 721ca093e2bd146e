"""The tokenizer, pure: every substring of a text that holds a Chinese character is found by its phrase
query (FTS5 in memory), and nothing that is not a substring is."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from jingwu.search.tokenizer import (
    BOUNDARY,
    Segmenter,
    char_tokens,
    fts5_match,
    index_tokens,
    parse_query,
    relevance,
    tsquery,
    with_pairs,
)

SEGMENTER = Segmenter(["桃溪镇", "湘店", "盗窃"])
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
OTHER = st.sampled_from(list("ab1，。 *-X２"))
TEXTS = st.text(st.one_of(CJK, CJK, CJK, OTHER), min_size=1, max_size=30)


def fts(docs: list[str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(tokens, tokenize='unicode61 remove_diacritics 0')")
    db.executemany(
        "INSERT INTO f(rowid, tokens) VALUES (?, ?)",
        [(i, index_tokens([d], SEGMENTER)) for i, d in enumerate(docs)],
    )
    return db


def matches(db: sqlite3.Connection, query: str) -> set[int]:
    terms = parse_query(query, SEGMENTER)
    return {row[0] for row in db.execute("SELECT rowid FROM f WHERE f MATCH ?", (fts5_match(terms),))}


def _cuts_a_run(text: str, start: int, end: int) -> bool:
    """Digit/Latin runs are whole tokens: a substring ending inside one is not a token-aligned query."""

    def alnum(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()

    return (alnum(start) and alnum(start - 1)) or (alnum(end - 1) and alnum(end))


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.data())
def test_every_substring_with_a_chinese_character_is_found(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    piece = text[start:end]
    if not any("\u4e00" <= ch <= "\u9fff" for ch in piece) or _cuts_a_run(text, start, end) or "*" in text:
        return
    db = fts([text, "无关的文本"])
    assert 0 in matches(db, piece.replace(" ", "，"))


def test_two_character_words_and_places_are_found_only_adjacent():
    db = fts(["张三的电动车在桃溪镇被盗窃", "窃贼偷盗了自行车", "盗，窃"])
    assert matches(db, "盗窃") == {0}
    assert matches(db, "桃溪") == {0}
    assert matches(db, "盗窃 电动车 桃溪") == {0}
    assert matches(db, "窃盗") == set()


def test_numbers_match_whole_and_masked_numbers_never():
    db = fts(["价值2000元", "电话138****5678，身份证350824********1234"])
    assert matches(db, "2000") == {0}
    assert matches(db, "200") == set()
    assert matches(db, "5678") == set() and matches(db, "350824") == set()


def test_tokens_never_cross_punctuation_and_words_follow_the_characters():
    tokens = char_tokens("盗窃，电动车 ABC１２")
    assert tokens == ["盗", "窃", BOUNDARY, "电", "动", "车", BOUNDARY, "abc12"]
    indexed = index_tokens(["桃溪镇村民", "被盗窃"], SEGMENTER).split()
    assert indexed[:6] == ["桃", "溪", "镇", "村", "民", BOUNDARY]
    assert "桃溪镇" in indexed and "盗窃" in indexed


def test_character_pairs_make_a_two_character_term_one_token_without_changing_matches():
    indexed = index_tokens(["民警在湘店处警"], SEGMENTER).split()
    assert "民警" in indexed and "店处" in indexed  # every adjacent pair, words or not
    assert tsquery(parse_query("民警", SEGMENTER)) == "'民警'"
    assert tsquery(parse_query("电动车", SEGMENTER)) == "('电动' & '动车' & ('电' <-> '动' <-> '车'))"
    # Pairs never join across punctuation, fields or a Latin run; a three-character term stays a phrase.
    db = fts(["民，警察", "电动 车", "电动车", "动车电动"])
    assert matches(db, "民警") == set()
    assert matches(db, "电动车") == {2}
    assert matches(db, "动车") == {2, 3}


def test_entries_indexed_before_pairs_get_them_from_their_stored_tokens():
    old = "盗 窃 qqjwsep 电 动 车 qqjwsep 电动车"  # the tokens the earlier tokenizer stored
    updated = with_pairs(old)
    assert updated.split()[: len(old.split())] == old.split()
    assert {"盗窃", "电动", "动车"} <= set(updated.split()) and "窃电" not in updated.split()
    assert with_pairs(updated) == updated


def test_relevance_grows_with_the_occurrences_and_favours_short_entries():
    terms = parse_query("盗窃 桃溪镇", SEGMENTER)
    once = index_tokens(["桃溪镇村民家中被盗窃"], SEGMENTER)
    twice = index_tokens(["桃溪镇村民家中被盗窃，邻居家也被盗窃"], SEGMENTER)
    padded = index_tokens(["桃溪镇村民家中被盗窃" + "，天气晴朗无风" * 8], SEGMENTER)
    average = 40.0
    assert relevance(index_tokens(["村民家中失火"], SEGMENTER), terms, average) == 0.0
    assert 0 < relevance(once, terms, average) < relevance(twice, terms, average)
    # The same matches in a longer entry count less (BM25's length normalisation).
    assert relevance(padded, terms, average) < relevance(once, terms, average)
