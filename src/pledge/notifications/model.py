"""What the inbox can say. Each kind names the parameters its words need; the pages word it in
Chinese and English (web/locales), the API returns kind + params for clients to word."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    LIVE_STARTED = "live_started"  # a followed shop (or an announced session) is live now
    LIVE_SCHEDULED = "live_scheduled"  # a followed shop announced a session
    COUPON_ISSUED = "coupon_issued"  # a clause paid the buyer a coupon for an order (compensation)
    CASE_UPDATED = "case_updated"  # an after-sales case moved to a new status
    CHAT_REPLY = "chat_reply"  # the shop answered the buyer in a conversation
    ORDER_SHIPPED = "order_shipped"
    ORDER_DELIVERED = "order_delivered"
    WISH_CAME_TRUE = "wish_came_true"  # a shop made the product the buyer wished for (wish pool)
    CREATOR_PENALTY = "creator_penalty"  # trust & safety recorded a violation of the creator (issue 14)


PARAMS: dict[Kind, frozenset[str]] = {
    Kind.LIVE_STARTED: frozenset({"shop", "title", "room_id"}),
    Kind.LIVE_SCHEDULED: frozenset({"shop", "title", "room_id", "starts_at"}),
    Kind.COUPON_ISSUED: frozenset({"amount_fen", "rule", "order_id"}),
    Kind.CASE_UPDATED: frozenset({"case_id", "order_id", "status"}),
    Kind.CHAT_REPLY: frozenset({"conversation_id", "shop"}),
    Kind.ORDER_SHIPPED: frozenset({"order_id", "carrier", "tracking_no"}),
    Kind.ORDER_DELIVERED: frozenset({"order_id"}),
    Kind.WISH_CAME_TRUE: frozenset({"shop", "title", "product_id"}),
    Kind.CREATOR_PENALTY: frozenset({"penalty_id", "tier"}),
}
