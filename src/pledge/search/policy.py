"""What the promise filters read from a ship promise, by the rulebook in force (no database):

- `ship_hours`: the longest wait the promise allows a buyer, in whole hours rounded up, found by
  asking promises.policy.ship_by at the worst payment moment (same-day paid at the 16:00 cut-off
  ships by 23:59:59 the next day: 32 h; next-day paid at 00:00 ships by 23:59:59 the day after:
  48 h; douyin:101706). A presale ships on a date, not within hours: None.
- `late_ship_pays`: 晚发即赔 in the strict sense: an order that ships even one second late earns
  the buyer compensation at once, i.e. the late-ship clause for the promise's span and a lateness
  of up to 48 h has a non-zero rate or minimum. By douyin:aJoPPkWZ7VQM's table this holds for
  promises over 48 h ("48小时＜承诺发货时效≤240小时 ... 订单实付金额的1% 最低2元") and not for
  promises of 48 h or less ("承诺发货时效≤48小时 ... /": no deduction until 48 h late, when the
  out-of-stock rule pays). A presale's span is measured from `at` (the moment it is indexed)."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from pledge.kernel.clock import ensure_utc, local_time, zone
from pledge.lateship.policy import find_late_ship_clause
from pledge.promises.model import Promise
from pledge.promises.policy import ship_by
from pledge.rulebooks.loader import Rulebook

_FIRST_SECOND_LATE = timedelta(seconds=1)


def _worst_payment(book: Rulebook, promise: Promise, at: datetime) -> datetime:
    """The payment moment, on the day of `at`, that leaves the longest wait."""
    day = local_time(at, book.timezone).date()
    if promise.kind == "same-day":
        cutoff = time.fromisoformat(book.one("ship_promise", at, promise="same-day").get("cutoff"))
        return datetime.combine(day, cutoff, tzinfo=zone(book.timezone))
    return datetime.combine(day, time(0, 0), tzinfo=zone(book.timezone))


def longest_wait(book: Rulebook, promise: Promise, at: datetime) -> timedelta:
    """The longest span from payment to ship-by the promise allows (a presale: from `at`)."""
    paid = ensure_utc(at) if promise.kind == "presale" else _worst_payment(book, promise, at)
    if promise.kind == "hours":
        return timedelta(hours=promise.span_hours)
    return ship_by(book, promise, paid, rules_at=at)[0] - paid


def _stated(book: Rulebook, promise: Promise, at: datetime) -> bool:
    """Does the rulebook say, at `at`, what the promise means? (Not before its first clause.)"""
    return any(c.get("promise") == promise.kind for c in book.in_force("ship_promise", at))


def ship_hours(book: Rulebook, promise: Promise, at: datetime) -> int | None:
    if promise.kind == "presale" or not _stated(book, promise, at):
        return None
    return math.ceil(longest_wait(book, promise, at) / timedelta(hours=1))


def late_ship_pays(book: Rulebook, promise: Promise, at: datetime) -> bool:
    if not _stated(book, promise, at):
        return False
    clause = find_late_ship_clause(book, longest_wait(book, promise, at), _FIRST_SECOND_LATE, at)
    return clause is not None and bool(clause.get("rate_bp") or clause.get("min_fen"))
