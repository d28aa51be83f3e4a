"""What the wish pool operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class WishMadeOut(BaseModel):
    wish_id: int
    demand_id: int


class OpenWishOut(BaseModel):
    id: int
    name: str
    wishers: int


class ExampleOut(BaseModel):
    wish_id: int
    text: str
    source: str
    at: datetime


class SessionRefOut(BaseModel):
    id: int
    title: str
    room_id: int


class OfferOut(BaseModel):
    price_off_fen: int | None  # the wisher price: fen off, one merchant coupon per wisher
    coupon_expires_at: datetime | None
    first_access_until: datetime | None  # only wishers may buy until then


class DemandOut(BaseModel):
    id: int
    name: str
    status: str
    wishers: int
    last_at: datetime
    examples: list[ExampleOut]
    sessions: list[SessionRefOut]
    trend: list[int]  # wishes per Beijing day, the last 14 days, oldest first
    product_id: int | None
    product_title: str | None
    target: str | None  # product | sku | presale, once it came true
    sku_name: str | None  # the new SKU it became
    notified: int | None  # wishers told when it came true
    bought: int | None  # wishers who bought it in an order paid after it came true
    conversion_bp: int | None  # bought / notified in basis points, rounded down
    offer: OfferOut | None


class BoardOut(BaseModel):
    shop_id: int
    open: list[DemandOut]
    closed: list[DemandOut]


class SplitOut(BaseModel):
    demand_id: int


class FulfilledOut(BaseModel):
    demand_id: int
    product_id: int
    sku_id: int | None  # the new SKU made for the demand
    wishers: int
