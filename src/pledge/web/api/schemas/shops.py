"""What the shop, follow and product-photo operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel

from pledge.web.api.schemas.videos import VideoOut


class ShopProductOut(BaseModel):
    id: int
    title: str
    from_price_fen: int | None
    image_url: str | None  # the card photo, when the product has one


class ShopSessionOut(BaseModel):
    id: int
    room_id: int
    room_title: str
    title: str
    status: str  # scheduled, live, ended, cut
    scheduled_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    playback_url: str | None
    replay_url: str | None = None
    likes: int
    peak_viewers: int
    cut_reason: str | None


class ShopOut(BaseModel):
    id: int
    name: str
    city: str
    description: str
    experience_score: float | None  # what buyers see, out of 5; null before the first daily score
    following: bool  # whether the caller follows the shop (false without a caller)
    followers: int
    products: list[ShopProductOut]
    videos: list[VideoOut]
    upcoming_sessions: list[ShopSessionOut]
    past_sessions: list[ShopSessionOut]  # a page of them (past_page), newest first
    past_page: int
    past_more: bool  # another page of past sessions follows


class FollowingOut(BaseModel):
    shop_id: int
    following: bool
    followers: int


class ProductImageOut(BaseModel):
    product_id: int
    position: int
    url: str


class ProductImagesOut(BaseModel):
    product_id: int
    urls: list[str]  # in order; the first is the card photo
