"""The reviewer queue's items and their lifecycle.

An item enters the queue `open` (an automatic "review" verdict, a held comment, a user's report)
and a reviewer decides it once: `allowed` or `removed`. A text the checks block never waits: it is
recorded already `blocked` (no person decided), so the transparency report can count it.

    open → allowed | removed        blocked (recorded, final)"""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class Source(StrEnum):
    """Where an item came from."""

    CHECK = "check"  # an automatic verdict of pledge.moderation
    REPORT = "report"  # a signed-in user's report


class Subject(StrEnum):
    """What the item is about."""

    LISTING = "listing"  # a product (its title, description, SKU names)
    COMMENT = "comment"  # a live comment
    SESSION = "session"  # a live session
    REVIEW = "review"  # a buyer's product review
    CHAT_MESSAGE = "chat_message"  # a message in a buyer-shop conversation


# The written words of users: reported and held ones are shown or hidden by a decision, and the
# transparency report counts them as comments.
WORDS = (Subject.COMMENT, Subject.REVIEW, Subject.CHAT_MESSAGE)


class ItemStatus(StrEnum):
    OPEN = "open"
    ALLOWED = "allowed"
    REMOVED = "removed"
    BLOCKED = "blocked"


class Decision(StrEnum):
    """What a reviewer may decide: the item's final status."""

    ALLOW = "allowed"
    REMOVE = "removed"


S = ItemStatus
TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    S.OPEN: frozenset({S.ALLOWED, S.REMOVED}),
    S.ALLOWED: frozenset(),
    S.REMOVED: frozenset(),
    S.BLOCKED: frozenset(),
}
LIFECYCLE = Lifecycle("queue item", ItemStatus, TRANSITIONS)

# Risk from 0 to 100 orders the queue (highest first, then oldest): a prohibited-term hit outranks a
# classifier score, which outranks a single user report (pledge:default weights).
RISK_PROHIBITED = 90
RISK_REVIEW_DEFAULT = 60
RISK_REPORT = 50
NOTE_MAX = 500


class PenaltyStatus(StrEnum):
    """A penalty stands (`in_force`) until an upheld appeal reverses it with its effects."""

    IN_FORCE = "in_force"
    REVERSED = "reversed"


PENALTY_LIFECYCLE = Lifecycle(
    "penalty",
    PenaltyStatus,
    {PenaltyStatus.IN_FORCE: frozenset({PenaltyStatus.REVERSED}), PenaltyStatus.REVERSED: frozenset()},
)


class AppealStatus(StrEnum):
    """filed → upheld (a reviewer, or its deadline passing unanswered) | rejected."""

    FILED = "filed"
    UPHELD = "upheld"
    REJECTED = "rejected"


APPEAL_LIFECYCLE = Lifecycle(
    "appeal",
    AppealStatus,
    {
        AppealStatus.FILED: frozenset({AppealStatus.UPHELD, AppealStatus.REJECTED}),
        AppealStatus.UPHELD: frozenset(),
        AppealStatus.REJECTED: frozenset(),
    },
)
