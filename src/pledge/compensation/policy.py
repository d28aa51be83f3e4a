"""The amount of a compensation clause (any clause that pays a buyer: late ship, out of stock,
slow or abnormal tracking, fraudulent shipping, booked delivery): which clause of a rule applies
to an order (by promise span and amount paid) and its share of what was paid. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from pledge.kernel.errors import NotFound
from pledge.kernel.money import clamp, exact_percent_yuan, format_rate, format_yuan, round_half_up_to_yuan
from pledge.rulebooks.loader import Clause, Rulebook


def compensation_clause(
    book: Rulebook, rule: str, at: datetime, *, promise_span: timedelta | None, paid_fen: int
) -> Clause:
    """The amount clause of a logistics rule for this order: promise_min_h < promise <=
    promise_max_h and paid_min_fen <= paid < paid_max_fen (missing = unbounded)."""
    span_h = promise_span.total_seconds() / 3600 if promise_span is not None else 0
    found = [
        c
        for c in book.in_force_by("logistics_compensation", at, "rule").get(rule, ())
        if _in(span_h, c.get("promise_min_h"), c.get("promise_max_h"))
        and _in(paid_fen, c.get("paid_min_fen"), c.get("paid_max_fen"), closed_low=True)
    ]
    if len(found) != 1:
        raise NotFound(f"rulebook {book.name} has {len(found)} compensation clauses for {rule} at {at}")
    return found[0]


def _in(value: float, low: float | None, high: float | None, *, closed_low: bool = False) -> bool:
    above = low is None or (value >= low if closed_low else value > low)
    return above and (high is None or (value < high if closed_low else value <= high))


def share_of_paid(clause: Clause, paid_fen: int) -> tuple[int, str, str]:
    """A clause's rate of what was paid, rounded half-up to whole yuan (douyin:aHwH9wK4JUHQ) and
    kept within its minimum and maximum; with the steps in English and Chinese."""
    rate = clause.get("rate_bp")
    rounded = round_half_up_to_yuan(paid_fen, rate)
    amount = clamp(rounded, clause.get("min_fen"), clause.get("max_fen"))
    limits = f"min {format_yuan(clause.get('min_fen'))}, max {format_yuan(clause.get('max_fen'))}"
    limits_zh = f"最低{format_yuan(clause.get('min_fen'))}，最高{format_yuan(clause.get('max_fen'))}"
    base = f"{format_rate(rate)} = {exact_percent_yuan(paid_fen, rate)}"
    steps, steps_zh = f"{base} → rounded half-up {rounded // 100}", f"{base} → 四舍五入 {rounded // 100}"
    if amount != rounded:
        steps += f" → limited to {amount // 100} ({limits})"
        steps_zh += f" → 按上下限取 {amount // 100}（{limits_zh}）"
    return amount, steps, steps_zh
