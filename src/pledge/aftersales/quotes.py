"""What a case is worth: the share of the amount paid that a unit of a line stands for, and who
pays a damage claim (the 坏了包退 guarantee of the day the order was paid, or the shop's own
pledge) and how much. Used by services.file_case inside its transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from pledge.aftersales import coverage, policy
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Rulebook


def paid_for(order, line, units: int) -> int:
    """What the buyer actually paid for `units` of a line: the order's coupon discount is
    spread over its lines in proportion to their value."""
    return line.line_total_fen * units * order.paid_fen // (line.quantity * order.items_fen)


def damage_cover_for(
    conn: Connection,
    book: Rulebook,
    order,
    reason: str,
    chosen: list[dict],
    pledge: policy.ShopPledge,
) -> policy.DamageCover:
    """Who pays this claim: each line's goods must fit the reason (no "thawed" umbrella) and be
    covered on one basis, the 坏了包退 guarantee of the day the order was paid or the shop's pledge."""
    product_ids = {c["row"].product_id for c in chosen}
    names = coverage.product_categories(conn, product_ids)
    carried = coverage.services_at(conn, product_ids, order.paid_at)
    covers = []
    for c in chosen:
        line, cats = c["row"], names.get(c["row"].product_id, ())
        fitting = policy.damage_reasons(book, cats, order.paid_at)
        if reason not in fitting:
            raise InvalidInput(
                f"{reason} does not fit {line.title} ({'/'.join(cats)}); "
                f"damage reasons for it: {', '.join(fitting) or 'none'}"
            )
        covers.append(
            policy.damage_cover(
                book,
                categories=cats,
                badged=coverage.DAMAGE_BADGE in carried.get(line.product_id, {}),
                paid_at=order.paid_at,
                reason=reason,
                pledge=pledge,
            )
        )
    missing = next((cover for cover in covers if not cover.covered), None)
    if missing is not None:
        raise InvalidInput(f"no damage refund applies: {missing.reason}")
    if len({cover.basis for cover in covers}) > 1:
        raise InvalidInput(
            "these lines are covered differently (the 坏了包退 guarantee and the shop's pledge): "
            "claim them separately"
        )
    return covers[0]


def damage_quote(
    conn: Connection,
    book: Rulebook,
    order,
    reason: str,
    chosen: list[dict],
    pledge: policy.ShopPledge,
    at: datetime,
):
    """(amount, clause, explanation, inputs) of a damage claim filed at `at`."""
    cover = damage_cover_for(conn, book, order, reason, chosen, pledge)
    window = policy.damage_window(book, reason=reason, signed_at=order.delivered_at, now=at, pledge=pledge)
    if not window.eligible:
        raise InvalidInput(window.reason)
    paid = sum(paid_for(order, c["row"], c["row"].quantity) for c in chosen)
    units = sum(c["row"].quantity for c in chosen)
    damaged = sum(c["units"] for c in chosen)
    # The guarantee pays by the table in force when the order was paid; a pledge as it stands now.
    if cover.basis is None or cover.clause is None:  # damage_cover_for refuses an uncovered claim
        raise InvalidInput(f"no damage refund applies: {cover.reason}")
    table_at = order.paid_at if cover.basis == policy.DAMAGE_SERVICE else at
    q = policy.damage_refund(
        book, paid_fen=paid, units=units, damaged=damaged, at=table_at, pledge=pledge, basis=cover.basis
    )
    inputs = {
        "paid_fen": paid,
        "units": units,
        "damaged": damaged,
        "share_bp": q.share_bp,
        "window": window.reason,
        "basis": cover.basis,
        "cover": cover.reason,
        "cover_clause": cover.clause.id,
        "table_clause": q.table_clause.id if q.table_clause else None,
        "per_unit": q.pledge_applied if cover.basis == policy.DAMAGE_SERVICE else q.table_clause is None,
    }
    return q.amount_fen, q.clause, q.explanation, inputs


def damage_options(
    conn: Connection,
    book: Rulebook,
    *,
    paid_at: datetime,
    lines: list[tuple[int, int]],
    pledge: policy.ShopPledge,
) -> dict[int, tuple[list[str], str]]:
    """For the case form: per order line (line id, product id), the damage reasons a claim on it
    would be paid for, and, where there is none, why (the guarantee withdrawn, the category,
    no shop pledge)."""
    product_ids = {p for _, p in lines}
    names = coverage.product_categories(conn, product_ids)
    carried = coverage.services_at(conn, product_ids, paid_at)
    options = {}
    for line_id, product_id in lines:
        cats = names.get(product_id, ())
        covered, why = [], ""
        for reason in policy.damage_reasons(book, cats, paid_at):
            cover = policy.damage_cover(
                book,
                categories=cats,
                badged=coverage.DAMAGE_BADGE in carried.get(product_id, {}),
                paid_at=paid_at,
                reason=reason,
                pledge=pledge,
            )
            if cover.covered:
                covered.append(reason)
            else:
                why = why or cover.reason
        options[line_id] = (covered, "" if covered else why)
    return options
