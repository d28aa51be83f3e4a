"""Who follows which shop (关注店铺)."""

from sqlalchemy import Column, ForeignKey, Index, Table, UniqueConstraint

from pledge.kernel.db import Id, UtcDateTime, metadata

shop_followers = Table(
    "shop_followers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("shop_id", "user_id", name="uq_shop_followers_shop_user"),
)
Index("ix_shop_followers_user_id", shop_followers.c.user_id)
