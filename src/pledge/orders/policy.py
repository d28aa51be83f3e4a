"""Order rules the buyer meets directly: how often they may remind a shop to ship (催发货)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pledge.rulebooks.loader import Clause, Rulebook


def ship_reminder_interval(book: Rulebook, at: datetime) -> tuple[timedelta, Clause]:
    """The least time between two reminders of one order (clause kind `ship_reminder`)."""
    clause = book.one("ship_reminder", at)
    return timedelta(hours=int(clause.get("hours"))), clause
