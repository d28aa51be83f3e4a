"""Who pays a case: the shop's proceeds, or a platform subsidy fund whose budget is taken and
given back with conditional UPDATEs, so concurrent decisions never overspend it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.aftersales.tables import subsidy_funds
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger


def open_subsidy_fund(conn: Connection, actor: Actor, *, code: str, name: str, budget_fen: int) -> int:
    """A platform subsidy fund with a budget, for platform-funded outcomes (operator or finance)."""
    require_platform(actor, "operator", "finance")
    if not code.strip() or not name.strip():
        raise InvalidInput("a fund needs a code and a name")
    if type(budget_fen) is not int or budget_fen <= 0:
        raise InvalidInput("a fund's budget is a positive amount of fen")
    if conn.execute(select(subsidy_funds.c.id).where(subsidy_funds.c.code == code)).first() is not None:
        raise Conflict(f"a fund {code!r} already exists")
    return inserted_id(
        conn, subsidy_funds.insert().values(code=code, name=name, budget_fen=budget_fen, spent_fen=0)
    )


def take_fund(conn: Connection, payer: str, amount: int) -> None:
    """A fund's budget is taken with a conditional UPDATE, so concurrent decisions never overspend it."""
    if not payer.startswith("fund:") or amount <= 0:
        return
    code = payer[5:]
    took = conn.execute(
        subsidy_funds.update()
        .where(subsidy_funds.c.code == code, subsidy_funds.c.spent_fen + amount <= subsidy_funds.c.budget_fen)
        .values(spent_fen=subsidy_funds.c.spent_fen + amount)
    ).rowcount
    if took != 1:
        raise Conflict(f"subsidy fund {code} has not enough budget left for {format_yuan(amount)}")


def release_fund(conn: Connection, payer: str, amount: int) -> None:
    if payer.startswith("fund:") and amount > 0:
        conn.execute(
            subsidy_funds.update()
            .where(subsidy_funds.c.code == payer[5:])
            .values(spent_fen=subsidy_funds.c.spent_fen - amount)
        )


def payer_account(payer: str, shop_id: int) -> str:
    return f"platform:fund:{payer[5:]}" if payer.startswith("fund:") else ledger.shop_proceeds(shop_id)
