"""Live rooms, sessions, product cards, comments, reminders and viewer counts."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

# A shop's room states its own ship promise through its content_promises row (the shortest promise
# binds, douyin:101706), so checkout, flash deals and attribution keep one notion of "the room".
# A room belongs to a shop (shop_id, content_id; creator_id: the creator hosting it) or to a
# creator (creator_id alone: it sells several shops' products and states no room promise,
# migration 0036); exactly one owner, the CHECK says so.
live_rooms = Table(
    "live_rooms",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=True),
    Column("content_id", Id, ForeignKey("content_promises.id"), nullable=True, unique=True),
    Column("title", String(60), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # A creator's (达人) room: orders from it are attributed to the creator (migration 0028).
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=True, index=True),
    CheckConstraint(
        "(shop_id IS NOT NULL AND content_id IS NOT NULL) "
        "OR (shop_id IS NULL AND content_id IS NULL AND creator_id IS NOT NULL)",
        name="one_owner",
    ),
)

live_sessions = Table(
    "live_sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("room_id", Id, ForeignKey("live_rooms.id"), nullable=False, index=True),
    Column("title", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("scheduled_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("cut_reason", String(200), nullable=True),
    Column("playback_url", String(500), nullable=True),  # HLS from the ingest server; never transcoded here
    Column("replay_url", String(500), nullable=True),  # the ingest server's recording (HLS VOD), once ended
    Column("likes", Integer, nullable=False, default=0, server_default="0"),
    Column("peak_viewers", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("likes >= 0", name="likes_not_negative"),
)
# One live session per room: the database refuses a second, whatever races.
Index(
    "ux_live_sessions_one_live_per_room",
    live_sessions.c.room_id,
    unique=True,
    sqlite_where=text("status = 'live'"),
    postgresql_where=text("status = 'live'"),
)

# 小黄车: products pinned to a session at the room's price; one card per SKU per session.
live_cards = Table(
    "live_cards",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False, index=True),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("price_fen", Fen, nullable=False),
    Column("position", Integer, nullable=False),
    Column("pinned", Boolean, nullable=False, default=True, server_default=text("true")),
    Column("explaining", Boolean, nullable=False, default=False, server_default=text("false")),
    Column("pinned_at", UtcDateTime, nullable=False),
    UniqueConstraint("session_id", "sku_id", name="uq_live_cards_session_sku"),
    CheckConstraint("price_fen > 0", name="price_positive"),
)

live_comments = Table(
    "live_comments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("text", String(200), nullable=False),
    Column("verdict", String(10), nullable=False),  # allow | hold (author only); block is not stored
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_live_comments_session_id_id", live_comments.c.session_id, live_comments.c.id)
Index("ix_live_comments_user_id_created_at", live_comments.c.user_id, live_comments.c.created_at)

# 预约: remind me when this announced session starts.
live_reminders = Table(
    "live_reminders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("reminded_at", UtcDateTime, nullable=True),
    UniqueConstraint("session_id", "user_id", name="uq_live_reminders_session_user"),
)

# Viewers now, sampled by the hub while a session is live (the report's "viewers over time").
live_viewer_samples = Table(
    "live_viewer_samples",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("viewers", Integer, nullable=False),
    CheckConstraint("viewers >= 0", name="viewers_not_negative"),
)

# 直播间优惠券: a coupon the host pushes to the session's viewers, paid for by the shop when it is
# spent (coupons.funded_by = merchant). Each viewer claims it once: the claim's UNIQUE
# (offer_id, user_id) and the coupon's UNIQUE source (live-coupon:{offer}:{user}) say so to the
# database; `claimed` only rises through a conditional UPDATE (claimed < quantity).
live_coupon_offers = Table(
    "live_coupon_offers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("min_spend_fen", Fen, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("claimed", Integer, nullable=False, default=0, server_default="0"),
    Column("valid_hours", Integer, nullable=False),  # a claimed coupon expires this long after the claim
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("min_spend_fen >= 0", name="min_spend_not_negative"),
    CheckConstraint("claimed >= 0 AND claimed <= quantity", name="claimed_within_quantity"),
    CheckConstraint("valid_hours > 0", name="valid_hours_positive"),
)

live_coupon_claims = Table(
    "live_coupon_claims",
    metadata,
    Column("id", Id, primary_key=True),
    Column("offer_id", Id, ForeignKey("live_coupon_offers.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("coupon_id", Id, ForeignKey("coupons.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("offer_id", "user_id", name="uq_live_coupon_claims_offer_user"),
)

# Who watched a session, once each (the denominator of the session's conversion): a signed-in
# viewer by account (user:12), an anonymous one by the stream connection (anon:<random>).
live_session_viewers = Table(
    "live_session_viewers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=False),
    Column("viewer_key", String(40), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    UniqueConstraint("session_id", "viewer_key", name="uq_live_session_viewers_session_viewer"),
)

# Viewers now, per server process (issue 19: `pledge serve --workers N`): each process counts
# only its own stream connections, so in shared mode each one writes its count per watched room
# every push interval and reads every room's total back (live.presence). A process that stops
# deletes its rows; a crashed one's rows go stale and are ignored.
live_viewer_presence = Table(
    "live_viewer_presence",
    metadata,
    Column("room_id", Id, ForeignKey("live_rooms.id"), primary_key=True),
    Column("process_key", String(60), primary_key=True),
    Column("viewers", Integer, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
    CheckConstraint("viewers >= 0", name="viewers_not_negative"),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(live_rooms, live_coupon_offers)
