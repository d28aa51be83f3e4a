"""The port through which the platform's content checks screen what users write (reviews, chat
messages, live room and session titles, transcript lines) without the domain packages knowing
who checks. The caller wires the real checks (bootstrap.App.comment_screen / live_screen, over
pledge.moderation); a package that is given no screen admits everything (ADMIT_ALL).

- `admit(texts)` is for text that enters the platform: a text the checks block raises a 422
  naming the term and the clause (nothing is stored); otherwise it answers ALLOW, or REVIEW for
  text that is stored but held from everyone but its author until a reviewer decides.
- `judge(text)` only answers (transcript lines: nothing is stored, the caller is told).
- `hold(conn, held, at=...)` is called by the owner once a REVIEW text is stored, in the same
  transaction: the checks put it before a reviewer (the trust & safety queue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.engine import Connection


class Outcome(StrEnum):
    """What the checks say of a text: shown to all, held for a reviewer, refused."""

    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"


@dataclass(frozen=True)
class Screening:
    outcome: Outcome
    clause: str | None = None  # the rulebook clause behind the outcome
    hits: tuple[dict, ...] = ()  # {"term", "category", "span"} as the checks report them


class Kept(StrEnum):
    """What kind of stored text was held (the owner's table)."""

    REVIEW = "review"  # reviews.reviews
    CHAT_MESSAGE = "chat_message"  # chat.messages


@dataclass(frozen=True)
class Held:
    """A text stored held from everyone but its author: what and which it is, whose shop it
    concerns, who wrote it."""

    kind: Kept
    id: int
    text: str
    shop_id: int
    author_id: int


class ContentScreen(Protocol):
    def admit(self, texts: Sequence[tuple[str, str]]) -> Outcome: ...

    def judge(self, text: str) -> Screening: ...

    def hold(self, conn: Connection, held: Held, *, at: datetime) -> None: ...


class AdmitAll:
    """Every text is shown: what a package uses when no checks are wired (tests, tools)."""

    def admit(self, texts: Sequence[tuple[str, str]]) -> Outcome:
        return Outcome.ALLOW

    def judge(self, text: str) -> Screening:
        return Screening(Outcome.ALLOW)

    def hold(self, conn: Connection, held: Held, *, at: datetime) -> None:
        """Nothing is held when everything is admitted."""


ADMIT_ALL = AdmitAll()
