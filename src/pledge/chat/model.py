"""Customer-service conversations (客服会话, 飞鸽) between a buyer and a shop.

A conversation is about one order or about the shop in general. It is open until the buyer
rates it; the rating ends it (Feige asks for the rating when a session ends), and the buyer's
next contact opens a new conversation with its own start time and its own rating. So at most
one conversation per buyer + shop + order is open at a time, and each is rated at most once:
a rating is final, not editable, so that what the experience score counted stays what the buyer
said at the time (and nobody can be talked into "fixing" a 1-star rating afterwards)."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.errors import InvalidInput
from pledge.kernel.lifecycle import Lifecycle


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # rated by the buyer; nobody can post any more


class Sender(StrEnum):
    BUYER = "buyer"
    SHOP = "shop"  # any member of the shop (owner or staff) answers for the shop


TRANSITIONS: dict[ConversationStatus, frozenset[ConversationStatus]] = {
    ConversationStatus.OPEN: frozenset({ConversationStatus.CLOSED}),
    ConversationStatus.CLOSED: frozenset(),
}
LIFECYCLE = Lifecycle("conversation", ConversationStatus, TRANSITIONS)

MAX_BODY = 2000  # characters of one message
STARS = range(1, 6)  # the 1-5 star satisfaction rating of the Feige evaluation


def clean_body(body: object) -> str:
    """The message text, stripped; empty or longer than MAX_BODY is refused, never cut."""
    if not isinstance(body, str):
        raise InvalidInput("a message is text")
    text = body.strip()
    if not text:
        raise InvalidInput("a message cannot be empty")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"a message may be at most {MAX_BODY} characters; this one has {len(text)}")
    return text


def check_stars(stars: object) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or stars not in STARS:
        raise InvalidInput(
            f"a rating is a whole number of stars from {STARS.start} to {STARS.stop - 1}, got {stars!r}"
        )
    return stars
