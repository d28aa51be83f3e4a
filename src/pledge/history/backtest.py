"""What would this rulebook have done on this history? The late-ship clauses in force at
`rules_at` are applied to every order whatever its own date; the promise bracket is
ship_by − paid_at, lateness is picked_up_at − ship_by, and an order not picked up by `as_of`
is late as of `as_of`. Nothing touches the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from pledge.history.csvfile import HistoryOrder
from pledge.kernel.clock import local_time
from pledge.kernel.errors import InvalidInput
from pledge.lateship.policy import quote_late_ship
from pledge.promises.policy import ship_by
from pledge.rulebooks.loader import Rulebook


@dataclass
class ShopTotals:
    orders: int = 0
    late: int = 0
    compensation_fen: int = 0


@dataclass
class BacktestResult:
    rulebook: str
    version: str
    as_of: datetime
    rules_at: datetime
    orders: int = 0
    late: int = 0
    compensation_fen: int = 0
    by_shop: dict[str, ShopTotals] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "rulebook": self.rulebook,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "rules_at": self.rules_at.isoformat(),
            "orders": self.orders,
            "late": self.late,
            "compensation_fen": self.compensation_fen,
            "by_shop": {k: vars(v) for k, v in sorted(self.by_shop.items())},
        }


def latest_timestamp(orders: list[HistoryOrder]) -> datetime:
    return max(
        t for o in orders for t in (o.paid_at, o.ship_by, o.picked_up_at, o.delivered_at) if t is not None
    )


def _deadline(book: Rulebook, order: HistoryOrder, rules_at: datetime) -> datetime:
    """The order's ship-by time: as the file gives it, or from its promise (the file has one)."""
    if order.ship_by is not None:
        return order.ship_by
    if order.promise is None:
        raise InvalidInput(f"order {order.order_id} has neither ship_by nor promise")
    return ship_by(book, order.promise, order.paid_at, rules_at=rules_at)[0]


def backtest(
    book: Rulebook,
    orders: list[HistoryOrder],
    *,
    rules_at: datetime,
    as_of: datetime | None = None,
    tz: str = "Asia/Shanghai",
) -> BacktestResult:
    as_of = as_of or (latest_timestamp(orders) if orders else rules_at)
    result = BacktestResult(book.name, book.version, as_of, rules_at)
    payable = []  # (when, order, amount) before the per-buyer daily cap
    for order in orders:
        shop = result.by_shop.setdefault(order.shop_id, ShopTotals())
        shop.orders += 1
        result.orders += 1
        deadline = _deadline(book, order, rules_at)
        shipped = (
            order.picked_up_at if order.picked_up_at is not None and order.picked_up_at <= as_of else None
        )
        quote = quote_late_ship(
            book,
            paid_fen=order.paid_fen,
            paid_at=order.paid_at,
            ship_by_at=deadline,
            shipped_at=shipped,
            now=as_of,
            rules_at=rules_at,
        )
        if quote is None:
            continue
        shop.late += 1
        result.late += 1
        if quote.amount_fen:
            payable.append((shipped or as_of, order, quote.amount_fen))
    for _when, order, amount in _apply_buyer_daily_cap(book, payable, rules_at, tz):
        result.by_shop[order.shop_id].compensation_fen += amount
        result.compensation_fen += amount
    return result


def _apply_buyer_daily_cap(book: Rulebook, payable: list, rules_at: datetime, tz: str) -> list:
    caps = book.in_force("late_ship_buyer_daily_cap", rules_at)
    if not caps:
        return payable
    cap = caps[0].get("cap_fen")
    paid: dict[tuple[str, object], int] = defaultdict(int)
    capped = []
    for when, order, amount in sorted(payable, key=lambda p: (p[0], p[1].order_id)):
        if not order.buyer_id:
            capped.append((when, order, amount))
            continue
        key = (order.buyer_id, local_time(when, tz).date())
        amount = min(amount, max(0, cap - paid[key]))
        paid[key] += amount
        capped.append((when, order, amount))
    return capped
