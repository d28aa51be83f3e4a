"""What the video operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class VideoProductOut(BaseModel):
    product_id: int
    title: str
    from_price_fen: int
    stock: int
    url: str  # the product page, with the video's source token


class VideoOut(BaseModel):
    id: int
    shop_id: int
    title: str
    duration_ms: int
    width: int
    height: int
    plays: int
    likes: int
    created_at: datetime
    content_id: int
    promise_code: str
    source_token: str  # send it with a checkout (or a cart line) to buy from this video
    file_url: str
    poster_url: str
    products: list[VideoProductOut]


class VideoCountsOut(BaseModel):
    id: int
    plays: int
    likes: int


class VideoLikeOut(VideoCountsOut):
    liked: bool  # whether the caller likes the video now


class VideoCreatedOut(BaseModel):
    id: int
