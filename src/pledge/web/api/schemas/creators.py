"""What the creator and affiliate-marketplace operations answer, as the OpenAPI document shows it."""

from datetime import date, datetime

from pydantic import BaseModel


class CreatorOut(BaseModel):
    id: int
    handle: str
    display_name: str
    follower_count: int
    status: str  # CreatorStatus: active | limited | removed
    categories: list[int]
    showcase: list[int]  # product ids, in the order added


class ShowcaseAddedOut(BaseModel):
    product_id: int
    rate_bp: int  # the commission rate the creator sells it at now
    exclusive: bool  # a rate the merchant set for this creator only


class ShowcaseOut(BaseModel):
    showcase: list[int]


class RateOfferedOut(BaseModel):
    id: int
    product_id: int
    rate_bp: int
    starts_at: datetime
    ends_at: datetime | None
    creator_id: int | None


class GradeOut(BaseModel):
    creator_id: int
    period_start: date
    grade: str
