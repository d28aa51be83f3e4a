"""Deposits (保证金管理规范, douyin:aJngrvusHLew). What a shop owes:

- a **base** deposit by the last natural month's paid GMV ([0, 50 000] → 500, (50 000, 100 000]
  → 2 000, above → 5 000 yuan), none for a 0元入驻 shop; the new tier applies from the 8th of the
  month (`deposit.base.adjustment`), so before the 8th the month before last still counts;
  a shop selling in a category of the special base table owes that table's amount instead;
- an **experience** deposit on top, while the shop had a paid order in a category of the special
  experience table in the last 30 days (花卉盆栽 5 000 yuan, 鲜榴莲 100 000 yuan …).

When the deposit is short (2.5): below what is owed → payouts refused (`deposit.short.payouts`);
below zero (the platform advanced a shortfall, 2.2.2) with something owed and not paid up
within 48 h → new listings and checkout refused too (`deposit.short.negative-48h`), until it is
topped up to what is owed. The 48 h clock lives in settlement_shop_terms, so checkout and listing
read one row and need no rulebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from pledge.accounts.services import Actor, require_platform
from pledge.catalog.tables import categories, products, shops
from pledge.kernel.clock import zone
from pledge.kernel.db import dialect_insert, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.settlement import policy
from pledge.settlement.accounts import BANK, FINANCE_ROLES, deposit, lock_shop
from pledge.settlement.tables import deposits, shop_terms

NEGATIVE_48H = "deposit.short.negative-48h"


class DepositShort(Conflict):
    code = "deposit_short"
    title = "The shop's deposit is short"


@dataclass(frozen=True)
class DepositPart:
    kind: str  # base | experience
    amount_fen: int
    clause: Clause
    category: str | None = None

    def view(self) -> dict:
        return {
            "kind": self.kind,
            "amount_fen": self.amount_fen,
            "clause": self.clause.id,
            "source": self.clause.source,
            "category": self.category,
            "text": self.clause.text,
            "text_en": self.clause.text_en,
        }


@dataclass(frozen=True)
class DepositDue:
    parts: tuple[DepositPart, ...]
    gmv_month: str
    gmv_fen: int

    @property
    def amount_fen(self) -> int:
        return sum(p.amount_fen for p in self.parts)

    @property
    def base(self) -> DepositPart:
        return self.parts[0]

    def part_fen(self, kind: str) -> int:
        return sum(p.amount_fen for p in self.parts if p.kind == kind)


# ------------------------------------------------------------------ the rule, no database


def gmv_month(book: Rulebook, at: datetime) -> str:
    """The month whose paid GMV sets the base deposit at `at`: last month from the update day on
    (the 8th), the month before it until then."""
    clause = policy.clauses_at(book, "deposit_adjustment", at)[0]
    local = at.astimezone(zone(book.timezone))
    last = policy.previous_month(local.strftime("%Y-%m"))
    return last if local.day >= int(clause.get("update_day")) else policy.previous_month(last)


def next_update(book: Rulebook, at: datetime) -> datetime | None:
    """Between the notice (the 1st) and the update (the 8th): when last month's tier takes effect."""
    clause = policy.clauses_at(book, "deposit_adjustment", at)[0]
    local = at.astimezone(zone(book.timezone))
    if local.day >= int(clause.get("update_day")):
        return None
    return local.replace(day=int(clause.get("update_day")), hour=0, minute=0, second=0, microsecond=0)


def base_tier(book: Rulebook, gmv_fen: int, at: datetime) -> Clause:
    for clause in policy.clauses_at(book, "deposit_base_tier", at):
        if int(clause.get("gmv_over_fen", -1)) < gmv_fen <= int(clause.get("gmv_up_to_fen", gmv_fen)):
            return clause
    raise NotFound(f"rulebook {book.name} has no base deposit tier for a GMV of {format_yuan(gmv_fen)} yuan")


def quote_deposit(
    book: Rulebook,
    *,
    gmv_fen: int,
    zero_entry: bool,
    listed: list[list[str]],
    sold_recently: list[list[str]],
    at: datetime,
    month: str = "",
) -> DepositDue:
    """What a shop owes. `listed`: the categories it sells in (each [category, parent]); `sold_recently`:
    those with a paid order in the experience window."""
    if type(gmv_fen) is not int or gmv_fen < 0:
        raise InvalidInput(f"GMV must be a non-negative amount of fen, got {gmv_fen!r}")
    ordinary = (
        policy.clauses_at(book, "deposit_zero_entry", at)[0] if zero_entry else base_tier(book, gmv_fen, at)
    )
    base = DepositPart("base", int(ordinary.get("amount_fen")), ordinary)
    special_base = policy.clauses_at(book, "deposit_category_base", at)
    for names in listed:
        found = policy.highest_listed(special_base, names, "amount_fen")
        if found is not None and int(found.get("amount_fen")) > base.amount_fen:
            base = DepositPart("base", int(found.get("amount_fen")), found, names[0])
    experience: DepositPart | None = None
    table = policy.clauses_at(book, "deposit_category_experience", at)
    for names in sold_recently:
        found = policy.highest_listed(table, names, "amount_fen")
        if found is not None and (experience is None or int(found.get("amount_fen")) > experience.amount_fen):
            experience = DepositPart("experience", int(found.get("amount_fen")), found, names[0])
    return DepositDue((base,) + ((experience,) if experience else ()), month, gmv_fen)


# ------------------------------------------------------------------ a shop's deposit


def is_zero_entry(conn: Connection, shop_id: int) -> bool:
    return bool(conn.execute(select(shop_terms.c.zero_entry).where(shop_terms.c.shop_id == shop_id)).scalar())


def zero_entry_shops(conn: Connection, shop_ids: set[int]) -> set[int]:
    return set(
        conn.execute(
            select(shop_terms.c.shop_id).where(
                shop_terms.c.shop_id.in_(shop_ids), shop_terms.c.zero_entry.is_(True)
            )
        ).scalars()
    )


def paid_gmv(conn: Connection, shop_id: int, month: str, tz: str) -> int:
    """What buyers paid for the shop's orders paid in the month (deposit.base.gmv-measure)."""
    start, end = policy.month_bounds(month, tz)
    return int(
        conn.execute(
            select(func.coalesce(func.sum(orders.c.paid_fen), 0)).where(
                orders.c.shop_id == shop_id, orders.c.paid_at >= start, orders.c.paid_at < end
            )
        ).scalar_one()
    )


def _category_names(conn: Connection, query) -> list[list[str]]:
    return [[r.name, r.parent_name] for r in conn.execute(query)]


def _names_query(parent):
    return (
        select(categories.c.name, parent.c.name.label("parent_name"))
        .distinct()
        .outerjoin(parent, parent.c.id == categories.c.parent_id)
    )


def required_deposit(conn: Connection, book: Rulebook, shop_id: int, at: datetime) -> DepositDue:
    """What the shop owes at `at`: its GMV tier (or 0元入驻), its special categories."""
    parent = aliased(categories)
    month = gmv_month(book, at)
    listed = _category_names(
        conn,
        _names_query(parent)
        .join(products, products.c.category_id == categories.c.id)
        .where(products.c.shop_id == shop_id, products.c.active.is_(True)),
    )
    window = int(policy.clauses_at(book, "deposit_category_rule", at)[0].get("experience_window_days"))
    sold = _category_names(
        conn,
        _names_query(parent)
        .join(products, products.c.category_id == categories.c.id)
        .join(order_lines, order_lines.c.product_id == products.c.id)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(
            orders.c.shop_id == shop_id,
            orders.c.paid_at > at - timedelta(days=window),
            orders.c.paid_at <= at,
        ),
    )
    return quote_deposit(
        book,
        gmv_fen=paid_gmv(conn, shop_id, month, book.timezone),
        zero_entry=is_zero_entry(conn, shop_id),
        listed=listed,
        sold_recently=sold,
        at=at,
        month=month,
    )


def check_payouts_allowed(conn: Connection, book: Rulebook, shop_id: int, at: datetime) -> None:
    """Payouts are refused while the deposit holds less than the shop owes (deposit.short.payouts)."""
    due = required_deposit(conn, book, shop_id, at)
    held = ledger.balance(conn, deposit(shop_id))
    if held < due.amount_fen:
        clause = policy.clauses_at(book, "deposit_shortfall", at)
        short = next(c for c in clause if c.id == "deposit.short.payouts")
        raise DepositShort(
            f"payouts are paused: the deposit holds {format_yuan(held)} yuan, less than the "
            f"{format_yuan(due.amount_fen)} yuan owed ({short.id}, {short.source}: {short.text_en})",
            clause=short.id,
            deposit_fen=held,
            owed_fen=due.amount_fen,
        )


def restricted_since(conn: Connection, shop_id: int, at: datetime) -> datetime | None:
    """When listing and selling were limited for a deposit below zero (None: they are not)."""
    row = conn.execute(select(shop_terms.c.restricted_from).where(shop_terms.c.shop_id == shop_id)).first()
    return row.restricted_from if row and row.restricted_from and row.restricted_from <= at else None


def assert_may_sell(
    conn: Connection, shop_ids: set[int] | list[int], *, at: datetime, action: str = "sell"
) -> None:
    """Checkout (action "sell") and new listings ("list") of a shop whose deposit has been below
    zero for 48 h are refused with a 409 naming the clause (deposit.short.negative-48h)."""
    if not shop_ids:
        return
    t = shop_terms.c
    for row in conn.execute(
        select(t.shop_id, t.restricted_from, shops.c.name)
        .join(shops, shops.c.id == t.shop_id)
        .where(t.shop_id.in_(list(shop_ids)), t.restricted_from.is_not(None), t.restricted_from <= at)
        .order_by(t.shop_id)
    ):
        what = "take orders" if action == "sell" else "list new products"
        raise DepositShort(
            f"{row.name} cannot {what}: its deposit has been below zero for more than 48 hours and has "
            f"not been topped up to the amount owed ({NEGATIVE_48H}, douyin:aJngrvusHLew 2.5)",
            clause=NEGATIVE_48H,
            shop_id=row.shop_id,
            since=row.restricted_from.isoformat(),
        )


def may_refuse_sale(
    shop_id: ColumnElement[int], product_id: ColumnElement[int], at: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """refuse_sale_while_short's probe (catalog.guards.Probed): the shop's selling is restricted."""
    t = shop_terms.c
    return select(t.shop_id).where(t.shop_id == shop_id, t.restricted_from <= at).exists()


def refuse_sale_while_short(conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None:
    """The SaleGuard wired into checkout and flash deals (catalog.guards)."""
    assert_may_sell(conn, set(shop_products), at=at)


def refuse_listing_while_short(conn: Connection, shop_id: int, *, at: datetime) -> None:
    """The ListingGuard wired into new listings (catalog.guards)."""
    assert_may_sell(conn, [shop_id], at=at, action="list")


def _terms_row(conn: Connection, shop_id: int, at: datetime) -> None:
    conn.execute(
        dialect_insert(conn)(shop_terms).on_conflict_do_nothing(index_elements=["shop_id"]),
        {"shop_id": shop_id, "zero_entry": False, "updated_at": at},
    )


def note_balance(conn: Connection, book: Rulebook, shop_id: int, at: datetime) -> None:
    """After the deposit moved: start the 48 h clock when it went below zero with something owed,
    stop it (and lift the limits) once it holds what is owed again."""
    held = ledger.balance(conn, deposit(shop_id))
    row = conn.execute(select(shop_terms).where(shop_terms.c.shop_id == shop_id)).first()
    owed = required_deposit(conn, book, shop_id, at).amount_fen
    if held < 0 and owed > 0 and (row is None or row.negative_since is None):
        hours = int(
            next(c for c in policy.clauses_at(book, "deposit_shortfall", at) if c.id == NEGATIVE_48H).get(
                "hours"
            )
        )
        _terms_row(conn, shop_id, at)
        conn.execute(
            shop_terms.update()
            .where(shop_terms.c.shop_id == shop_id, shop_terms.c.negative_since.is_(None))
            .values(
                negative_since=at, restricted_from=at + timedelta(hours=hours), owed_fen=owed, updated_at=at
            )
        )
    elif row is not None and row.negative_since is not None and (held >= owed or owed == 0):
        conn.execute(
            shop_terms.update()
            .where(shop_terms.c.shop_id == shop_id)
            .values(negative_since=None, restricted_from=None, owed_fen=None, updated_at=at)
        )


def review_shortfalls(conn: Connection, book: Rulebook, at: datetime) -> int:
    """The worker's look at shops on the 48 h clock (what is owed changes on the 8th, with a
    0元入驻 decision or a category): lift the limits of those that now hold what they owe."""
    waiting = list(
        conn.execute(select(shop_terms.c.shop_id).where(shop_terms.c.negative_since.is_not(None))).scalars()
    )
    for shop_id in waiting:
        note_balance(conn, book, shop_id, at)
    return len(waiting)


def set_zero_entry(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    *,
    zero_entry: bool,
    at: datetime,
    book: Rulebook | None = None,
) -> dict:
    """Finance records whether the shop is on 0元入驻 (no base deposit, 21-day settlement)."""
    require_platform(actor, *FINANCE_ROLES)
    if type(zero_entry) is not bool:
        raise InvalidInput("zero_entry is true or false")
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    _terms_row(conn, shop_id, at)
    conn.execute(
        shop_terms.update()
        .where(shop_terms.c.shop_id == shop_id)
        .values(zero_entry=zero_entry, updated_by=actor.user_id, updated_at=at)
    )
    if book is not None:
        note_balance(conn, book, shop_id, at)
    return {"shop_id": shop_id, "zero_entry": zero_entry}


def top_up_deposit(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    *,
    amount_fen: int,
    reference: str,
    at: datetime,
    book: Rulebook | None = None,
) -> int:
    """Finance records a bank transfer into the deposit (deposit:{id}); with the rulebook, the
    limits of a short deposit are lifted once it holds what is owed (2.5)."""
    require_platform(actor, *FINANCE_ROLES)
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            f"a deposit must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}"
        )
    if not reference.strip():
        raise InvalidInput("a deposit needs the bank transfer's reference")
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    if conn.execute(
        select(deposits.c.id).where(deposits.c.shop_id == shop_id, deposits.c.reference == reference.strip())
    ).first():
        raise Conflict(f"transfer {reference.strip()} is already recorded for shop {shop_id}")
    lock_shop(conn, shop_id)
    deposit_id = inserted_id(
        conn,
        deposits.insert().values(
            shop_id=shop_id,
            amount_fen=amount_fen,
            reference=reference.strip(),
            created_by=actor.user_id,
            created_at=at,
        ),
    )
    ledger.record(
        conn,
        key=f"deposit:{deposit_id}",
        kind="deposit",
        memo=f"deposit transfer {reference.strip()}",
        postings=[ledger.Posting(BANK, deposit(shop_id), amount_fen)],
        at=at,
    )
    if book is not None:
        note_balance(conn, book, shop_id, at)
    else:
        _lift_if_paid_up(conn, shop_id, at)
    return deposit_id


def _lift_if_paid_up(conn: Connection, shop_id: int, at: datetime) -> None:
    """Without a rulebook at hand: compare with what was owed when the clock started."""
    row = conn.execute(select(shop_terms).where(shop_terms.c.shop_id == shop_id)).first()
    if (
        row is not None
        and row.negative_since is not None
        and ledger.balance(conn, deposit(shop_id)) >= (row.owed_fen or 0)
    ):
        conn.execute(
            shop_terms.update()
            .where(shop_terms.c.shop_id == shop_id)
            .values(negative_since=None, restricted_from=None, owed_fen=None, updated_at=at)
        )


def deposit_view(conn: Connection, book: Rulebook, shop_id: int, at: datetime) -> dict:
    """For the balance page and API: what is held, owed and why, and the limits in force."""
    due = required_deposit(conn, book, shop_id, at)
    held = ledger.balance(conn, deposit(shop_id))
    row = conn.execute(select(shop_terms).where(shop_terms.c.shop_id == shop_id)).first()
    update = next_update(book, at)
    coming = required_deposit(conn, book, shop_id, update).amount_fen if update else due.amount_fen
    return {
        "deposit_fen": held,
        "deposit_tier_fen": due.amount_fen,
        "deposit_clause": due.base.clause.id,
        "deposit_next_fen": coming if coming != due.amount_fen else None,
        "deposit_next_from": update,
        "deposit_parts": [p.view() for p in due.parts],
        "deposit_gmv_month": due.gmv_month,
        "deposit_gmv_fen": due.gmv_fen,
        "zero_entry": bool(row and row.zero_entry),
        "payouts_paused": held < due.amount_fen,
        "deposit_negative_since": row.negative_since if row else None,
        "deposit_restricted_from": row.restricted_from if row else None,
        "selling_restricted": bool(row and row.restricted_from and row.restricted_from <= at),
    }
