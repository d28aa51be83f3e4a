"""Attribution of orders to creators (达人): what buying from a creator's showcase (橱窗), live
room or video binds (attribution.SourceResolver, wired by bootstrap).

- A creator's showcase is `Source(Channel.SHOWCASE, creator_id)`: it sells the products in the
  showcase that a merchant's rate lets the creator sell now (`affiliate.rate-required`).
- A room or video with a creator (live_rooms.creator_id, videos.creator_id) binds as the shop's
  does, and attributes the order to the creator; every product bought there must be in the
  affiliate marketplace for the creator, else a clear error and nothing is written.
- A removed creator sells nothing, nor one whose selling a penalty closed for some days
  (creators.selling_closed_until, governance.creator_penalties). An order the creator sells from
  a shop they are a member of is the merchant's own selling (自卖): it stays the shop's, with no
  creator ("若最后一次站内推广渠道的属于商家自卖……本单佣金结算为0", douyin:aJoPPkXtaG25 §2.2.2).
- Last touch: the cart keeps the token of the page a product was last added from, and a token is
  good for the attribution window (`affiliate.attribution-window`, a Pledge default of 24 h, equal
  to attribution.tokens.TOKEN_LIFETIME; a unit test keeps them equal)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.tables import shop_members
from pledge.attribution.model import Bound, Channel, Source, SourceResolver
from pledge.catalog.tables import skus
from pledge.creators.model import CreatorStatus
from pledge.creators.services import rate_for
from pledge.creators.tables import creators, showcase_items
from pledge.kernel.errors import Conflict, NotFound


def showcase_source(creator_id: int) -> Source:
    """The source a creator's showcase page signs for the buyer to carry to checkout."""
    return Source(Channel.SHOWCASE, creator_id)


def _selling_creator(conn: Connection, creator_id: int, at: datetime):
    c = creators.c
    row = conn.execute(
        select(c.id, c.user_id, c.status, c.selling_closed_until).where(c.id == creator_id)
    ).first()
    if row is None:
        raise NotFound(f"no creator {creator_id}")
    if row.status == CreatorStatus.REMOVED:
        raise Conflict(f"creator {creator_id} has been removed from selling")
    if row.selling_closed_until is not None and row.selling_closed_until > at:
        raise Conflict(
            f"creator {creator_id}'s selling is closed by a penalty until "
            f"{row.selling_closed_until.isoformat()}"
        )
    return row


def _check_marketplace(conn: Connection, creator_id: int, sku_ids: Collection[int], at: datetime) -> set[int]:
    """The shops of the SKUs, after checking each product has a rate in force for the creator."""
    rows = conn.execute(
        select(skus.c.id, skus.c.product_id, skus.c.shop_id).where(skus.c.id.in_(list(sku_ids)))
    ).all()
    for row in sorted(rows):
        if rate_for(conn, product_id=row.product_id, creator_id=creator_id, at=at) is None:
            raise Conflict(
                f"product {row.product_id} is not in the affiliate marketplace for creator {creator_id}: "
                "its merchant has set no commission rate the creator may sell at"
            )
    return {row.shop_id for row in rows}


def _self_selling(conn: Connection, user_id: int, shop_ids: set[int]) -> bool:
    m = shop_members.c
    return (
        conn.execute(select(m.shop_id).where(m.user_id == user_id, m.shop_id.in_(shop_ids))).first()
        is not None
    )


def attribute(conn: Connection, bound: Bound, sku_ids: Collection[int], *, at: datetime) -> Bound:
    """The binding with its creator checked: removed creators and products outside the
    marketplace refuse; the creator's own shop's products stay the shop's."""
    if bound.creator_id is None:
        return bound
    creator = _selling_creator(conn, bound.creator_id, at)
    shops = _check_marketplace(conn, creator.id, sku_ids, at)
    if _self_selling(conn, creator.user_id, shops):
        return Bound(bound.channel, bound.content_id, bound.prices, bound.ref, None)
    return bound


class CreatorContent:
    """A room or video resolver whose content may belong to a creator."""

    def __init__(self, inner: SourceResolver) -> None:
        self._inner = inner

    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound:
        return attribute(conn, self._inner.bind(conn, source, sku_ids, at=at), sku_ids, at=at)


class CreatorShowcaseSources:
    """Buying from a creator's showcase: only what the showcase holds."""

    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound:
        _selling_creator(conn, source.id, at)
        s = showcase_items.c
        shown = set(
            conn.execute(
                select(skus.c.id)
                .join(showcase_items, s.product_id == skus.c.product_id)
                .where(s.creator_id == source.id, skus.c.id.in_(list(sku_ids)))
            ).scalars()
        )
        missing = sorted(set(sku_ids) - shown)
        if missing:
            raise Conflict(f"SKU {missing[0]} is not in creator {source.id}'s showcase")
        bound = Bound(Channel.SHOWCASE, None, {}, f"showcase:{source.id}", source.id)
        return attribute(conn, bound, sku_ids, at=at)
