"""`pledge quote ...`: answer a rule question from the rulebook alone, no database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import typer

from pledge.cli.quote_affiliate import quote_affiliate
from pledge.cli.run import run_domain
from pledge.kernel.clock import UTC, parse_duration, parse_iso, zone
from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_DAYS, MAX_ID, MAX_QUANTITY
from pledge.kernel.money import format_rate, format_yuan, parse_yuan
from pledge.lateship.policy import LateShipQuote, quote_late_ship
from pledge.promises.model import Promise
from pledge.promises.policy import ship_by
from pledge.rulebooks.loader import load

quote_app = typer.Typer(
    help="Quote what a rulebook says, without touching the database.", no_args_is_help=True
)
quote_app.command("affiliate")(quote_affiliate)


def _emit(as_json: bool, data: dict, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


def _guard(fn):
    return lambda *a, **k: run_domain(fn, *a, **k)


@quote_app.command("ship-by")
def quote_ship_by(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD"),
    paid_at: str = typer.Option(..., "--paid-at", help="ISO-8601; without offset = the timezone below."),
    timezone: str = typer.Option(
        "",
        "--tz",
        help="Timezone of a --paid-at without offset; default the rulebook's. "
        "The deadline itself is always the platform's (the rulebook's zone).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """When must an order paid at --paid-at ship? Days and the 16:00 cut-off are platform time."""

    @_guard
    def run() -> None:
        book = load(rulebook)
        tz = timezone or book.timezone
        zone(tz)
        paid = parse_iso(paid_at, tz)
        deadline, clause = ship_by(book, Promise.parse(promise), paid)
        local = deadline.astimezone(zone(book.timezone))
        _emit(
            as_json,
            {"ship_by": local.isoformat(), "clause": clause.id, "timezone": book.timezone},
            f"ship by {local.isoformat()} ({clause.id}, {clause.source})",
        )

    run()


def _late_ship_data(quote: LateShipQuote | None) -> dict[str, Any]:
    """The JSON answer of `quote late-ship`: the total, each paying part with its clause."""
    if quote is None:
        return {"amount_fen": 0, "parts": [], "clause": "", "explanation": "shipped on time: no compensation"}
    parts = [
        {"clause": p.clause.id, "amount_fen": p.amount_fen, "source": p.clause.source, "rule": p.rule}
        for p in quote.parts
        if p.clause is not None and p.amount_fen > 0
    ]
    return {
        "amount_fen": quote.amount_fen,
        "parts": parts,
        "clause": quote.clause.id if quote.clause else "",
        "explanation": quote.explanation_en,
    }


@quote_app.command("late-ship")
def quote_late(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="The promise span, e.g. 48h or 72h."),
    paid: str = typer.Option(..., help="Amount the buyer paid, in yuan (e.g. 150.00)."),
    late: str = typer.Option(..., help="How late it shipped, e.g. 50h or 2d."),
    at: str = typer.Option(
        "",
        help="When the order was paid (ISO-8601; without offset = the rulebook's zone), to "
        "pick the clauses in force then; default now.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What does the buyer receive in all for a parcel shipped --late after its deadline? The
    late-ship cell as soon as it is late and, more than 48 h late, the out-of-stock deduction in
    addition (douyin:aJoPPkWZ7VQM, douyin:aHwHGWzbmk88): each part with its clause."""

    @_guard
    def run() -> None:
        book = load(rulebook)
        span = Promise.parse(promise)
        if span.kind != "hours" or span.hours is None:
            raise InvalidInput("for a late-ship quote give the promise as hours, e.g. 48h or 72h")
        paid_fen = parse_yuan(paid)
        if paid_fen <= 0:
            raise InvalidInput("--paid must be a positive amount")
        late_by = parse_duration(late)
        paid_at = parse_iso(at, book.timezone) if at else datetime.now(UTC)
        deadline = paid_at + timedelta(hours=span.hours)
        quote = quote_late_ship(
            book,
            paid_fen=paid_fen,
            paid_at=paid_at,
            ship_by_at=deadline,
            shipped_at=deadline + late_by,
            now=deadline + late_by,
        )
        data = _late_ship_data(quote)
        data["paid_at"] = paid_at.isoformat()
        _emit(as_json, data, f"{format_yuan(data['amount_fen'])} yuan — {data['explanation']}")

    run()


FLAG_ALIASES = {
    "perishable": "perishable",
    "fresh": "perishable",
    "custom_made": "custom_made",
    "custom": "custom_made",
    "custom-made": "custom_made",
    "blind_box": "blind_box",
    "blind-box": "blind_box",
}


def _flags(text: str) -> set[str]:
    found = set()
    for raw in (f.strip().lower() for f in text.split(",")):
        if not raw:
            continue
        if raw not in FLAG_ALIASES:
            raise InvalidInput(
                f"unknown product flag {raw!r}; use perishable, custom_made (or custom), blind_box"
            )
        found.add(FLAG_ALIASES[raw])
    return found


@quote_app.command("return-window")
def quote_return_window(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    signed_at: str = typer.Option(
        ..., "--signed-at", help="When the parcel was signed for (ISO-8601; without offset = --tz)."
    ),
    flags: str = typer.Option(
        "", help="Comma-separated product flags: perishable, custom_made (or custom), blind_box."
    ),
    timezone: str = typer.Option(
        "Asia/Shanghai",
        "--tz",
        help="The zone of times given without an offset. The 7 days "
        "start at the platform's midnight (the rulebook's zone), "
        "whatever the shop's own zone.",
    ),
    now: str = typer.Option(
        "",
        help="Is the window still open at this time? ISO-8601; default: --signed-at, so the "
        "answer describes the window itself (excluded goods are never eligible).",
    ),
    extra_hours: int = typer.Option(
        0, "--extra-hours", max=24 * MAX_DAYS, help="Hours a shop pledge adds to the window."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Can goods signed for at --signed-at be returned without a reason, and until when?

    168 h from 00:00 platform time (Asia/Shanghai) of the day after sign-off (douyin:aJmEsBoSPU5g);
    perishable and custom-made goods are excluded (Consumer Protection Law Art. 25). "eligible"
    answers whether the window is open at --now; the deadline is given in platform time."""

    @_guard
    def run() -> None:
        from pledge.aftersales.policy import ShopPledge, no_reason_return

        book = load(rulebook)
        signed = parse_iso(signed_at, timezone)
        at = parse_iso(now, timezone) if now else signed
        found = no_reason_return(
            book,
            flags=_flags(flags),
            signed_at=signed,
            now=at,
            pledge=ShopPledge(return_window_extra_hours=extra_hours),
        )
        deadline = found.deadline.astimezone(zone(book.timezone)).isoformat() if found.deadline else None
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
    category: str = typer.Option(
        "",
        help="The product's category (e.g. 水果蔬菜, 海鲜水产, 雨伞); "
        "omitted: one the 坏了包退 guarantee covers.",
    ),
    parent: str = typer.Option("", help="Its first-level category, when --category is a sub-category."),
    reason: str = typer.Option(
        "damaged", help="damaged, thawed_dead, visible_rot, internal_rot or insect_damage."
    ),
    badge: bool = typer.Option(
        True, "--badge/--no-badge", help="Whether the product carried the 坏了包退 badge."
    ),
    per_unit_pledge: bool = typer.Option(
        False, "--per-unit-pledge", help="The shop pledges to pay every damaged unit."
    ),
    table_pledge: bool = typer.Option(
        False, "--table-pledge", help="The shop pledges to keep the 坏了包退 share table."
    ),
    at: str = typer.Option(
        "",
        help="When the order was paid (ISO-8601; without offset: the rulebook's zone), "
        "to pick the clauses in force; default now.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Is a damage claim paid, by whom and how much? The 坏了包退 guarantee (douyin:aJn4bujNmDDo)
    covered badged 水果蔬菜 / 肉禽蛋品 / 冷冻/冷藏制品 / 海鲜水产 goods of orders paid from 2024-12-04
    and is withdrawn for orders paid from 2026-07-06; it refunds by the share of damaged units
    (up to 30% → 30%, up to 50% → 50%, more → 100%). Otherwise only a shop's own pledge pays.
    Answers {"eligible": false, "reason"} where no clause applies."""

    run_domain(
        _damage_refund_answer,
        rulebook,
        paid=paid,
        units=units,
        damaged=damaged,
        categories=[c.strip() for c in (category, parent) if c.strip()],
        reason=reason,
        badge=badge,
        pledge_terms=(per_unit_pledge, table_pledge),
        at=at,
        as_json=as_json,
    )


def _damage_refund_answer(
    rulebook: str,
    *,
    paid: str,
    units: int,
    damaged: int,
    categories: list[str],
    reason: str,
    badge: bool,
    pledge_terms: tuple[bool, bool],
    at: str,
    as_json: bool,
) -> None:
    """`quote damage-refund` once its options are read; pledge_terms: (per unit, share table)."""
    from pledge.aftersales.policy import ShopPledge, damage_cover, damage_reasons, damage_refund

    book = load(rulebook)
    paid_fen = parse_yuan(paid)
    if paid_fen <= 0:
        raise InvalidInput("--paid must be a positive amount")
    if units < 1:
        raise InvalidInput("--units must be at least 1")
    if not 1 <= damaged <= units:
        raise InvalidInput(f"--damaged must be between 1 and --units ({units})")
    when = parse_iso(at, book.timezone) if at else datetime.now(UTC)
    categories = categories or _guaranteed_category(book, when)
    pledge = ShopPledge(per_unit_damage=pledge_terms[0], damage_share_table=pledge_terms[1])
    fitting = damage_reasons(book, categories, when)
    if reason not in fitting:
        why = f"{reason} does not fit {'/'.join(categories)} goods; "
        why += f"damage reasons for them: {', '.join(fitting)}"
        return _emit(as_json, {"eligible": False, "amount_fen": 0, "reason": why}, f"not paid — {why}")
    cover = damage_cover(
        book, categories=categories, badged=badge, paid_at=when, reason=reason, pledge=pledge
    )
    if cover.basis is None:
        data = {"eligible": False, "amount_fen": 0, "reason": cover.reason}
        return _emit(as_json, data, f"not paid — {cover.reason}")
    quote = damage_refund(
        book, paid_fen=paid_fen, units=units, damaged=damaged, at=when, pledge=pledge, basis=cover.basis
    )
    data = {
        "eligible": True,
        "amount_fen": quote.amount_fen,
        "share_bp": quote.share_bp,
        "clause": quote.clause.id,
        "source": quote.clause.source,
        "basis": cover.basis,
    }
    _emit(as_json, data, f"{format_yuan(quote.amount_fen)} yuan — {quote.explanation}")


def _guaranteed_category(book, when: datetime) -> list[str]:
    """Without --category: the first category the guarantee (as last published) covers."""
    groups = [c for c in book.clauses if c.kind == "damage_service"]
    names = [
        n
        for g in book.in_force("damage_category_group", when)
        if groups and g.get("group") in groups[0].get("groups", [])
        for n in g.get("official", [])
    ]
    return names[:1] or ["(none)"]


@quote_app.command("commission")
def quote_commission(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    category: str = typer.Option(
        ..., help="Category name as the rate table or the catalog writes it, e.g. 鲜花园艺 or 水果蔬菜."
    ),
    parent: str = typer.Option(
        "", help="Its first-level category, used when the table does not name the category itself."
    ),
    paid: str = typer.Option(..., help="Amount the buyer paid incl. shipping, in yuan (e.g. 100.00)."),
    platform_coupon: str = typer.Option(
        "0", "--platform-coupon", help="Platform-funded coupons, in yuan (counted)."
    ),
    creator_coupon: str = typer.Option(
        "0", "--creator-coupon", help="Creator-funded coupons, in yuan (counted)."
    ),
    payment_subsidy: str = typer.Option(
        "0", "--payment-subsidy", help="Payment subsidies, in yuan (counted)."
    ),
    merchant_coupon: str = typer.Option(
        "0", "--merchant-coupon", help="Merchant-funded discounts, in yuan (not counted)."
    ),
    channel: str = typer.Option(
        "product_card", help="live_room, short_video, product_card, search or showcase."
    ),
    at: str = typer.Option(
        "", help="When the order was paid (ISO-8601), to pick the rates in force; default now."
    ),
    shop: int = typer.Option(
        0,
        min=0,
        max=MAX_ID,
        help="A shop id: also apply the operator programs (waivers) this shop would get, "
        "read from the database (PLEDGE_DATABASE_URL).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The commission (技术服务费) on an order: base × the category's rate in force
    (douyin:aJmYzDVDDjey). With --shop, the lowest waiver the shop qualifies for on that channel
    replaces the rate (a product-card waiver lowers product-card orders only) and is named as "program"."""

    amounts = {
        "paid": paid,
        "platform_coupon": platform_coupon,
        "creator_coupon": creator_coupon,
        "payment_subsidy": payment_subsidy,
        "merchant_coupon": merchant_coupon,
    }
    categories = [c for c in (category.strip(), parent.strip()) if c]
    run_domain(_commission_answer, rulebook, amounts, categories, channel, at, shop, as_json)


def _commission_answer(
    rulebook: str,
    amounts: dict[str, str],
    categories: list[str],
    channel: str,
    at: str,
    shop: int,
    as_json: bool,
) -> None:
    """`quote commission` once its options are read (`amounts` in yuan, by option name)."""
    from pledge.orders.services import CHANNELS
    from pledge.settlement.policy import base_rate, commission_base, fee_of

    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    book = load(rulebook)
    when = parse_iso(at, book.timezone) if at else datetime.now(UTC)
    base = commission_base(
        parse_yuan(amounts["paid"]),
        platform_coupon_fen=parse_yuan(amounts["platform_coupon"]),
        creator_coupon_fen=parse_yuan(amounts["creator_coupon"]),
        payment_subsidy_fen=parse_yuan(amounts["payment_subsidy"]),
        merchant_discount_fen=parse_yuan(amounts["merchant_coupon"]),
    )
    clause = base_rate(book, categories, when)
    rate, program = int(clause.get("rate_bp")), None
    if shop:
        rate, program = _shop_rate(book, shop, categories, channel, when)
    amount = fee_of(base, rate)
    data: dict[str, Any] = {"amount_fen": amount, "rate_bp": rate, "base_fen": base, "clause": clause.id}
    if shop:
        data["program"] = program
    waived = f", waived by program {program}" if program else ""
    text = f"{format_yuan(amount)} yuan = {format_yuan(base)} × {format_rate(rate)} "
    _emit(as_json, data, text + f"({clause.id}, {clause.source}{waived})")


def _shop_rate(
    book, shop_id: int, categories: list[str], channel: str, when: datetime
) -> tuple[int, str | None]:
    """The rate this shop would pay on that channel at `when`, after the programs in the database."""
    from pledge.bootstrap import build
    from pledge.settlement import fees, policy
    from pledge.settlement import programs as program_cases

    app = build()
    try:
        month = fees.month_of(when, book.timezone)
        with app.uow.read() as conn:
            programs = program_cases.load_programs(conn)
            facts = fees.shop_facts(conn, {shop_id}, {month}, book, {channel})[shop_id]
    finally:
        app.uow.engine.dispose()
    line = policy.line_rate(
        book,
        programs,
        facts,
        categories=categories,
        shop_id=shop_id,
        channel=channel,
        paid_at=when,
        month=month,
    )
    return line.rate_bp, (f"{line.program.code} v{line.program.version}" if line.program else None)


@quote_app.command("deposit")
def quote_deposit(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    last_month_gmv: str = typer.Option(
        ..., "--last-month-gmv", help="Paid GMV of the last natural month, in yuan."
    ),
    zero_entry: bool = typer.Option(
        False, "--zero-entry", help="The shop is on 0元入驻 (no ordinary base deposit)."
    ),
    category: str = typer.Option(
        "", help="A category the shop sells in (and has sold in the last 30 days), e.g. 花卉盆栽."
    ),
    parent: str = typer.Option(
        "", help="Its parent category, used when the tables do not name the category itself."
    ),
    at: str = typer.Option("", help="When (ISO-8601), to pick the clauses in force; default now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The deposit (保证金) a shop owes (douyin:aJngrvusHLew): the base deposit by last month's paid
    GMV (500 / 2 000 / 5 000 yuan; none on 0元入驻; a special category's own base amount), plus the
    experience deposit of a special category it sells (花卉盆栽 5 000 yuan …)."""

    @_guard
    def run() -> None:
        from pledge.settlement.deposits import quote_deposit as quote

        book = load(rulebook)
        when = parse_iso(at, book.timezone) if at else datetime.now(UTC)
        names = [[category.strip(), parent.strip()]] if category.strip() else []
        due = quote(
            book,
            gmv_fen=parse_yuan(last_month_gmv),
            zero_entry=zero_entry,
            listed=names,
            sold_recently=names,
            at=when,
        )
        experience = [p for p in due.parts if p.kind == "experience"]
        data = {
            "amount_fen": due.amount_fen,
            "clause": due.base.clause.id,
            "source": due.base.clause.source,
            "base_fen": due.base.amount_fen,
            "base_clause": due.base.clause.id,
            "category_fen": due.part_fen("experience"),
            "category_clause": experience[0].clause.id if experience else None,
            "parts": [
                {"kind": p.kind, "clause": p.clause.id, "amount_fen": p.amount_fen, "source": p.clause.source}
                for p in due.parts
            ],
        }
        words = " + ".join(f"{format_yuan(p.amount_fen)} ({p.kind}, {p.clause.id})" for p in due.parts)
        _emit(as_json, data, f"{format_yuan(due.amount_fen)} yuan = {words}")

    run()


@quote_app.command("settle-date")
def quote_settle_date(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    category: str = typer.Option(
        "", help="The order's category, e.g. 花卉盆栽 (empty: an ordinary category)."
    ),
    parent: str = typer.Option(
        "", help="Its parent category, used when the table does not name the category itself."
    ),
    confirmed_at: str = typer.Option(
        ..., "--confirmed-at", help="When receipt was confirmed (ISO-8601; without offset = Beijing time)."
    ),
    zero_entry: bool = typer.Option(False, "--zero-entry", help="The shop is on 0元入驻 (21 days)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """When an order's proceeds become available (douyin:aJoPPkWZ6ehX): 3 days after confirmed
    receipt; the category table's longer periods (花卉盆栽, 种球, 月季/蔷薇/玫瑰: 15 days); 21 days
    on 0元入驻. Days count from the moment of confirmation (accounts.available.counting)."""

    @_guard
    def run() -> None:
        from pledge.settlement.availability import available_at

        book = load(rulebook)
        confirmed = parse_iso(confirmed_at, book.timezone)
        names = [[category.strip(), parent.strip()]] if category.strip() else []
        found = available_at(book, names, confirmed_at=confirmed, zero_entry=zero_entry)
        local = found.available_at.astimezone(zone(book.timezone))
        data = {
            "available_at": local.isoformat(),
            "clause": found.clause.id,
            "source": found.clause.source,
            "days": found.days,
            "counted_from": "confirmed_at",
            "counting_clause": found.counting.id,
            "explanation": found.explanation(),
        }
        _emit(
            as_json,
            data,
            f"available from {local.isoformat()} — {found.explanation()} ({found.counting.text_en})",
        )

    run()
