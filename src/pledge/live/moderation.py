"""The moderation port every live comment passes before anyone sees it.

`moderate(text, context) -> Verdict`: ALLOW shows it to all, HOLD only to its author (kept for a
reviewer), BLOCK refuses it. Pledge ships AllowAll; the trust & safety center plugs its own
moderator in through bootstrap (App.moderator) without this package knowing it. A moderator that
also `hold`s (HoldsForReview) is told each held comment once it is stored, in the same
transaction, so a reviewer's queue can name the comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.engine import Connection

from pledge.live.model import Verdict


@dataclass(frozen=True)
class CommentContext:
    session_id: int
    room_id: int
    user_id: int
    shop_id: int | None = None  # the room's shop


class Moderator(Protocol):
    def moderate(self, text: str, context: CommentContext) -> Verdict: ...


@runtime_checkable
class HoldsForReview(Protocol):
    def hold(
        self, conn: Connection, comment_id: int, text: str, context: CommentContext, *, at: datetime
    ) -> None: ...


class AllowAll:
    """Every comment is shown: the default until a trust & safety moderator is wired."""

    def moderate(self, text: str, context: CommentContext) -> Verdict:
        return Verdict.ALLOW
