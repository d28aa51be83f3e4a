"""Search documents built from what the catalog and the videos hold: a product's title, its
category names, its shop's name and the start of its description; a shop's name, city and
description; a video's title, its shop (a creator's own video: the creator's name, no shop) and
the titles of the products it sells. Only what a buyer may see is indexed: active products,
published videos, every shop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.catalog.services import promise_of
from pledge.catalog.tables import categories, content_promises, products, shops, skus
from pledge.creators.tables import creators
from pledge.kernel.db import dialect_insert
from pledge.kernel.indexing import Indexed
from pledge.orders.tables import order_lines, orders
from pledge.promises.model import Promise
from pledge.rulebooks.loader import Rulebook
from pledge.search.policy import late_ship_pays, ship_hours
from pledge.search.tables import search_documents
from pledge.search.text import index_words
from pledge.videos.model import VideoStatus
from pledge.videos.tables import video_products, videos

BATCH = 2000  # documents written per INSERT by a rebuild


@dataclass(frozen=True)
class Built:
    book: Rulebook
    at: datetime

    def promise_columns(self, promise: Promise | None) -> dict:
        if promise is None:
            return {"promise": None, "ship_hours": None, "late_ship_pays": False}
        return {
            "promise": promise.code,
            "ship_hours": ship_hours(self.book, promise, self.at),
            "late_ship_pays": late_ship_pays(self.book, promise, self.at),
        }

    def row(self, kind: Indexed, subject_id: int, shop_id: int, title: str, *texts: str, **more) -> dict:
        return {
            "kind": kind.value,
            "subject_id": subject_id,
            "shop_id": shop_id,
            "title": title[:200],
            "words": index_words(title, *texts),
            "indexed_at": self.at,
            "category_id": None,
            "top_category_id": None,
            "price_fen": None,
            **more,
        }


def _units_sold(conn: Connection, column, ids: Sequence[int] | None) -> dict[int, int]:
    """Units of paid orders, by product or by shop (`column`)."""
    query = (
        select(column, func.sum(order_lines.c.quantity))
        .select_from(order_lines.join(orders, orders.c.id == order_lines.c.order_id))
        .where(orders.c.paid_at.is_not(None))
        .group_by(column)
    )
    if ids is not None:
        query = query.where(column.in_(ids))
    return {key: int(n) for key, n in conn.execute(query)}


def product_rows(conn: Connection, built: Built, ids: Sequence[int] | None) -> Iterator[dict]:
    top = aliased(categories)
    price = select(skus.c.product_id, func.min(skus.c.price_fen).label("price")).group_by(skus.c.product_id)
    if ids is not None:
        price = price.where(skus.c.product_id.in_(ids))
    prices = price.subquery()
    p = products.c
    query = (
        select(
            p.id,
            p.shop_id,
            p.title,
            p.description,
            p.category_id,
            p.promise_kind,
            p.promise_hours,
            p.presale_date,
            categories.c.name.label("category"),
            categories.c.parent_id,
            func.coalesce(top.c.name, "").label("top"),
            shops.c.name.label("shop"),
            prices.c.price,
        )
        .join(categories, categories.c.id == p.category_id)
        .outerjoin(top, top.c.id == categories.c.parent_id)
        .join(shops, shops.c.id == p.shop_id)
        .join(prices, prices.c.product_id == p.id)
        .where(p.active.is_(True))
    )
    if ids is not None:
        query = query.where(p.id.in_(ids))
    sold = _units_sold(conn, order_lines.c.product_id, ids)
    for r in conn.execute(query):
        yield built.row(
            Indexed.PRODUCT, r.id, r.shop_id, r.title, r.category, r.top, r.shop, r.description,
            category_id=r.category_id, top_category_id=r.parent_id or r.category_id, price_fen=r.price,
            popularity=sold.get(r.id, 0), **built.promise_columns(promise_of(r)),
        )  # fmt: skip


def shop_rows(conn: Connection, built: Built, ids: Sequence[int] | None) -> Iterator[dict]:
    query = select(shops.c.id, shops.c.name, shops.c.city, shops.c.description)
    if ids is not None:
        query = query.where(shops.c.id.in_(ids))
    sold = _units_sold(conn, orders.c.shop_id, ids)
    for r in conn.execute(query):
        yield built.row(
            Indexed.SHOP, r.id, r.id, r.name, r.city, r.description,
            popularity=sold.get(r.id, 0), **built.promise_columns(None),
        )  # fmt: skip


def _linked_titles(conn: Connection, video_ids: Sequence[int] | None) -> dict[int, list[str]]:
    query = select(video_products.c.video_id, products.c.title).join(
        products, products.c.id == video_products.c.product_id
    )
    if video_ids is not None:
        query = query.where(video_products.c.video_id.in_(video_ids))
    found: dict[int, list[str]] = {}
    for video_id, title in conn.execute(query):
        found.setdefault(video_id, []).append(title)
    return found


def video_rows(conn: Connection, built: Built, ids: Sequence[int] | None) -> Iterator[dict]:
    v, cp = videos.c, content_promises.c
    query = (
        select(
            v.id, v.shop_id, v.title, v.plays, v.content_id,
            func.coalesce(shops.c.name, creators.c.display_name).label("shop"),
            cp.promise_kind, cp.promise_hours, cp.presale_date,
        )
        .outerjoin(shops, shops.c.id == v.shop_id)
        .outerjoin(creators, creators.c.id == v.creator_id)
        .outerjoin(content_promises, cp.id == v.content_id)
        .where(v.status == VideoStatus.PUBLISHED)
    )  # fmt: skip
    if ids is not None:
        query = query.where(v.id.in_(ids))
    titles = _linked_titles(conn, ids)
    for r in conn.execute(query):
        yield built.row(
            Indexed.VIDEO, r.id, r.shop_id, r.title, r.shop, *titles.get(r.id, []),
            popularity=r.plays, **built.promise_columns(promise_of(r) if r.content_id else None),
        )  # fmt: skip


ROWS = {Indexed.PRODUCT: product_rows, Indexed.SHOP: shop_rows, Indexed.VIDEO: video_rows}


def _batches(rows: Iterable[dict]) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(conn: Connection, batch: list[dict]) -> None:
    """Insert, or overwrite the document of the same (kind, subject): two transactions indexing
    one product at once (an edit and a takedown) both end with one row, not a unique violation."""
    insert = dialect_insert(conn)(search_documents).values(batch)
    fresh = {c: insert.excluded[c] for c in batch[0] if c not in ("kind", "subject_id")}
    conn.execute(insert.on_conflict_do_update(index_elements=["kind", "subject_id"], set_=fresh))


def replace(conn: Connection, built: Built, kind: Indexed, ids: Sequence[int] | None) -> int:
    """Write the documents of these items again from the source tables and delete those of items
    no longer visible. With `ids` None every visible item of the kind is written: the caller
    (services.reindex) has emptied the table first."""
    docs = search_documents.c
    written: list[int] = []
    for batch in _batches(ROWS[kind](conn, built, ids)):
        _upsert(conn, batch)
        written += [row["subject_id"] for row in batch]
    if ids is not None:
        stale = set(ids) - set(written)
        conn.execute(delete(search_documents).where(docs.kind == kind.value, docs.subject_id.in_(stale)))
    return len(written)
