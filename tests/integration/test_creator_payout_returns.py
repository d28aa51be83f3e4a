"""A bank returning a creator's payout, on SQLite and PostgreSQL: the payout moves sent -> returned
once, the amount is the creator's available balance again (one ledger transaction, even with 3
concurrent finance calls), the creator statement shows it and reconciles, the creator withdraws
again, and the platform's reconciliation report ties creators' payouts to the ledger and to the
payout provider."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.creators import commissions
from pledge.creators.payouts import (
    reconciliation_rows,
    request_creator_payout,
    return_creator_payout,
    send_creator_payouts,
)
from pledge.creators.sources import showcase_source
from pledge.creators.statements import creator_statement
from pledge.creators.tables import creator_payouts
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.settlement import reports
from pledge.settlement.payouts import SandboxPayoutProvider
from tests.integration.test_creator_commissions import buy, creator_selling, deliver, shop, work
from tests.support import run_concurrently

__all__ = ["shop"]
AVAILABLE = 318  # ¥19.90 × 20 % = 398, grade C fee 80, net 318


@pytest.fixture
def paid_out(app, world, shop):
    """A creator with ¥2.50 sent to their bank account."""
    actor = world.user("达人")
    creator_id, _ = creator_selling(app, world, shop, actor=actor)
    order_id = buy(app, world, shop["sku"], showcase_source(creator_id))
    work(app)
    deliver(app, order_id)
    app.clock.advance(timedelta(days=16))
    work(app)
    with app.uow.begin() as c:
        payout_id = request_creator_payout(c, actor, app.rulebook, amount_fen=250, at=app.clock.now())
    provider = SandboxPayoutProvider(app.uow)
    assert send_creator_payouts(app.uow, provider, app.clock) == 1
    finance = world.user("财务", platform_role="finance")
    return {
        "actor": actor,
        "creator_id": creator_id,
        "payout_id": payout_id,
        "finance": finance,
        "provider": provider,
    }


def available(app, creator_id) -> int:
    with app.uow.read() as c:
        return ledger.balance(c, commissions.creator_available(creator_id))


def returns_booked(app) -> int:
    with app.uow.read() as c:
        return c.execute(
            select(func.count()).where(ledger_transactions.c.kind == "creator_payout_return")
        ).scalar_one()


def month(app) -> str:
    return app.clock.now().astimezone(ZoneInfo(app.rulebook.timezone)).strftime("%Y-%m")


def give_back(app, p, reason="账户已注销"):
    with app.uow.begin() as c:
        return_creator_payout(c, p["finance"], p["payout_id"], reason=reason, at=app.clock.now())


def test_a_returned_creator_payout_is_available_again_once_and_on_the_statement(app, world, paid_out):
    p = paid_out
    assert available(app, p["creator_id"]) == AVAILABLE - 250
    give_back(app, p)
    assert available(app, p["creator_id"]) == AVAILABLE
    with pytest.raises(Conflict, match="only a sent payout"):
        give_back(app, p)
    assert returns_booked(app) == 1
    with app.uow.read() as c:
        row = c.execute(select(creator_payouts).where(creator_payouts.c.id == p["payout_id"])).one()
        stated = creator_statement(c, app.rulebook, p["creator_id"], month(app))
    assert (row.status, row.return_reason) == ("returned", "账户已注销")
    assert stated["reconciled"]
    assert (stated["totals"]["payouts"], stated["totals"]["payout_returns"]) == (-250, 250)
    assert any(line["kind"] == "payout_return" for line in stated["lines"])
    with app.uow.begin() as c:  # the creator withdraws again
        again = request_creator_payout(c, p["actor"], app.rulebook, amount_fen=250, at=app.clock.now())
    assert send_creator_payouts(app.uow, p["provider"], app.clock) == 1
    assert again != p["payout_id"] and available(app, p["creator_id"]) == AVAILABLE - 250


def test_returning_a_creator_payout_is_refused_for_bad_input_and_writes_nothing(app, world, paid_out):
    p = paid_out
    with pytest.raises(InvalidInput):
        give_back(app, p, reason="  ")
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            return_creator_payout(c, p["actor"], p["payout_id"], reason="退回", at=app.clock.now())
    with pytest.raises(NotFound):
        with app.uow.begin() as c:
            return_creator_payout(c, p["finance"], 999_999, reason="退回", at=app.clock.now())
    assert returns_booked(app) == 0 and available(app, p["creator_id"]) == AVAILABLE - 250


def test_three_concurrent_bank_returns_restore_the_balance_once(app, world, paid_out):
    p = paid_out

    def call():
        give_back(app, p)
        return "returned"

    results = run_concurrently([call, call, call])
    assert results.count("returned") == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != "returned"), results
    assert returns_booked(app) == 1 and available(app, p["creator_id"]) == AVAILABLE


def test_the_reconciliation_report_ties_creator_payouts_to_the_ledger_and_provider(app, world, paid_out):
    p = paid_out
    give_back(app, p)
    with app.uow.read() as c:
        recon = reports.reconciliation(
            c, p["finance"], app.rulebook, month(app), p["provider"], more_rows=(reconciliation_rows,)
        )
    items = {i["item"]: i for i in recon["items"]}
    assert items["creator payouts requested"]["ledger_fen"] == 250
    assert items["creator payouts sent"]["records_fen"] == 250
    assert items["creator payouts sent"]["provider_fen"] == 250
    assert items["creator payouts returned"]["ledger_fen"] == 250
    assert all(i["ok"] for i in recon["items"]) and recon["trial_balance_zero"]
    with app.uow.begin() as c:  # a ledger transaction without its record shows as a difference
        ledger.record(
            c,
            key="stray-creator-payout",
            kind="creator_payout_sent",
            memo="not in Pledge's records",
            postings=[ledger.Posting("platform:creator-payouts-in-transit", "external:bank", 7)],
            at=app.clock.now(),
        )
    with app.uow.read() as c:
        recon = reports.reconciliation(
            c, p["finance"], app.rulebook, month(app), p["provider"], more_rows=(reconciliation_rows,)
        )
    sent = next(i for i in recon["items"] if i["item"] == "creator payouts sent")
    assert (sent["ok"], sent["difference_fen"]) == (False, 7) and not recon["ok"]
