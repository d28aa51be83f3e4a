"""Pure evaluation of a ship promise (douyin:101706): when an order must ship by, and which of
several promises binds. No database, no web: checkout, payment, the sweeps, the CLI quotes and
backtests all call these."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pledge.kernel.clock import ensure_utc, local_time, zone
from pledge.kernel.errors import InvalidInput
from pledge.promises.model import END_OF_DAY, Promise
from pledge.rulebooks.loader import Clause, Rulebook


def ship_by(
    book: Rulebook, promise: Promise, paid_at: datetime, rules_at: datetime | None = None
) -> tuple[datetime, Clause]:
    """The last instant the order may be shipped on time, and the clause that says so (the
    clause in force at `rules_at`, by default when the order was paid; a backtest passes
    another date to ask what today's rule would have said). "Today", "the next day" and the
    16:00 cut-off are the platform's (the rulebook's zone, Asia/Shanghai for Douyin), not the
    shop's own: the platform judges every shop by one clock."""
    clause = book.one("ship_promise", rules_at or paid_at, promise=promise.kind)
    paid_at = ensure_utc(paid_at)
    local = local_time(paid_at, book.timezone)
    tzinfo = zone(book.timezone)
    if promise.kind == "hours":
        return paid_at + timedelta(hours=promise.span_hours), clause
    if promise.kind == "presale":
        day = promise.ship_date
    elif promise.kind == "next-day":
        day = local.date() + timedelta(days=1)
    else:
        cutoff = time.fromisoformat(clause.get("cutoff"))
        day = local.date() if local.time() < cutoff else local.date() + timedelta(days=1)
    return datetime.combine(day, END_OF_DAY, tzinfo=tzinfo).astimezone(paid_at.tzinfo), clause


def binding_promise(
    book: Rulebook, candidates: list[tuple[str, Promise]], paid_at: datetime
) -> tuple[str, Promise, datetime]:
    """Where several promises apply, the shortest binds (douyin:101706)."""
    if not candidates:
        raise InvalidInput("an order needs at least one ship promise")
    scored = [(ship_by(book, p, paid_at)[0], source, p) for source, p in candidates]
    deadline, source, promise = min(scored, key=lambda item: item[0])
    return source, promise, deadline


def undominated(candidates: list[tuple[str, Promise]]) -> list[tuple[str, Promise]]:
    """Drop promises that can never be the shortest whatever the payment time: of several hours
    promises only the fewest hours, of several presale dates only the earliest, and next-day
    when same-day also applies (same-day never ends later). At most three remain to store on
    a pending order."""
    best: dict[str, tuple[int, str, Promise]] = {}
    for source, promise in candidates:
        if promise.kind == "hours":
            group, rank = "hours", promise.span_hours
        elif promise.kind == "presale":
            group, rank = "presale", promise.ship_date.toordinal()
        else:
            group, rank = "day", 0 if promise.kind == "same-day" else 1
        if group not in best or rank < best[group][0]:
            best[group] = (rank, source, promise)
    return [(source, promise) for _, source, promise in best.values()]
