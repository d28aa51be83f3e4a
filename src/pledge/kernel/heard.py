"""The listener port: what buyers write (live comments, chat messages, reviews) is told to a
listener in the same transaction, so a package above the writer can act on it (the wish pool
finds wishes in it) without the writer knowing who listens. bootstrap wires the listener; the
default hears nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.engine import Connection


class Said(StrEnum):
    LIVE_COMMENT = "live_comment"
    CHAT_MESSAGE = "chat_message"
    REVIEW = "review"


@dataclass(frozen=True)
class Heard:
    kind: Said
    source_id: int  # the comment, message or review
    shop_id: int
    author_id: int
    text: str
    at: datetime
    session_id: int | None = None  # the live session a comment was made in
    order_id: int | None = None  # the order a chat or a review is about
    product_id: int | None = None  # the product a review is about


class Listener(Protocol):
    def heard(self, conn: Connection, said: Heard) -> None: ...


class Nobody:
    """Hears nothing: the default where no listener is wired (tests, demo seeding)."""

    def heard(self, conn: Connection, said: Heard) -> None:
        return None


NOBODY: Listener = Nobody()
