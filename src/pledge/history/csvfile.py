"""External order histories as CSV (docs/order-history-csv.md): parsed and validated row by row,
every bad row named with its number and reason, nothing half-read.

Columns: order_id, shop_id, paid_at, amount_paid (required); ship_by or promise (one required);
optional buyer_id, category, picked_up_at, delivered_at, review_score, after_sale.
Times are ISO 8601; without an offset they are in the shop timezone. Money is in yuan."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import DomainError, InvalidInput
from pledge.kernel.money import parse_yuan
from pledge.promises.model import Promise

REQUIRED = ("order_id", "shop_id", "paid_at", "amount_paid")
OPTIONAL = (
    "ship_by",
    "promise",
    "buyer_id",
    "category",
    "picked_up_at",
    "delivered_at",
    "review_score",
    "after_sale",
)
AFTER_SALE = ("quality", "shipping", "other")


@dataclass(frozen=True)
class HistoryOrder:
    row: int
    order_id: str
    shop_id: str
    paid_at: datetime
    paid_fen: int
    ship_by: datetime | None
    promise: Promise | None
    buyer_id: str = ""
    category: str = ""
    picked_up_at: datetime | None = None
    delivered_at: datetime | None = None
    review_score: int | None = None
    after_sale: str = ""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


class HistoryRejected(InvalidInput):
    """Carries every bad row so the caller can print them all."""

    def __init__(self, errors: list[RowError]) -> None:
        shown = "; ".join(f"row {e.row}: {e.reason}" for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} bad row(s): {shown}{more}")
        self.errors = errors


def _time(value: str, tz: str, column: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return parse_iso(value, tz)
    except InvalidInput:
        raise InvalidInput(f"{column} is not an ISO 8601 time: {value!r}") from None


def parse_row(number: int, raw: dict[str, str], tz: str) -> HistoryOrder:
    def get(column: str) -> str:
        return (raw.get(column) or "").strip()

    for column in REQUIRED:
        if not get(column):
            raise InvalidInput(f"{column} is empty")
    paid_fen = parse_yuan(get("amount_paid"))
    if paid_fen <= 0:
        raise InvalidInput(f"amount_paid must be positive, got {get('amount_paid')!r}")
    paid_at = _time(get("paid_at"), tz, "paid_at")
    if paid_at is None:  # REQUIRED above: not empty
        raise InvalidInput("paid_at is empty")
    ship_by = _time(get("ship_by"), tz, "ship_by")
    promise = Promise.parse(get("promise")) if get("promise") else None
    if ship_by is None and promise is None:
        raise InvalidInput("give ship_by or promise")
    if ship_by is not None and ship_by < paid_at:
        raise InvalidInput("ship_by is before paid_at")
    score = get("review_score")
    if score and (not score.isdigit() or not 1 <= int(score) <= 5):
        raise InvalidInput(f"review_score is 1 to 5, got {score!r}")
    if get("after_sale") and get("after_sale") not in AFTER_SALE:
        raise InvalidInput(f"after_sale is one of {', '.join(AFTER_SALE)}, got {get('after_sale')!r}")
    return HistoryOrder(
        number,
        get("order_id"),
        get("shop_id"),
        paid_at,
        paid_fen,
        ship_by,
        promise,
        get("buyer_id"),
        get("category"),
        _time(get("picked_up_at"), tz, "picked_up_at"),
        _time(get("delivered_at"), tz, "delivered_at"),
        int(score) if score else None,
        get("after_sale"),
    )


def parse_rows(
    rows: Iterable[dict[str, str]], header: list[str], tz: str, *, skip_bad_rows: bool = False
) -> tuple[list[HistoryOrder], list[RowError]]:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(f"the header lacks required column(s): {', '.join(missing)}")
    if "ship_by" not in header and "promise" not in header:
        raise InvalidInput("the header needs a ship_by or a promise column")
    orders: list[HistoryOrder] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        try:
            order = parse_row(number, raw, tz)
            if order.order_id in seen:
                raise InvalidInput(
                    f"duplicate order_id {order.order_id!r} (first on row {seen[order.order_id]})"
                )
            seen[order.order_id] = number
            orders.append(order)
        except DomainError as exc:
            errors.append(RowError(number, exc.detail))
    if errors and not skip_bad_rows:
        raise HistoryRejected(errors)
    return orders, errors


def read_history(
    path: Path, tz: str = "Asia/Shanghai", *, skip_bad_rows: bool = False
) -> tuple[list[HistoryOrder], list[RowError]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            return parse_rows(reader, list(reader.fieldnames or []), tz, skip_bad_rows=skip_bad_rows)
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
