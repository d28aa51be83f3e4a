"""What the search operation answers, as the OpenAPI document shows it."""

from pydantic import BaseModel


class SearchHitOut(BaseModel):
    kind: str  # product, shop, video
    id: int
    shop_id: int | None  # null: a creator's own video
    title: str
    price_fen: int | None  # products: the cheapest SKU
    promise: str | None  # 48h, same-day, next-day, presale:2026-12-01 (products and videos)
    ship_hours: int | None  # the longest wait the promise allows; None for a presale
    late_ship_pays: bool  # 晚发即赔: a late shipment pays the buyer at once
    popularity: int  # units sold (products, shops) or plays (videos)


class SearchOut(BaseModel):
    page: int
    has_more: bool
    items: list[SearchHitOut]
