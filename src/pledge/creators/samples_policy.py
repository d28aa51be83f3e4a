"""The free sample rules (精选联盟样品服务管理规则, douyin:aJmYG5vi4n1f) as pure functions over the
rulebook: how many requests a creator may have open, the one-open-request-per-product rule and
the 30 days after a decline, and the deadlines of each step (decide in 72 h, ship in 48 h and
cancelled when unshipped 120 h after approval, received automatically 168 h after shipping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledge.creators.policy import clause_of
from pledge.rulebooks.loader import Rulebook

SOURCE = "douyin:aJmYG5vi4n1f"


def author_level(book: Rulebook, at: datetime) -> str:
    """The creator level the cap is read at (`samples.author-level`: every creator is L0, a
    Pledge default until creator levels exist)."""
    return str(clause_of(book, "sample_author_level", at).get("level"))


def open_limit(book: Rulebook, at: datetime, level: str | None = None) -> int | None:
    """How many free sample requests a creator may have open (`samples.open-limit`); None: no cap
    (levels L5 and above)."""
    limits = clause_of(book, "sample_open_limit", at).get("limits")
    found = limits.get(level or author_level(book, at))
    return None if found is None else int(found)


def decline_days(book: Rulebook, at: datetime) -> int:
    """Days after a decline during which the creator may not ask for the product again."""
    return int(clause_of(book, "sample_one_per_product", at).get("decline_days"))


@dataclass(frozen=True)
class ShipDeadlines:
    due_at: datetime  # the merchant's duty: ship within 48 h
    cancel_at: datetime  # still unshipped then: cancelled automatically


def decide_by(book: Rulebook, requested_at: datetime) -> datetime:
    """A request not decided by then is cancelled automatically (`samples.decide-within`)."""
    hours = int(clause_of(book, "sample_decide_within", requested_at).get("hours"))
    return requested_at + timedelta(hours=hours)


def ship_deadlines(book: Rulebook, approved_at: datetime) -> ShipDeadlines:
    clause = clause_of(book, "sample_ship_within", approved_at)
    return ShipDeadlines(
        approved_at + timedelta(hours=int(clause.get("due_hours"))),
        approved_at + timedelta(hours=int(clause.get("cancel_hours"))),
    )


def received_by(book: Rulebook, shipped_at: datetime) -> datetime:
    """A shipped sample counts as received then, if the creator has not confirmed it."""
    hours = int(clause_of(book, "sample_auto_receive", shipped_at).get("hours"))
    return shipped_at + timedelta(hours=hours)


def late_ship_window(book: Rulebook, at: datetime) -> timedelta:
    """The window of the late-ship rate the marketplace shows (`marketplace.late-ship-window`)."""
    return timedelta(days=int(clause_of(book, "marketplace_late_ship_window", at).get("days")))
