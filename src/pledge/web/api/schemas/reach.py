"""What the reach operations answer, as the OpenAPI document shows it."""

from pydantic import BaseModel


class EventAcceptedOut(BaseModel):
    accepted: bool  # buffered; written with the next batch


class FeedItemOut(BaseModel):
    rank: int
    subject: str  # product, video, session, shop
    subject_id: int


class FeedOut(BaseModel):
    page: int
    items: list[FeedItemOut]
