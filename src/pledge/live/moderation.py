"""The moderation port every live comment passes before anyone sees it.

`moderate(text, context) -> Verdict`: ALLOW shows it to all, HOLD only to its author (kept for a
reviewer), BLOCK refuses it. Pledge ships AllowAll; the trust & safety center plugs its own
moderator in through bootstrap (App.moderator) without this package knowing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pledge.live.model import Verdict


@dataclass(frozen=True)
class CommentContext:
    session_id: int
    room_id: int
    user_id: int


class Moderator(Protocol):
    def moderate(self, text: str, context: CommentContext) -> Verdict: ...


class AllowAll:
    """Every comment is shown: the default until a trust & safety moderator is wired."""

    def moderate(self, text: str, context: CommentContext) -> Verdict:
        return Verdict.ALLOW
