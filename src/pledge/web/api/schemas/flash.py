"""What the flash operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime

from pydantic import BaseModel


class FlashDealOut(BaseModel):
    id: int
    shop_id: int
    sku_id: int
    content_id: int | None
    title: str
    price_fen: int
    quantity: int
    per_buyer_limit: int
    starts_at: datetime
    ends_at: datetime
    closed_at: datetime | None
    remaining: int
    sold: int
    product_id: int


class BuyOutPayment(BaseModel):
    provider: str
    ref: str
    pay_url: str


class BuyOut(BaseModel):
    checkout_id: int
    order_ids: list[int]
    total_fen: int
    payment: BuyOutPayment
