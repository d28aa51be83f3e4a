"""What the inbox operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class NoticeOut(BaseModel):
    id: int
    kind: str  # live_started, live_scheduled: a client words it from kind and params
    params: dict[str, str | int]
    link: str
    created_at: datetime
    read: bool


class InboxOut(BaseModel):
    unread: int
    notices: list[NoticeOut]


class MarkedReadOut(BaseModel):
    marked: int
    unread: int
