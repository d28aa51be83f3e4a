"""Where an order came from (its channel and source), decided by the server, never by the buyer.

A page the buyer can buy on (a live room, a short video, a product card, search results, a shop
showcase) hands out a signed source token; the cart carries it to checkout, which verifies it and
asks the content's owner (live rooms, videos) what it binds: a room's price and promise bind only
for the products pinned in its live session. Commission (settlement) and the experience score
read the channel the order was given here."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.engine import Connection

from pledge.kernel.errors import InvalidInput


class Channel(StrEnum):
    LIVE_ROOM = "live_room"
    SHORT_VIDEO = "short_video"
    PRODUCT_CARD = "product_card"
    SEARCH = "search"
    SHOWCASE = "showcase"


# What a statement, a receipt or a page calls each channel (English, Chinese): the stored key
# is for machines only.
CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    Channel.LIVE_ROOM: ("live room", "直播间"),
    Channel.SHORT_VIDEO: ("short video", "短视频"),
    Channel.PRODUCT_CARD: ("product card", "商品卡"),
    Channel.SEARCH: ("search", "搜索"),
    Channel.SHOWCASE: ("showcase", "橱窗"),
}


def channel_name(channel: str, lang: str = "en") -> str:
    """The channel's name in `lang` ("zh…" for Chinese); an unknown key is returned as it is."""
    names = CHANNEL_NAMES.get(channel)
    if names is None:
        return channel
    return names[1] if lang.startswith("zh") else names[0]


# Channels whose source is a piece of content with its own promise and prices.
CONTENT_CHANNELS = frozenset({Channel.LIVE_ROOM, Channel.SHORT_VIDEO})


@dataclass(frozen=True)
class Source:
    """A channel and, for content, the id of the room or video; for a creator's showcase (橱窗)
    the creator's id (0 for a shop's showcase and the other channels)."""

    channel: Channel
    id: int = 0


@dataclass(frozen=True)
class Bound:
    """What a source binds at checkout: the content whose promise applies (its content_promises
    id), the price of each SKU bought there (the room price), and a reference kept on the order
    (`live_session:12`, `video:3`) so that reports count it."""

    channel: Channel
    content_id: int | None = None
    prices: Mapping[int, int] = field(default_factory=dict)
    ref: str = ""
    creator_id: int | None = None  # the creator (达人) the order is attributed to; None: the shop's own


class SourceResolver(Protocol):
    """Implemented above checkout (live rooms, videos) and wired by bootstrap: what a content
    source binds for these SKUs now, or a domain error (room not live, SKU not pinned)."""

    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound: ...


def plain(source: Source) -> Bound:
    """The binding of a channel that is not content: nothing but the channel itself."""
    return Bound(source.channel)


PRODUCT_CARD = Source(Channel.PRODUCT_CARD)


class Dispatcher:
    """The resolver checkout asks: each content channel to its owner (bootstrap wires live rooms
    and videos); a channel that is not content binds nothing but itself. A content channel
    nobody resolves is refused, never taken at the buyer's word; so is a creator's showcase
    (SHOWCASE with a creator id) where bootstrap wired no resolver for it."""

    def __init__(self, by_channel: Mapping[Channel, SourceResolver]) -> None:
        self._by_channel = dict(by_channel)

    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound:
        if source.channel not in CONTENT_CHANNELS and not (source.channel == Channel.SHOWCASE and source.id):
            return plain(source)
        resolver = self._by_channel.get(source.channel)
        if resolver is None:
            raise InvalidInput(f"orders cannot be placed from a {source.channel.value} here")
        return resolver.bind(conn, source, sku_ids, at=at)
