from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

# A buyer's address book (收货地址): Chinese structure, province / city / district, then the
# street detail; the recipient and their mainland mobile number. One address may be the default
# (preselected at checkout). Orders never point here: they keep a snapshot (orders.order_addresses),
# so editing or deleting an address changes no order.
addresses = Table(
    "addresses",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("recipient", String(25), nullable=False),
    Column("phone", String(11), nullable=False),
    Column("province", String(20), nullable=False),
    Column("city", String(20), nullable=False),
    Column("district", String(20), nullable=False),
    Column("detail", String(120), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_addresses_user_id", "user_id"),
)
