"""`pledge quote affiliate`: a creator's commission on one order, from the rulebook alone
(douyin:aJoPPkXtaG25). Registered on `quote_app` by cli/quote.py."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer

from pledge.cli.run import run_domain
from pledge.kernel.clock import UTC, parse_iso
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_rate, format_yuan, parse_yuan
from pledge.rulebooks.loader import load

# Option name → BaseParts field, for the amounts given in yuan.
AMOUNTS = {
    "paid": "paid_fen",
    "shipping": "shipping_fen",
    "platform_coupon": "platform_coupon_fen",
    "creator_coupon": "creator_coupon_fen",
    "payment_subsidy": "payment_subsidy_fen",
    "packing": "packing_fen",
    "logistics_reduction": "logistics_reduction_fen",
}


def quote_affiliate(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    paid: str = typer.Option(..., help="Amount the buyer paid incl. shipping, in yuan (e.g. 100.00)."),
    rate: str = typer.Option(..., help="The merchant's commission rate in percent (e.g. 20 or 12.5)."),
    grade: str = typer.Option(..., help="The creator's grade for the month: A, B+, B, C or D."),
    shipping: str = typer.Option("0", help="Shipping inside --paid, in yuan (subtracted)."),
    platform_coupon: str = typer.Option("0", "--platform-coupon", help="Platform coupons, in yuan (added)."),
    creator_coupon: str = typer.Option("0", "--creator-coupon", help="Creator coupons, in yuan (added)."),
    payment_subsidy: str = typer.Option(
        "0", "--payment-subsidy", help="Payment-channel subsidy, in yuan (added)."
    ),
    packing: str = typer.Option("0", help="Packing fee inside --paid, in yuan (subtracted)."),
    logistics_reduction: str = typer.Option(
        "0",
        "--logistics-reduction",
        help="The merchant-funded payment discount spread onto shipping and packing, in yuan (added).",
    ),
    leader_rate: str = typer.Option(
        "", "--leader-rate", help="A group leader's (团长) rate in percent, to quote the leader's fee too."
    ),
    at: str = typer.Option(
        "", help="When the order was paid (ISO-8601; without offset: the rulebook's zone); default now."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The creator's commission (推广费) on an order and the platform's technical service fee on it
    (douyin:aJoPPkXtaG25): base = paid + creator and platform coupons + payment subsidy − shipping
    − packing + logistics reduction; commission = base × --rate; service fee = commission × 10 %
    (grades A, B+, B), 20 % (C) or 40 % (D); the creator nets commission − fee. Each amount is
    rounded half-up to the fen (a Pledge default: the text gives no rounding rule)."""

    amounts = {
        "paid": paid,
        "shipping": shipping,
        "platform_coupon": platform_coupon,
        "creator_coupon": creator_coupon,
        "payment_subsidy": payment_subsidy,
        "packing": packing,
        "logistics_reduction": logistics_reduction,
    }
    rates = {"rate": rate, "leader_rate": leader_rate}
    run_domain(_answer, rulebook, amounts, rates, grade, at, as_json)


def _fen(amounts: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, text in amounts.items():
        try:
            found[AMOUNTS[name]] = parse_yuan(text)
        except InvalidInput as exc:
            raise InvalidInput(f"--{name.replace('_', '-')}: {exc.detail}") from None
    if found["paid_fen"] <= 0:
        raise InvalidInput("--paid must be a positive amount")
    return found


def _answer(
    rulebook: str, amounts: dict[str, str], rates: dict[str, str], grade: str, at: str, as_json: bool
) -> None:
    from pledge.creators.policy import BaseParts, leader_fee, quote_affiliate
    from pledge.web.forms import parse_percent

    book = load(rulebook)
    parts = BaseParts(**_fen(amounts))
    rate_bp = parse_percent(rates["rate"], "--rate")
    paid_at = parse_iso(at, book.timezone) if at else datetime.now(UTC)
    quote = quote_affiliate(book, parts, rate_bp=rate_bp, grade=grade, paid_at=paid_at)
    data: dict[str, Any] = {
        "base_fen": quote.base_fen,
        "commission_fen": quote.commission_fen,
        "service_fee_fen": quote.service_fee_fen,
        "creator_net_fen": quote.creator_net_fen,
        "clause": quote.service_fee.id,
        "source": quote.service_fee.source,
        "rate_bp": rate_bp,
        "grade": quote.grade,
        "service_fee_rate_bp": int(quote.service_fee.get("rate_bp")),
        "grade_period": {
            "published_on": quote.period.published_on.isoformat(),
            "first_day": quote.period.first_day.isoformat(),
            "last_day": quote.period.last_day.isoformat(),
        },
        "clauses": [c.id for c in quote.clauses],
        "explanation": quote.explanation(),
    }
    if rates["leader_rate"].strip():
        leader_bp = parse_percent(rates["leader_rate"], "--leader-rate")
        fee = leader_fee(book, quote.base_fen, leader_rate_bp=leader_bp, creator_rate_bp=rate_bp, at=paid_at)
        data["leader"] = {
            "fee_fen": fee.fee_fen,
            "service_fee_fen": fee.service_fee_fen,
            "net_fen": fee.net_fen,
            "rate_bp": leader_bp,
            "clause": fee.clause.id,
        }
    text = (
        f"commission {format_yuan(quote.commission_fen)} yuan = {format_yuan(quote.base_fen)} × "
        f"{format_rate(rate_bp)}; service fee {format_yuan(quote.service_fee_fen)} (grade {quote.grade}, "
        f"{quote.service_fee.id}); the creator nets {format_yuan(quote.creator_net_fen)} "
        f"({quote.service_fee.source})"
    )
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else text)
