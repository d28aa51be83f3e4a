"""When an order's proceeds become available (商家货款结算日期细则, douyin:aJoPPkWZ6ehX): N days
after the order's confirmed receipt, N by the merchant and the categories of the order. Pure
functions over the rulebook; the settlement step and `pledge quote settle-date` both use them.

- ordinary merchant: 3 days (`settlement.available.ordinary`); a category with an after-sales
  period over 30 days: 10 days (Pledge knows none, `settlement.available.aftersales-unknown`);
- a category of the special table (花卉盆栽, 种球, 月季/蔷薇/玫瑰 …): its own period (15, 10 or 3
  days, `settlement.available.category-*`); an order of several categories takes the longest;
- a 0元入驻 merchant: 21 days, or a longer category period (none is longer today);
- N days are counted from the moment of confirmation (`settlement.available.counting`, a Pledge
  default: the text does not say), and the carrier's sign-off counts as the confirmation
  (`settlement.available.confirmation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pledge.kernel.errors import NotFound
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.settlement.policy import clauses_at, listed_in


@dataclass(frozen=True)
class Availability:
    available_at: datetime
    days: int
    clause: Clause
    counting: Clause

    def explanation(self, lang: str = "en") -> str:
        if lang == "zh_CN":
            return f"确认收货后{self.days}天（{self.days * 24}小时）可结算：{self.clause.text}"
        return (
            f"available {self.days} days ({self.days * 24} h) after confirmed receipt: {self.clause.text_en}"
        )


def _merchant_clause(book: Rulebook, merchant: str, at: datetime) -> Clause:
    for clause in clauses_at(book, "settlement_period", at):
        if clause.get("merchant") == merchant:
            return clause
    raise NotFound(f"rulebook {book.name} has no settlement period for {merchant} merchants")


def category_period(book: Rulebook, categories: Iterable[Iterable[str]], at: datetime) -> Clause | None:
    """The longest special-table period among the categories (each: the category, then its parent)."""
    table = clauses_at(book, "settlement_category_period", at)
    found = [c for names in categories for c in table if listed_in(c, list(names))]
    return max(found, key=lambda c: int(c.get("days")), default=None)


def period(
    book: Rulebook, categories: Iterable[Iterable[str]], *, zero_entry: bool, at: datetime
) -> tuple[int, Clause]:
    """(days after confirmed receipt, the clause that sets them)."""
    names = [list(n) for n in categories]
    special = category_period(book, names, at)
    if zero_entry:
        base = _merchant_clause(book, "zero_entry", at)
        return (
            (int(special.get("days")), special)
            if special and int(special.get("days")) > int(base.get("days"))
            else (int(base.get("days")), base)
        )
    if special is not None:
        return int(special.get("days")), special
    long_after_sales = _merchant_clause(book, "ordinary_long_aftersales", at)
    if any(listed_in(long_after_sales, n) for n in names):
        return int(long_after_sales.get("days")), long_after_sales
    base = _merchant_clause(book, "ordinary", at)
    return int(base.get("days")), base


def available_at(
    book: Rulebook, categories: Iterable[Iterable[str]], *, confirmed_at: datetime, zero_entry: bool = False
) -> Availability:
    days, clause = period(book, categories, zero_entry=zero_entry, at=confirmed_at)
    counting = clauses_at(book, "settlement_counting", confirmed_at)[0]
    return Availability(confirmed_at + timedelta(days=days), days, clause, counting)


def shortest_days(book: Rulebook, at: datetime) -> int:
    """The shortest period any order can have: a cheap filter before the exact computation."""
    days = [
        int(c.get("days"))
        for kind in ("settlement_period", "settlement_category_period")
        for c in clauses_at(book, kind, at)
    ]
    return min(days, default=0)
