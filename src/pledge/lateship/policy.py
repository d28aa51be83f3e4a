"""Pure evaluation of the late-ship clauses (douyin:aJoPPkWZ7VQM, douyin:aHwH9wK4JUHQ,
tmall:10000177); the ship promise itself is pledge.promises. No database, no web: the same code
answers the sweep, the CLI quotes and backtests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledge.compensation.policy import compensation_clause, share_of_paid
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_yuan
from pledge.rulebooks.loader import Clause, Rulebook


@dataclass(frozen=True)
class Part:
    """One amount a late order pays the buyer, under its own clause and idempotency key:
    `rule` is the compensation kind (late_ship, out_of_stock). `trigger` names the clause that
    made it due where that is not the amount clause itself (the out-of-stock definition)."""

    rule: str
    amount_fen: int
    clause: Clause | None
    explanation: str
    explanation_en: str
    trigger: Clause | None = None


@dataclass(frozen=True)
class LateShipQuote:
    """What a late order earns the buyer in all: the late-ship cell as soon as the order is
    late and, once it is more than 48 h late, the out-of-stock deduction in addition
    (douyin:aJoPPkWZ7VQM's column "发货超时48小时以上" is douyin:aHwHGWzbmk88's deduction, "可与
    发货超时扣罚同时发起"). `final` is False while an unshipped order could still earn a part."""

    parts: tuple[Part, ...]
    final: bool
    inputs: dict

    @property
    def amount_fen(self) -> int:
        return sum(p.amount_fen for p in self.parts)

    @property
    def clause(self) -> Clause | None:
        """The late-ship cell's clause (the first part)."""
        return self.parts[0].clause

    @property
    def explanation(self) -> str:
        text = "；另加 ".join(p.explanation for p in self.parts)
        return text + (f"；合计{format_yuan(self.amount_fen)}元" if len(self.parts) > 1 else "")

    @property
    def explanation_en(self) -> str:
        text = "; and ".join(p.explanation_en for p in self.parts)
        return text + (f"; {format_yuan(self.amount_fen)} yuan in all" if len(self.parts) > 1 else "")


def _within(value: timedelta, low_h: int | None, high_h: int | None) -> bool:
    return (low_h is None or value > timedelta(hours=low_h)) and (
        high_h is None or value <= timedelta(hours=high_h)
    )


def find_late_ship_clause(
    book: Rulebook, promise_span: timedelta, late_by: timedelta, at: datetime
) -> Clause | None:
    for clause in book.in_force("late_ship", at):
        if _within(promise_span, clause.get("promise_min_h"), clause.get("promise_max_h")) and _within(
            late_by, clause.get("late_min_h"), clause.get("late_max_h")
        ):
            return clause
    return None


def _fmt_hours(delta: timedelta, zh: bool = False) -> str:
    """'48 h 0 min 1 s' / '48小时0分1秒': exact to the second, because the second can decide the
    clause (more than 48 h late); in Chinese with Chinese units (issue 17: no English in zh)."""
    seconds = int(delta.total_seconds())
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if zh:
        return f"{h}小时" + (f"{m}分" if m or s else "") + (f"{s}秒" if s else "")
    return f"{h} h" + (f" {m} min" if m or s else "") + (f" {s} s" if s else "")


def out_of_stock_trigger(book: Rulebook, at: datetime) -> Clause | None:
    """douyin:aHwHGWzbmk88 1.1: "订单发货超时后48小时内仍未发货的" is out of stock."""
    found = [c for c in book.in_force("out_of_stock", at) if c.get("trigger") == "unshipped_after_late"]
    return found[0] if found else None


def quote_late_ship(
    book: Rulebook,
    *,
    paid_fen: int,
    paid_at: datetime,
    ship_by_at: datetime,
    shipped_at: datetime | None,
    now: datetime,
    rules_at: datetime | None = None,
) -> LateShipQuote | None:
    """None when the order is (so far) on time. Lateness runs from ship-by to the shipped time,
    or to `now` for an order not yet shipped. `rules_at` (default: the payment) picks the
    clauses in force."""
    promise_span = ship_by_at - paid_at
    end = shipped_at if shipped_at is not None else now
    late_by = end - ship_by_at
    if late_by <= timedelta(0):
        return None
    at = rules_at or paid_at
    inputs = {
        "paid_fen": paid_fen,
        "paid_at": paid_at,
        "ship_by": ship_by_at,
        "shipped_at": shipped_at,
        "evaluated_at": now,
        "promise_seconds": int(promise_span.total_seconds()),
        "late_seconds": int(late_by.total_seconds()),
    }
    state = (
        f"shipped {_fmt_hours(late_by)} late"
        if shipped_at
        else f"not shipped, {_fmt_hours(late_by)} late so far"
    )
    late_zh = _fmt_hours(late_by, zh=True)
    state_zh = f"超时{late_zh}发货" if shipped_at else f"尚未发货，已超时{late_zh}"
    head = f"paid {format_yuan(paid_fen)}, promise {_fmt_hours(promise_span)}, {state}"
    head_zh = f"实付{format_yuan(paid_fen)}元，承诺{_fmt_hours(promise_span, zh=True)}内发货，{state_zh}"
    parts = [_late_ship_part(book, at, promise_span, late_by, paid_fen, head, head_zh)]
    trigger = out_of_stock_trigger(book, at)
    if trigger is not None and late_by > timedelta(hours=trigger.get("hours")):
        parts.append(_out_of_stock_part(book, at, trigger, promise_span, paid_fen, head, head_zh))
    final = shipped_at is not None or trigger is None or len(parts) > 1
    return LateShipQuote(tuple(parts), final, inputs)


def _late_ship_part(
    book: Rulebook,
    at: datetime,
    promise_span: timedelta,
    late_by: timedelta,
    paid_fen: int,
    head: str,
    head_zh: str,
) -> Part:
    clause = find_late_ship_clause(book, promise_span, late_by, at)
    amount, after_zh, after_en = book.remember(
        "late_ship_part",
        at,
        (clause.id if clause else None, paid_fen),
        lambda: _late_ship_terms(clause, paid_fen),
    )
    return Part("late_ship", amount, clause, head_zh + after_zh, head + after_en)


def _late_ship_terms(clause: Clause | None, paid_fen: int) -> tuple[int, str, str]:
    """The late-ship cell's amount and what its explanation says after the order's own facts."""
    if clause is None or clause.get("rate_bp", 0) == 0:
        cited = f"clause {clause.id}" if clause else "no clause"
        return 0, f" → {cited}：不赔付", f" → {cited}: no compensation"
    amount, steps, steps_zh = share_of_paid(clause, paid_fen)
    return (
        amount,
        f" → 条款 {clause.id} {steps_zh} 元 [{clause.source}]",
        f" → clause {clause.id} {steps} yuan [{clause.source}]",
    )


def _out_of_stock_part(
    book: Rulebook,
    at: datetime,
    trigger: Clause,
    promise_span: timedelta,
    paid_fen: int,
    head: str,
    head_zh: str,
) -> Part:
    clause, amount, after_zh, after_en = book.remember(
        "out_of_stock_part",
        at,
        (trigger.id, promise_span, paid_fen),
        lambda: _out_of_stock_terms(book, at, trigger, promise_span, paid_fen),
    )
    return Part(
        "out_of_stock",
        amount,
        clause,
        f"缺货/无货：{head_zh}{after_zh}",
        f"out of stock: {head}{after_en}",
        trigger,
    )


def _out_of_stock_terms(
    book: Rulebook, at: datetime, trigger: Clause, promise_span: timedelta, paid_fen: int
) -> tuple[Clause, int, str, str]:
    """The out-of-stock deduction's clause and amount, and what its explanation says after the
    order's own facts; the same for every order of this promise and amount on this day."""
    clause = compensation_clause(book, "out_of_stock", at, promise_span=promise_span, paid_fen=paid_fen)
    amount, steps, steps_zh = share_of_paid(clause, paid_fen)
    hours = trigger.get("hours")
    column = next(
        (
            c
            for c in book.in_force("late_ship_over48", at)
            if _within(promise_span, c.get("promise_min_h"), c.get("promise_max_h"))
        ),
        None,
    )
    if column is not None and column.get("paid_by") != clause.id:
        raise InvalidInput(
            f"{column.id} says {column.get('paid_by')} pays it, "
            f"the out-of-stock table in force gives {clause.id}"
        )
    also = f", the late-ship table's column over {hours} h: {column.id} [{column.source}]" if column else ""
    also_zh = f"；即发货超时表“{hours}小时以上”一栏 {column.id} [{column.source}]" if column else ""
    return (
        clause,
        amount,
        f"，超过发货时限{hours}小时（{trigger.id} [{trigger.source}]{also_zh}）→ "
        f"条款 {clause.id} {steps_zh} 元 [{clause.source}]",
        f", more than {hours} h after the ship-by time ({trigger.id} [{trigger.source}]{also}) "
        f"→ clause {clause.id} {steps} yuan [{clause.source}]",
    )


def next_check_after(
    book: Rulebook, *, paid_at: datetime, ship_by_at: datetime, rules_at: datetime | None = None
) -> datetime | None:
    """For an unshipped late order, when it next earns a part (the out-of-stock deduction, one
    second past ship-by + 48 h), so the sweep need not look at it before then; None when no
    further part can come."""
    trigger = out_of_stock_trigger(book, rules_at or paid_at)
    return ship_by_at + timedelta(hours=trigger.get("hours"), seconds=1) if trigger else None


def pending_parts(
    book: Rulebook, *, paid_fen: int, paid_at: datetime, ship_by_at: datetime, now: datetime
) -> list[tuple[datetime, Part]]:
    """For an order not yet shipped: what it would earn, and from when, if it stays unshipped
    (for the order page: "若48小时后仍未发货，将按缺货再赔 ¥5")."""
    ahead = []
    for when in (
        ship_by_at + timedelta(seconds=1),
        next_check_after(book, paid_at=paid_at, ship_by_at=ship_by_at),
    ):
        if when is None or when <= now:
            continue
        quote = quote_late_ship(
            book, paid_fen=paid_fen, paid_at=paid_at, ship_by_at=ship_by_at, shipped_at=None, now=when
        )
        if quote is not None:
            ahead.append((when, quote.parts[-1]))
    return ahead
