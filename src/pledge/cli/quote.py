"""`pledge quote ...`: answer a rule question from the rulebook alone, no database."""
from __future__ import annotations

import json
from datetime import timedelta

import typer

from pledge.guarantees.policy import Promise, quote_late_ship, ship_by
from datetime import datetime

from pledge.kernel.clock import UTC, parse_duration, parse_iso, zone
from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_DAYS, MAX_ID, MAX_QUANTITY
from pledge.kernel.money import format_rate, format_yuan, parse_yuan
from pledge.rulebooks.loader import load

quote_app = typer.Typer(help="Quote what a rulebook says, without touching the database.", no_args_is_help=True)


def _emit(as_json: bool, data: dict, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


def _guard(fn):  # noqa: ANN001, ANN202
    from pledge.cli.main import run_domain
    return lambda *a, **k: run_domain(fn, *a, **k)


@quote_app.command("ship-by")
def quote_ship_by(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD"),
    paid_at: str = typer.Option(..., "--paid-at", help="ISO-8601; without offset = the timezone below."),
    timezone: str = typer.Option("Asia/Shanghai", "--tz", help="The shop's timezone."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """When must an order paid at --paid-at ship?"""
    @_guard
    def run() -> None:
        book = load(rulebook)
        paid = parse_iso(paid_at, timezone)
        deadline, clause = ship_by(book, Promise.parse(promise), paid, timezone)
        local = deadline.astimezone(zone(timezone))
        _emit(as_json, {"ship_by": local.isoformat(), "clause": clause.id},
              f"ship by {local.isoformat()} ({clause.id}, {clause.source})")
    run()


@quote_app.command("late-ship")
def quote_late(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="The promise span, e.g. 48h or 72h."),
    paid: str = typer.Option(..., help="Amount the buyer paid, in yuan (e.g. 150.00)."),
    late: str = typer.Option(..., help="How late it shipped, e.g. 50h or 2d."),
    at: str = typer.Option("", help="When it was paid (ISO-8601), to pick the clauses in force; default now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What compensation does an order shipped --late after its deadline earn?"""
    @_guard
    def run() -> None:
        book = load(rulebook)
        span = Promise.parse(promise)
        if span.kind != "hours":
            raise InvalidInput("for a late-ship quote give the promise as hours, e.g. 48h or 72h")
        paid_fen = parse_yuan(paid)
        if paid_fen <= 0:
            raise InvalidInput("--paid must be a positive amount")
        late_by = parse_duration(late)
        paid_at = parse_iso(at) if at else datetime.now(UTC)
        deadline = paid_at + timedelta(hours=span.hours)
        quote = quote_late_ship(book, paid_fen=paid_fen, paid_at=paid_at, ship_by_at=deadline,
                                shipped_at=deadline + late_by, now=deadline + late_by)
        if quote is None:
            data = {"amount_fen": 0, "clause": "", "explanation": "shipped on time: no compensation"}
        else:
            data = {"amount_fen": quote.amount_fen, "clause": quote.clause.id if quote.clause else "",
                    "explanation": quote.explanation_en}
        _emit(as_json, data, f"{format_yuan(data['amount_fen'])} yuan — {data['explanation']}")
    run()


FLAG_ALIASES = {"perishable": "perishable", "fresh": "perishable", "custom_made": "custom_made", "custom": "custom_made",
                "custom-made": "custom_made", "blind_box": "blind_box", "blind-box": "blind_box"}


def _flags(text: str) -> set[str]:
    found = set()
    for raw in (f.strip().lower() for f in text.split(",")):
        if not raw:
            continue
        if raw not in FLAG_ALIASES:
            raise InvalidInput(f"unknown product flag {raw!r}; use perishable, custom_made (or custom), blind_box")
        found.add(FLAG_ALIASES[raw])
    return found


@quote_app.command("return-window")
def quote_return_window(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    signed_at: str = typer.Option(..., "--signed-at", help="When the parcel was signed for (ISO-8601; without offset = --tz)."),
    flags: str = typer.Option("", help="Comma-separated product flags: perishable, custom_made (or custom), blind_box."),
    timezone: str = typer.Option("Asia/Shanghai", "--tz", help="The shop's timezone: the 7 days start at its midnight."),
    now: str = typer.Option("", help="Is the window still open at this time? ISO-8601; default: --signed-at, so the "
                                      "answer describes the window itself (excluded goods are never eligible)."),
    extra_hours: int = typer.Option(0, "--extra-hours", max=24 * MAX_DAYS, help="Hours a shop pledge adds to the window."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Can goods signed for at --signed-at be returned without a reason, and until when?

    168 h from 00:00 (shop timezone) of the day after sign-off (douyin:aJmEsBoSPU5g); perishable
    and custom-made goods are excluded (Consumer Protection Law Art. 25). "eligible" answers
    whether the window is open at --now."""
    @_guard
    def run() -> None:
        from pledge.aftersales.policy import ShopPledge, no_reason_return
        book = load(rulebook)
        signed = parse_iso(signed_at, timezone)
        at = parse_iso(now, timezone) if now else signed
        found = no_reason_return(book, flags=_flags(flags), signed_at=signed, tz=timezone, now=at,
                                 pledge=ShopPledge(return_window_extra_hours=extra_hours))
        deadline = found.deadline.astimezone(zone(timezone)).isoformat() if found.deadline else None
        data = {"eligible": found.eligible, "deadline": deadline, "reason": found.reason}
        words = f"returnable until {deadline}" if found.eligible else "not returnable"
        _emit(as_json, data, f"{words} — {found.reason}")
    run()


@quote_app.command("damage-refund")
def quote_damage_refund(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    paid: str = typer.Option(..., help="Amount paid for the goods in the claim, in yuan (e.g. 99.00)."),
    units: int = typer.Option(..., max=MAX_QUANTITY, help="Units bought."),
    damaged: int = typer.Option(..., help="Units that arrived damaged."),
    per_unit_pledge: bool = typer.Option(False, "--per-unit-pledge", help="The shop pledges to pay every damaged unit."),
    at: str = typer.Option("", help="When the claim is made (ISO-8601), to pick the clauses in force; default now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What does a damage claim (坏了包退) refund? By the share of damaged units
    (douyin:aJn4bujNmDDo): up to 30% → 30%, up to 50% → 50%, more → 100% of the amount paid."""
    @_guard
    def run() -> None:
        from pledge.aftersales.policy import ShopPledge, damage_refund
        book = load(rulebook)
        paid_fen = parse_yuan(paid)
        if paid_fen <= 0:
            raise InvalidInput("--paid must be a positive amount")
        if units < 1:
            raise InvalidInput("--units must be at least 1")
        if not 1 <= damaged <= units:
            raise InvalidInput(f"--damaged must be between 1 and --units ({units})")
        when = parse_iso(at) if at else datetime.now(UTC)
        quote = damage_refund(book, paid_fen=paid_fen, units=units, damaged=damaged, at=when,
                              pledge=ShopPledge(per_unit_damage=per_unit_pledge))
        _emit(as_json, {"amount_fen": quote.amount_fen, "share_bp": quote.share_bp, "clause": quote.clause.id},
              f"{format_yuan(quote.amount_fen)} yuan — {quote.explanation}")
    run()


@quote_app.command("commission")
def quote_commission(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    category: str = typer.Option(..., help="Category name as the rate table or the catalog writes it, e.g. 鲜花园艺 or 水果蔬菜."),
    parent: str = typer.Option("", help="Its first-level category, used when the table does not name the category itself."),
    paid: str = typer.Option(..., help="Amount the buyer paid incl. shipping, in yuan (e.g. 100.00)."),
    platform_coupon: str = typer.Option("0", "--platform-coupon", help="Platform-funded coupons, in yuan (counted)."),
    creator_coupon: str = typer.Option("0", "--creator-coupon", help="Creator-funded coupons, in yuan (counted)."),
    payment_subsidy: str = typer.Option("0", "--payment-subsidy", help="Payment subsidies, in yuan (counted)."),
    merchant_coupon: str = typer.Option("0", "--merchant-coupon", help="Merchant-funded discounts, in yuan (not counted)."),
    channel: str = typer.Option("product_card", help="live_room, short_video, product_card, search or showcase."),
    at: str = typer.Option("", help="When the order was paid (ISO-8601), to pick the rates in force; default now."),
    shop: int = typer.Option(0, min=0, max=MAX_ID, help="A shop id: also apply the operator programs (waivers) this shop would get, "
                                     "read from the database (PLEDGE_DATABASE_URL)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The commission (技术服务费) on an order: base × the category's rate in force
    (douyin:aJmYzDVDDjey). With --shop, the lowest waiver the shop qualifies for on that channel
    replaces the rate (a product-card waiver lowers product-card orders only) and is named as "program"."""
    @_guard
    def run() -> None:
        from pledge.orders.services import CHANNELS
        from pledge.settlement.policy import base_rate, commission_base, fee_of
        if channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
        book = load(rulebook)
        when = parse_iso(at, book.timezone) if at else datetime.now(UTC)
        base = commission_base(parse_yuan(paid), platform_coupon_fen=parse_yuan(platform_coupon),
                               creator_coupon_fen=parse_yuan(creator_coupon), payment_subsidy_fen=parse_yuan(payment_subsidy),
                               merchant_discount_fen=parse_yuan(merchant_coupon))
        categories = [c for c in (category.strip(), parent.strip()) if c]
        clause = base_rate(book, categories, when)
        rate, program = int(clause.get("rate_bp")), None
        if shop:
            rate, program = _shop_rate(book, shop, categories, channel, when)
        amount = fee_of(base, rate)
        data = {"amount_fen": amount, "rate_bp": rate, "base_fen": base, "clause": clause.id}
        if shop:
            data["program"] = program
        waived = f", waived by program {program}" if program else ""
        _emit(as_json, data,
              f"{format_yuan(amount)} yuan = {format_yuan(base)} × {format_rate(rate)} ({clause.id}, {clause.source}{waived})")
    run()


def _shop_rate(book, shop_id: int, categories: list[str], channel: str, when: datetime) -> tuple[int, str | None]:  # noqa: ANN001
    """The rate this shop would pay on that channel at `when`, after the programs in the database."""
    from pledge.bootstrap import build
    from pledge.settlement import policy
    from pledge.settlement import services as settlement
    app = build()
    try:
        month = settlement.month_of(when, book.timezone)
        with app.uow.read() as conn:
            programs = settlement.load_programs(conn)
            facts = settlement.shop_facts(conn, {shop_id}, {month}, book, {channel})[shop_id]
    finally:
        app.uow.engine.dispose()
    line = policy.line_rate(book, programs, facts, categories=categories, shop_id=shop_id, channel=channel, paid_at=when,
                            month=month)
    return line.rate_bp, (f"{line.program.code} v{line.program.version}" if line.program else None)
