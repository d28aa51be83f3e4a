"""Search use cases: answer a query on either engine, keep documents in step with the catalog
and videos (the kernel.indexing port), rebuild every document (`pledge search reindex`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, nulls_last, text
from sqlalchemy.engine import Connection

from pledge.kernel.clock import Clock
from pledge.kernel.indexing import Indexed
from pledge.rulebooks.loader import Rulebook
from pledge.search import documents
from pledge.search.engines import matching
from pledge.search.model import Hit, Query, Results, Sort
from pledge.search.tables import search_documents
from pledge.search.text import query_groups

_docs = search_documents.c


@dataclass(frozen=True)
class _Columns:
    """The document columns the filters and sorts read. Driven from the FTS5 matches (SQLite
    with words) they are wrapped in a no-op expression, which SQLite cannot answer from an
    index: left with the indexes, its planner walked search_documents in a sort's index order
    and probed the matches row by row (0.5 s over 100 000 documents instead of milliseconds)."""

    kind: ColumnElement
    category_id: ColumnElement
    top_category_id: ColumnElement
    price_fen: ColumnElement
    popularity: ColumnElement

    @classmethod
    def of(cls, conn: Connection, has_words: bool) -> _Columns:
        if conn.dialect.name == "sqlite" and has_words:
            return cls(
                _docs.kind.concat(""), _docs.category_id + 0, _docs.top_category_id + 0,
                _docs.price_fen + 0, _docs.popularity + 0,
            )  # fmt: skip
        return cls(_docs.kind, _docs.category_id, _docs.top_category_id, _docs.price_fen, _docs.popularity)


def _filtered(found: Select, query: Query, cols: _Columns) -> Select:
    found = found.where(cols.kind == query.kind.value)
    if query.category_id is not None:
        found = found.where(
            (cols.category_id == query.category_id) | (cols.top_category_id == query.category_id)
        )
    if query.min_price_fen is not None:
        found = found.where(cols.price_fen >= query.min_price_fen)
    if query.max_price_fen is not None:
        found = found.where(cols.price_fen <= query.max_price_fen)
    if query.ship_within_hours is not None:
        found = found.where(_docs.ship_hours <= query.ship_within_hours)
    if query.late_ship_pays:
        found = found.where(_docs.late_ship_pays.is_(True))
    return found


def _ordered(found: Select, query: Query, score: ColumnElement, cols: _Columns, has_words: bool) -> Select:
    """The sort asked for, then the most sold, then the newest document: a stable order."""
    ties = (cols.popularity.desc(), _docs.id.desc())
    if query.sort is Sort.PRICE_ASC:
        return found.order_by(nulls_last(cols.price_fen.asc()), *ties)
    if query.sort is Sort.PRICE_DESC:
        return found.order_by(nulls_last(cols.price_fen.desc()), *ties)
    if query.sort is Sort.RELEVANCE and has_words:
        return found.order_by(score.desc(), *ties)
    return found.order_by(*ties)


def search(conn: Connection, query: Query) -> Results:
    """One page of documents matching the query's words (all of them; any synonym of each) and
    filters. A query with no word (empty, or only operators and punctuation) lists by the filters
    alone."""
    groups = query_groups(query.text)
    found, score = matching(conn, groups)
    cols = _Columns.of(conn, bool(groups))
    found = _ordered(_filtered(found, query, cols), query, score, cols, bool(groups))
    rows = conn.execute(found.limit(query.size + 1).offset((query.page - 1) * query.size)).all()
    hits = [
        Hit(
            Indexed(r.kind), r.subject_id, r.shop_id, r.title, r.price_fen, r.promise, r.ship_hours,
            bool(r.late_ship_pays), r.popularity,
        )
        for r in rows[: query.size]
    ]  # fmt: skip
    return Results(query, hits, has_more=len(rows) > query.size)


@dataclass(frozen=True)
class SearchIndexer:
    """The kernel.indexing port answered by search: rewrites the changed items' documents in the
    writer's transaction (bootstrap wires it)."""

    book: Rulebook
    clock: Clock

    def changed(self, conn: Connection, kind: Indexed, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            documents.replace(conn, documents.Built(self.book, self.clock.now()), kind, ids)


def reindex(conn: Connection, book: Rulebook, *, at: datetime) -> dict[str, int]:
    """Every document written again from the catalog and videos, in one transaction; on SQLite
    the FTS5 index is rebuilt from them as well (FTS5's own 'rebuild' command)."""
    conn.execute(delete(search_documents))
    built = documents.Built(book, at)
    counts = {kind.value: documents.replace(conn, built, kind, None) for kind in Indexed}
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
    return counts
