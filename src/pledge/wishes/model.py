"""The wish pool's words: where a wish came from, and a demand's two states."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    LIVE_COMMENT = "live_comment"  # found by detection in a live comment the moderation let through
    CHAT_MESSAGE = "chat_message"  # found in a buyer's chat message
    REVIEW = "review"  # found in a review
    BUTTON = "button"  # the 许愿 form on the shop page or in the live room
    PLUS_ONE = "plus_one"  # a buyer's +1 on a demand


class DemandStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # it became a product; the wishers were told


class Target(StrEnum):
    """What a demand became: a new product, a new SKU of an existing product, or a presale (a
    product sold under a presale ship promise, promises.Promise kind "presale")."""

    PRODUCT = "product"
    SKU = "sku"
    PRESALE = "presale"
