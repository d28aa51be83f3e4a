"""What the live-room operations answer (pledge.live.events builds the same shapes for the
stream's events)."""

from datetime import datetime

from pydantic import BaseModel


class ShopRef(BaseModel):
    id: int
    name: str


class SessionOut(BaseModel):
    id: int
    title: str
    status: str
    scheduled_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    playback_url: str | None
    likes: int
    peak_viewers: int
    replay_url: str | None = None


class CardOut(BaseModel):
    sku_id: int
    product_id: int
    title: str
    sku_name: str
    price_fen: int
    list_price_fen: int
    promise: str
    stock: int
    explaining: bool
    shop: ShopRef  # the product's shop (a creator's room sells several shops' products)


class RoomOut(BaseModel):
    id: int
    title: str
    shop: ShopRef | None  # None: a creator's own room
    creator_id: int | None = None
    status: str
    viewers: int
    promise: str | None  # None: a creator's room states no room promise; each product's binds
    session: SessionOut | None


class RoomDetailOut(RoomOut):
    products: list[CardOut]


class CommentOut(BaseModel):
    id: int
    author: str
    text: str
    created_at: datetime


class PostedCommentOut(CommentOut):
    shown: bool  # false: held for review, visible to its author only


class LikesOut(BaseModel):
    likes: int


class CardsOut(BaseModel):
    products: list[CardOut]


class ReminderOut(BaseModel):
    session_id: int
    added: bool


class ViewerPoint(BaseModel):
    at: datetime
    viewers: int


class MinuteCount(BaseModel):
    minute: datetime
    comments: int


class ReportOut(BaseModel):
    session: SessionOut
    viewers: list[ViewerPoint]
    comments_per_minute: list[MinuteCount]
    comments: int


class CouponOfferOut(BaseModel):
    id: int
    room_id: int
    session_id: int
    amount_fen: int
    min_spend_fen: int
    quantity: int
    left: int
    valid_hours: int


class ClaimedCouponOut(BaseModel):
    coupon_id: int
    offer: CouponOfferOut
    expires_at: datetime


class TranscriptHitOut(BaseModel):
    term: str
    category: str
    span: list[int]


class TranscriptLineOut(BaseModel):
    line: int  # 1-based, in the order sent
    verdict: str  # allow | review | block
    clause: str | None
    hits: list[TranscriptHitOut]


class TranscriptOut(BaseModel):
    session_id: int
    verdict: str  # the most severe line's
    lines: list[TranscriptLineOut]
