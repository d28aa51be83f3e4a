"""Helpers for the feed tests: real products to rank (training drops subjects that do not exist)."""

from __future__ import annotations

from sqlalchemy import select

from pledge.catalog.tables import skus


def products(world, count: int, shop: tuple | None = None, titles: tuple[str, ...] = ()) -> list[int]:
    """`count` product ids of one shop (a new one unless given)."""
    shop_id, owner = shop or world.shop()
    ids = []
    for n in range(count):
        title = titles[n] if n < len(titles) else f"芍药 {n + 1} 号"
        sku = world.product(owner, shop_id, title=title)
        with world.app.uow.read() as c:
            ids.append(c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one())
    return ids
