"""What the video operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class VideoProductOut(BaseModel):
    product_id: int
    title: str
    from_price_fen: int
    stock: int
    shop_id: int  # the shop selling it (a creator's video sells several shops' products)
    shop_name: str
    url: str  # the product page, with the video's source token


class VideoOut(BaseModel):
    id: int
    shop_id: int | None  # null: a creator's own video
    title: str
    duration_ms: int
    width: int
    height: int
    plays: int
    likes: int
    created_at: datetime
    content_id: int | None
    promise_code: str | None  # null: a creator's video states no promise; each product's binds
    creator_id: int | None  # the creator whose video it is, or whom the shop's video names
    status: str  # published; private (视频自见) only when its creator is the one asking
    source_token: str  # send it with a checkout (or a cart line) to buy from this video ("" if private)
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
