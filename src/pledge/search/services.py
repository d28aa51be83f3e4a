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


def _filtered(found: Select, query: Query) -> Select:
    found = found.where(_docs.kind == query.kind.value)
    if query.category_id is not None:
        found = found.where(
            (_docs.category_id == query.category_id) | (_docs.top_category_id == query.category_id)
        )
    if query.min_price_fen is not None:
        found = found.where(_docs.price_fen >= query.min_price_fen)
    if query.max_price_fen is not None:
        found = found.where(_docs.price_fen <= query.max_price_fen)
    if query.ship_within_hours is not None:
        found = found.where(_docs.ship_hours <= query.ship_within_hours)
    if query.late_ship_pays:
        found = found.where(_docs.late_ship_pays.is_(True))
    return found


def _ordered(found: Select, query: Query, score: ColumnElement, has_words: bool) -> Select:
    """The sort asked for, then the most sold, then the newest document: a stable order."""
    ties = (_docs.popularity.desc(), _docs.id.desc())
    if query.sort is Sort.PRICE_ASC:
        return found.order_by(nulls_last(_docs.price_fen.asc()), *ties)
    if query.sort is Sort.PRICE_DESC:
        return found.order_by(nulls_last(_docs.price_fen.desc()), *ties)
    if query.sort is Sort.RELEVANCE and has_words:
        return found.order_by(score.desc(), *ties)
    return found.order_by(*ties)


def search(conn: Connection, query: Query) -> Results:
    """One page of documents matching the query's words (all of them; any synonym of each) and
    filters. A query with no word (empty, or only operators and punctuation) lists by the filters
    alone."""
    groups = query_groups(query.text)
    found, score = matching(conn, groups)
    found = _ordered(_filtered(found, query), query, score, bool(groups))
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
