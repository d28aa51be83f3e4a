"""The read side of the affiliate pages: a creator's showcase and sample requests, and a
merchant's affiliate page (the shop's rates, the creators selling its products, the sample
requests to decide)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import categories, products, shops, skus
from pledge.creators.model import DutyStatus, SampleKind, SampleStatus
from pledge.creators.samples_policy import ship_deadlines
from pledge.creators.services import rate_for
from pledge.creators.tables import affiliate_rates, creators, sample_duties, sample_requests, showcase_items
from pledge.kernel.errors import NotFound
from pledge.live.tables import live_sessions
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook
from pledge.videos.tables import videos

s = sample_requests.c
d = sample_duties.c
FIRST = case(
    (s.status == SampleStatus.REQUESTED.value, 0), (s.status == SampleStatus.APPROVED.value, 1), else_=2
)


def _sample_rows(conn: Connection, where, book: Rulebook) -> list[dict]:
    rows = conn.execute(
        select(
            sample_requests,
            products.c.title,
            shops.c.name.label("shop_name"),
            creators.c.display_name.label("creator_name"),
            creators.c.follower_count,
            d.status.label("duty_status"),
            d.due_at.label("duty_due_at"),
            d.met_by.label("duty_met_by"),
            d.refund_due_at,
            d.refunded_at,
            d.return_tracking_no,
        )
        .join(products, products.c.id == s.product_id)
        .join(shops, shops.c.id == s.shop_id)
        .join(creators, creators.c.id == s.creator_id)
        .outerjoin(sample_duties, d.sample_id == s.id)
        .where(where)
        .order_by(FIRST, s.id.desc())
        .limit(200)
    ).all()
    out = []
    for r in rows:
        row = dict(
            r._mapping,
            status=SampleStatus(r.status),
            kind=SampleKind(r.kind),
            duty_status=None if r.duty_status is None else DutyStatus(r.duty_status),
        )
        if r.status == SampleStatus.APPROVED:
            row["ship_due_at"] = ship_deadlines(book, r.decided_at).due_at
        out.append(row)
    return out


def creator_samples(conn: Connection, creator_id: int, book: Rulebook) -> list[dict]:
    return _sample_rows(conn, s.creator_id == creator_id, book)


def showcase_products(conn: Connection, creator_id: int, *, now: datetime) -> list[dict]:
    """The creator's showcase with the rate each product sells at now (None: no rate any more)."""
    sc = showcase_items.c
    price = select(func.min(skus.c.price_fen)).where(skus.c.product_id == products.c.id).scalar_subquery()
    rows = conn.execute(
        select(products.c.id, products.c.title, shops.c.name.label("shop_name"), price.label("price_fen"))
        .join(showcase_items, sc.product_id == products.c.id)
        .join(shops, shops.c.id == products.c.shop_id)
        .where(sc.creator_id == creator_id)
        .order_by(sc.id)
    ).all()
    out = []
    for r in rows:
        rate = rate_for(conn, product_id=r.id, creator_id=creator_id, at=now)
        out.append(dict(r._mapping, rate_bp=rate and rate.rate_bp, exclusive=bool(rate and rate.exclusive)))
    return out


def _rates(conn: Connection, shop_id: int, now: datetime) -> list[dict]:
    r = affiliate_rates.c
    rows = conn.execute(
        select(affiliate_rates, products.c.title, creators.c.display_name.label("creator_name"))
        .join(products, products.c.id == r.product_id)
        .outerjoin(creators, creators.c.id == r.creator_id)
        .where(r.shop_id == shop_id)
        .order_by(r.product_id, r.starts_at.desc())
        .limit(500)
    ).all()
    out = []
    for row in rows:
        ended = row.ends_at is not None and row.ends_at <= now
        state = "ended" if ended else ("upcoming" if row.starts_at > now else "in_force")
        out.append(dict(row._mapping, state=state))
    return out


def _sellers(conn: Connection, shop_id: int) -> list[dict]:
    """The creators with the shop's products in their showcase, most products first."""
    sc = showcase_items.c
    rows = conn.execute(
        select(
            creators.c.id,
            creators.c.display_name,
            creators.c.follower_count,
            creators.c.status,
            func.count(sc.id).label("products"),
        )
        .join(showcase_items, sc.creator_id == creators.c.id)
        .join(products, products.c.id == sc.product_id)
        .where(products.c.shop_id == shop_id)
        .group_by(creators.c.id, creators.c.display_name, creators.c.follower_count, creators.c.status)
        .order_by(func.count(sc.id).desc(), creators.c.id)
        .limit(200)
    ).all()
    return [dict(r._mapping) for r in rows]


def _with_sales(conn: Connection, sellers: list[dict], sales: dict[int, dict]) -> list[dict]:
    """The showcase sellers and every creator who sold the shop's products, with their orders
    and GMV; the biggest sellers first."""
    known = {s["id"] for s in sellers}
    more = [k for k in sales if k not in known]
    if more:
        c = creators.c
        rows = conn.execute(
            select(c.id, c.display_name, c.follower_count, c.status).where(c.id.in_(more)).order_by(c.id)
        ).all()
        sellers = sellers + [dict(r._mapping, products=0) for r in rows]
    empty = {"orders": 0, "gmv_fen": 0}
    merged = [dict(s, **sales.get(s["id"], empty)) for s in sellers]
    return sorted(merged, key=lambda s: (-s["gmv_fen"], -s["products"], s["id"]))


def shop_affiliate(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, *, now: datetime) -> dict:
    require_shop(actor, shop_id, read_only=True)
    own = conn.execute(
        select(products.c.id, products.c.title)
        .where(products.c.shop_id == shop_id, products.c.active.is_(True))
        .order_by(products.c.id)
    ).all()
    return {
        "products": [dict(r._mapping) for r in own],
        "rates": _rates(conn, shop_id, now),
        "sellers": _with_sales(conn, _sellers(conn, shop_id), seller_sales(conn, shop_id)),
        "samples": _sample_rows(conn, s.shop_id == shop_id, book),
    }


def sample_view(conn: Connection, book: Rulebook, sample_id: int) -> dict:
    """One sample request as the pages and the API show it (the caller was checked already)."""
    return _sample_rows(conn, s.id == sample_id, book)[0]


def category_choices(conn: Connection) -> list[dict]:
    """The top-level categories, for the marketplace's filter (a filter takes their children too)."""
    c = categories.c
    rows = conn.execute(select(c.id, c.name, c.name_en).where(c.parent_id.is_(None)).order_by(c.id)).all()
    return [dict(r._mapping) for r in rows]


def creator_id_by_handle(conn: Connection, handle: str) -> int:
    """The creator a merchant names for an exclusive rate (指定达人)."""
    name = handle.strip().removeprefix("@")
    found = conn.execute(select(creators.c.id).where(creators.c.handle == name)).scalar()
    if found is None:
        raise NotFound(f"no creator @{name[:30]}")
    return int(found)


def creator_account(conn: Connection, user_id: int):
    """The user's creator account, or None (the page offers to open one)."""
    return conn.execute(select(creators).where(creators.c.user_id == user_id)).first()


def seller_sales(conn: Connection, shop_id: int) -> dict[int, dict]:
    """Per creator, the shop's paid orders they sold and what buyers paid for them (GMV)."""
    o = orders.c
    rows = conn.execute(
        select(o.creator_id, func.count().label("orders"), func.sum(o.paid_fen).label("gmv_fen"))
        .where(o.shop_id == shop_id, o.creator_id.is_not(None), o.paid_at.is_not(None))
        .group_by(o.creator_id)
    ).all()
    return {r.creator_id: {"orders": int(r.orders), "gmv_fen": int(r.gmv_fen or 0)} for r in rows}


def product_titles(conn: Connection, product_ids: list[int]) -> dict[int, str]:
    rows = conn.execute(select(products.c.id, products.c.title).where(products.c.id.in_(product_ids)))
    return {r.id: r.title for r in rows}


def source_labels(conn: Connection, refs: list[str]) -> dict[str, dict]:
    """What each `source_ref` of a creator's orders names: a live session or a video (with its
    title), or the showcase."""
    wanted: dict[str, set[int]] = {"live_session": set(), "video": set()}
    for ref in refs:
        kind, _, number = ref.partition(":")
        if kind in wanted and number.isdigit():
            wanted[kind].add(int(number))
    titles = {
        "live_session": dict(
            conn.execute(
                select(live_sessions.c.id, live_sessions.c.title).where(
                    live_sessions.c.id.in_(wanted["live_session"])
                )
            ).all()
        ),
        "video": dict(
            conn.execute(select(videos.c.id, videos.c.title).where(videos.c.id.in_(wanted["video"]))).all()
        ),
    }
    out = {}
    for ref in refs:
        kind, _, number = ref.partition(":")
        title = titles.get(kind, {}).get(int(number)) if number.isdigit() else None
        out[ref] = {
            "kind": kind if kind in ("live_session", "video", "showcase") else "other",
            "title": title,
        }
    return out
