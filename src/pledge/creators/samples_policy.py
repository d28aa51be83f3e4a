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


def duty_due(book: Rulebook, received_at: datetime) -> datetime:
    """The end of a received sample's promotion period (`samples.duty-window`: 45 days)."""
    days = int(clause_of(book, "sample_duty_window", received_at).get("days"))
    return received_at + timedelta(days=days)


def orders_needed(book: Rulebook, at: datetime) -> int:
    """Settled orders that meet a free or review-free sample's duty (`samples.duty-ways`: 3)."""
    return int(clause_of(book, "sample_duty_ways", at).get("settled_orders"))


def paid_target_met(
    book: Rulebook, at: datetime, *, price_fen: int, target: int, orders: int, amount_fen: int
) -> bool:
    """A paid sample's refund condition (`samples.paid-refund`): at least X settled orders worth
    at least price × X × 80 % (compared exactly: amount × 10 000 ≥ price × X × share)."""
    share = int(clause_of(book, "sample_paid_refund", at).get("amount_share_bp"))
    return orders >= target and amount_fen * 10_000 >= price_fen * target * share


def refund_due(book: Rulebook, met_at: datetime) -> datetime:
    """A met paid sample is refunded 7 days after the condition is met (`samples.paid-refund`)."""
    days = int(clause_of(book, "sample_paid_refund", met_at).get("refund_after_days"))
    return met_at + timedelta(days=days)


def paid_min_followers(book: Rulebook, at: datetime, price_fen: int) -> int:
    """Followers a creator needs for a paid sample at this price (`samples.paid-qualification`:
    50 000 from 500 yuan; none below)."""
    clause = clause_of(book, "sample_paid_qualification", at)
    return int(clause.get("min_followers")) if price_fen >= int(clause.get("price_fen")) else 0


@dataclass(frozen=True)
class BrokenLimit:
    window: timedelta
    limit: int


def broken_limit(book: Rulebook, at: datetime) -> BrokenLimit:
    """Free and review-free samples stop at this many broken duties in the window (`samples.broken-limit`)."""
    clause = clause_of(book, "sample_broken_limit", at)
    return BrokenLimit(timedelta(days=int(clause.get("window_days"))), int(clause.get("limit")))


def may_stop_until(book: Rulebook, received_at: datetime) -> datetime:
    """A free or review-free sample is returned (中止交付) before then (`samples.return`: 13 days)."""
    return received_at + timedelta(days=int(clause_of(book, "sample_return", received_at).get("stop_days")))


def return_confirmed_by(book: Rulebook, shipped_back_at: datetime) -> datetime:
    """The merchant confirms a returned sample by then, or it counts as confirmed (7 days)."""
    days = int(clause_of(book, "sample_return", shipped_back_at).get("confirm_days"))
    return shipped_back_at + timedelta(days=days)
