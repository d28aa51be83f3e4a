"""The two full-text engines behind one query: SQLite's FTS5 table `search_fts` and
PostgreSQL's to_tsvector('simple', words) under a GIN index (migration 0030). Both receive the
query as groups of words (search.text.query_groups): every group must match, any word of a group
may. No word of the user's ever reaches the engine's query syntax: on SQLite each word is an FTS5
string (double-quoted, inner quotes doubled) and the MATCH expression is a bound parameter; on
PostgreSQL each word goes through plainto_tsquery as a bound parameter."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, true
from sqlalchemy.engine import Connection

from pledge.search.tables import search_documents

Groups = Sequence[tuple[str, ...]]
_docs = search_documents.c
# The same expression as the GIN index of migration 0030, or PostgreSQL will not use the index.
SIMPLE: ColumnElement = literal_column("'simple'::regconfig")
TSVECTOR = func.to_tsvector(SIMPLE, _docs.words)
FTS: ColumnElement = literal_column("search_fts")
_fts_table = table("search_fts", column("rowid"))


def fts5_string(word: str) -> str:
    """A word as an FTS5 string: whatever it holds (AND, NEAR, *, ^, :, quotes) is text."""
    return '"' + word.replace('"', '""') + '"'


def fts5_match(groups: Groups) -> str:
    return " AND ".join("(" + " OR ".join(fts5_string(w) for w in group) + ")" for group in groups)


def _either(group: tuple[str, ...]) -> ColumnElement:
    """Any word of the group: plainto_tsquery(w1) || plainto_tsquery(w2) ..."""
    words: list[ColumnElement] = [func.plainto_tsquery(SIMPLE, word) for word in group]
    return functools.reduce(lambda a, b: a.op("||")(b), words)


def _tsquery(groups: Groups) -> ColumnElement:
    """Every group: (...) && (...)."""
    return functools.reduce(lambda a, b: a.op("&&")(b), [_either(group) for group in groups])


def matching(conn: Connection, groups: Groups) -> tuple[Select, ColumnElement]:
    """The documents matching every group, and their relevance (higher is better)."""
    if not groups:
        return select(search_documents).where(true()), literal_column("0")
    if conn.dialect.name == "postgresql":
        query = _tsquery(groups)
        rank: ColumnElement = func.ts_rank(TSVECTOR, query)
        return select(search_documents, rank.label("score")).where(TSVECTOR.op("@@")(query)), rank
    # The FTS5 match first, materialised: left to itself SQLite walked search_documents in the
    # order of a sort's index and probed the matches row by row (0.5 s over 100 000 documents).
    matched = (
        select(_fts_table.c.rowid.label("id"), (-func.bm25(FTS)).label("score"))
        .where(FTS.op("MATCH")(fts5_match(groups)))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    found = select(search_documents, matched.c.score).join(matched, matched.c.id == _docs.id)
    return found, matched.c.score
