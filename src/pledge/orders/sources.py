"""Where each line of a checkout was bought, and what that binds (attribution): the cart's
signed source tokens read back, and each source asked once for the SKUs bought from it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.attribution.model import CONTENT_CHANNELS, PRODUCT_CARD, Bound, Source, SourceResolver
from pledge.attribution.tokens import SourceExpired, verify
from pledge.catalog.tables import content_promises
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import DomainError


def cart_source(secrets: Sequence[str], token: str | None, *, now: datetime) -> Source:
    """The source a cart line's token names; a line kept past the token's lifetime (or added on
    the product page) is a product-card line. A forged token raises InvalidInput."""
    if token is None:
        return PRODUCT_CARD
    try:
        return verify(secrets, token, now=now)
    except SourceExpired:
        return PRODUCT_CARD


def bind_sources(
    conn: Connection, resolver: SourceResolver, lines: Iterable[tuple[int, Source]], *, at: datetime
) -> dict[Source, Bound]:
    """Each source's binding for the SKUs bought from it (one question per source, in a fixed
    order); a room that is not live or an SKU it does not sell refuses the whole checkout."""
    by_source: dict[Source, set[int]] = defaultdict(set)
    for sku_id, source in lines:
        by_source[source].add(sku_id)
    return {
        source: resolver.bind(conn, source, sorted(sku_ids), at=at)
        for source, sku_ids in sorted(by_source.items(), key=lambda item: (item[0].channel, item[0].id))
    }


def bound_content(conn: Connection, bindings: Iterable[Bound]) -> dict[int, AnyRow]:
    """The content promises (rooms, videos) the bindings name, by id."""
    ids = {b.content_id for b in bindings if b.content_id is not None}
    if not ids:
        return {}
    cp = content_promises.c
    return {c.id: c for c in conn.execute(select(content_promises).where(cp.id.in_(ids)))}


def line_prices(
    conn: Connection, resolver: SourceResolver, lines: Iterable[tuple[int, Source]], *, at: datetime
) -> dict[int, int | None]:
    """What each content line of a cart would cost now at its source (the room's card price),
    or None where the source would refuse it at checkout (the room is off air, the card gone);
    lines from a page with no price of its own are left out (they pay the SKU's price)."""
    prices: dict[int, int | None] = {}
    for sku_id, source in lines:
        if source.channel not in CONTENT_CHANNELS:
            continue
        try:
            prices[sku_id] = resolver.bind(conn, source, [sku_id], at=at).prices.get(sku_id)
        except DomainError:
            prices[sku_id] = None
    return prices
