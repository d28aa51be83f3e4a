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
    bought: int | None  # wishers who bought the product


class BoardOut(BaseModel):
    shop_id: int
    open: list[DemandOut]
    closed: list[DemandOut]


class SplitOut(BaseModel):
    demand_id: int


class FulfilledOut(BaseModel):
    demand_id: int
    product_id: int
    wishers: int
