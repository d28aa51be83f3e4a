from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    # The signed source token of the page the line was added on (attribution.tokens); NULL for
    # the product page. Verified again at checkout: an expired one falls back to the product card.
    Column("source_token", String(120), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    UniqueConstraint("buyer_id", "sku_id"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

checkouts = Table(
    "checkouts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("total_fen", Fen, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("checkout_id", Id, ForeignKey("checkouts.id"), nullable=False, index=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("items_fen", Fen, nullable=False),
    Column("discount_fen", Fen, nullable=False, default=0),
    Column("paid_fen", Fen, nullable=False),  # what the buyer pays (实付), after coupons
    Column("coupon_id", Id, nullable=True),
    Column("promise_kind", String(20), nullable=False),
    Column("promise_hours", Integer, nullable=True),
    Column("promise_date", String(10), nullable=True),
    Column("promise_source", String(100), nullable=False),  # which promise bound: product, live_room:3 ...
    # Every promise that applied at checkout, [[source, code], ...]; the shortest binds at payment.
    Column("promise_candidates", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("pay_by", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("ship_by", UtcDateTime, nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),  # the merchant's ship click
    Column("picked_up_at", UtcDateTime, nullable=True),  # the carrier's pickup scan
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    # When the late-ship sweep should next look at this order; NULL once its outcome is final.
    Column("late_check_at", UtcDateTime, nullable=True),
    Column("late_exempt_reason", String(200), nullable=True),
    # Where the buyer ordered: live_room | short_video | product_card | search | showcase (fees depend on it).
    Column("channel", String(20), nullable=False, default="product_card", server_default="product_card"),
    # Booked delivery (预约达, douyin:aJoPPkWZ7VQM 2.3): the end of the day the buyer booked the
    # parcel to arrive, platform time; NULL when none was booked (migration 0009).
    Column("booked_delivery_by", UtcDateTime, nullable=True),
    # What the channel's source bound (attribution.Bound.ref): `live_session:12`, `video:3`, or
    # "" for the product card, search and showcase (migration 0015).
    Column("source_ref", String(40), nullable=False, default="", server_default=""),
    # Shipping (运费) the buyer pays on top of the goods: part of paid_fen (实付金额含运费,
    # douyin:aJmYzDVDDjey), never discounted by a coupon (migration 0017).
    Column("shipping_fen", Fen, nullable=False, default=0, server_default="0"),
    # 催发货: how often the buyer reminded the shop to ship, and when last (orders.reminders).
    Column("ship_reminders", Integer, nullable=False, default=0, server_default="0"),
    Column("last_reminded_at", UtcDateTime, nullable=True),
    # The creator (达人) the order was attributed to by its source (a creator's room, video or
    # showcase, last touch); NULL for the shop's own channels (migration 0028).
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=True),
    CheckConstraint("paid_fen >= 0", name="paid_not_negative"),
    CheckConstraint("shipping_fen >= 0", name="shipping_not_negative"),
    CheckConstraint("discount_fen >= 0", name="discount_not_negative"),
)
Index("ix_orders_shop_status", orders.c.shop_id, orders.c.status)
Index("ix_orders_shop_paid_at", orders.c.shop_id, orders.c.paid_at)  # a shop's sales in a month
Index("ix_orders_late_check_at", orders.c.late_check_at)
Index("ix_orders_status_ship_by", orders.c.status, orders.c.ship_by)
Index("ix_orders_booked_delivery_by", orders.c.booked_delivery_by)  # the booked-delivery sweep
Index("ix_orders_status_created_at", orders.c.status, orders.c.created_at)  # the 365-day closure
Index("ix_orders_creator_id", orders.c.creator_id)  # a creator's orders (creators.queries)


def order_of_shop() -> ForeignKeyConstraint:
    """(shop_id, order_id) → orders (shop_id, id): a row of an order carries the order's shop, and
    the database refuses one whose shop disagrees (docs/scaling.md; named by the metadata's
    convention, fk_<table>_shop_id_orders)."""
    return ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"])


order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0046)
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_fen", Fen, nullable=False),
    Column("line_total_fen", Fen, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    order_of_shop(),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0046)
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    order_of_shop(),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("checkout_id", Id, ForeignKey("checkouts.id"), nullable=False, unique=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("provider", String(30), nullable=False),
    Column("provider_ref", String(80), nullable=False, unique=True),
    Column("status", String(20), nullable=False),  # pending | captured | failed
    Column("created_at", UtcDateTime, nullable=False),
    Column("captured_at", UtcDateTime, nullable=True),
)

# Where the order ships: a copy of the buyer's address taken at checkout (an edit or a deletion
# in the address book later changes no order). The phone is the recipient's; pages show it
# masked to everybody but the buyer (addresses.model.masked_phone).
order_addresses = Table(
    "order_addresses",
    metadata,
    Column("order_id", Id, ForeignKey("orders.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0046)
    Column("recipient", String(25), nullable=False),
    Column("phone", String(11), nullable=False),
    Column("province", String(20), nullable=False),
    Column("city", String(20), nullable=False),
    Column("district", String(20), nullable=False),
    Column("detail", String(120), nullable=False),
    order_of_shop(),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(orders, order_lines, order_events, order_addresses)
