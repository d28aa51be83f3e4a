"""Frozen proceeds. A florist ships a whole day's sunflowers late: the product is banned and the
late orders' proceeds are frozen 7 days (douyin:aJoPPkWZ7VQM); the merchant sees the freeze with
its clause and release date; the orders do not settle while frozen; the worker releases them once,
also with concurrent workers on PostgreSQL. Out-of-stock violations follow their calendar-year
ladder (douyin:aHwHGWzbmk88) and fraudulent shipping freezes 30 / 180 days and stops settlement
(douyin:aJo44CiDDaqb); a payout never pays money a freeze holds or waits for."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pledge.compensation.tables import compensations
from pledge.kernel.errors import InvalidInput
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.logistics.sanctions import evaluate_sanctions
from pledge.settlement import accounts, deposits, freezes, payouts, queries, reports
from pledge.settlement import services as settlement
from pledge.settlement import tables as settlement_tables
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import freezes as freeze_rows
from tests.conftest import make_app
from tests.integration.test_settlement_story import PRICE, SH, Florist, sh
from tests.support import run_concurrently

FEE = 100  # 19.90 × 5 % (commission.rate.flowers), half-up to the fen


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def a_late_day(f: Florist, n: int = 100) -> list[int]:
    """n sunflower orders paid 2 September, due 4 September (48 h), picked up 30 h late on
    5 September and delivered 10 h later: a product-ban day (≥ 50 % late and ≥ 100 late)."""
    return f.bulk_orders(
        [sh(2026, 9, 2, 10) + timedelta(minutes=i) for i in range(n)],
        pickup_after=timedelta(hours=78),
        deliver_after=timedelta(hours=88),
    )


def sanction_and_freeze(f: Florist, provider) -> dict:
    f.clock.set(sh(2026, 9, 5, 9))
    assert evaluate_sanctions(f.app.uow, f.app.rulebook, f.clock).applied == 1
    return f.worker(provider)


def balance(f: Florist) -> dict:
    return f.read(lambda c: queries.balance(c, f.owner, f.app.rulebook, f.shop_id, now=f.clock.now()))


def keys_like(f: Florist, prefix: str) -> int:
    return f.read(
        lambda c: c.execute(
            select(func.count()).where(ledger_transactions.c.idempotency_key.like(f"{prefix}%"))
        ).scalar()
    )


def test_a_late_ship_sanction_freezes_the_late_orders_proceeds_7_days_aJoPPkWZ7VQM(app, clock, florist):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    late = a_late_day(f)
    report = sanction_and_freeze(f, provider)
    assert report["frozen"] == 100

    bal = balance(f)
    assert (bal["pending_fen"], bal["frozen_fen"], bal["available_fen"]) == (0, 100 * (PRICE - FEE), 0)
    shown = bal["freezes"][0]
    assert (
        shown["active"]
        and shown["clause_id"] == "freeze.late-ship"
        and shown["clause_source"] == "douyin:aJoPPkWZ7VQM"
    )
    assert shown["releases_at"] == sh(
        2026, 9, 12
    )  # 00:00 after the late day (4 September) + 7 days, Beijing time
    assert "违规订单货款冻结7天" in shown["reason_zh"] and "违规订单货款冻结7天" in shown["clause_text"]
    assert {x["order_id"] for x in bal["freezes"]} == set(late)
    assert keys_like(f, "freeze:late-ship:") == 100
    assert f.worker(provider)["frozen"] == 0  # once, however often the worker runs

    # Delivered on 6 September, due to settle 3 days later, but frozen until the 12th.
    clock.set(sh(2026, 9, 11, 23, 59))
    assert f.worker(provider)["settled"] == 0
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=50_000, reference="T1", at=clock.now()
        )
    )
    with pytest.raises(InvalidInput, match="more than the available balance"):
        f.do(
            lambda c: payouts.request_payout(
                c, f.owner, app.rulebook, f.shop_id, amount_fen=1, at=clock.now()
            )
        )

    clock.set(sh(2026, 9, 12, 0, 1))
    report = f.worker(provider)
    assert (report["released"], report["settled"]) == (100, 100)
    bal = balance(f)
    assert (bal["pending_fen"], bal["frozen_fen"], bal["available_fen"]) == (0, 0, 100 * (PRICE - FEE))
    assert not [x for x in bal["freezes"] if x["active"]] and bal["freezes"][0]["released_at"] == sh(
        2026, 9, 12, 0, 1
    )
    assert f.worker(provider)["released"] == 0 and keys_like(f, "release:late-ship:") == 100
    sept = f.read(lambda c: reports.statement(c, f.owner, app.rulebook, f.shop_id, "2026-09"))
    assert sept["reconciled"], (sept["totals"], sept["ledger_totals"], sept["ledger_unexplained"])
    assert sum(f.read(ledger.trial_balance).values()) == 0


@pytest.mark.postgres
def test_concurrent_workers_freeze_and_release_each_order_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    try:
        clock.set(sh(2026, 8, 1, 9))
        f = Florist(app, clock)
        a_late_day(f, 120)
        clock.set(sh(2026, 9, 5, 9))
        evaluate_sanctions(app.uow, app.rulebook, clock)
        provider = SandboxPayoutProvider(app.uow)
        results = run_concurrently(
            [lambda: settlement.run_step(app.uow, app.rulebook, clock, provider, batch=30) for _ in range(4)]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(r["frozen"] for r in results) == 120 and keys_like(f, "freeze:late-ship:") == 120
        clock.set(sh(2026, 9, 12, 0, 1))

        def release() -> int:
            done = 0
            while True:
                with app.uow.begin() as c:
                    n = freezes.release_due(c, now=clock.now(), batch=7)
                done += n
                if n == 0:
                    return done

        results = run_concurrently([release for _ in range(5)])
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(results) == 120 and keys_like(f, "release:late-ship:") == 120
        assert f.read(lambda c: ledger.balance(c, accounts.frozen(f.shop_id))) == 0
        assert f.read(lambda c: ledger.balance(c, ledger.shop_proceeds(f.shop_id))) == 120 * (PRICE - FEE)
        assert (
            f.read(
                lambda c: c.execute(select(func.count()).where(freeze_rows.c.released_at.is_(None))).scalar()
            )
            == 0
        )
    finally:
        app.uow.engine.dispose()


def judge(f: Florist, order_ids: list[int], kind: str, at: datetime) -> None:
    """Findings of a logistics rule on those orders (as the sweeps and the operator record them)."""
    with f.app.uow.begin() as c:
        c.execute(
            compensations.insert(),
            [
                {
                    "idempotency_key": f"{kind}:{o}",
                    "order_id": o,
                    "shop_id": f.shop_id,
                    "buyer_id": f.buyer.user_id,
                    "kind": kind,
                    "amount_fen": 200,
                    "rulebook": "douyin",
                    "rulebook_version": "2026-08-10",
                    "clause_id": kind,
                    "clause_source": "douyin:test",
                    "inputs": "{}",
                    "explanation": "",
                    "explanation_zh": "",
                    "created_at": at,
                }
                for o in order_ids
            ],
        )


def out_of_stock_day(f: Florist, day: date, *, due: int = 40, judged: int = 30) -> list[int]:
    """`due` orders due on `day`, of which `judged` are judged out of stock that day."""
    paid = datetime(day.year, day.month, day.day, 9, tzinfo=SH) - timedelta(hours=48)
    ids = f.bulk_orders(
        [paid + timedelta(minutes=i) for i in range(due)], pickup_after=None, deliver_after=None
    )
    judge(f, ids[:judged], "out_of_stock", datetime(day.year, day.month, day.day, 20, tzinfo=SH))
    return ids[:judged]


def count(f: Florist, day: date) -> int:
    return f.do(lambda c: freezes.count_out_of_stock(c, f.app.rulebook, day, now=f.clock.now()))


def test_out_of_stock_violations_follow_the_calendar_year_ladder_aHwHGWzbmk88(app, clock, florist):
    f = florist
    days = [date(2026, 9, 3), date(2026, 9, 4), date(2026, 9, 5)]
    for day in days:
        out_of_stock_day(f, day)
    out_of_stock_day(f, date(2026, 9, 6), due=40, judged=29)  # fewer than 30: no violation
    out_of_stock_day(f, date(2026, 9, 7), due=100, judged=30)  # 30 %, not more than 30 %: no violation
    clock.set(sh(2026, 9, 10, 9))
    assert [count(f, d) for d in days + [date(2026, 9, 6), date(2026, 9, 7)]] == [1, 1, 1, 0, 0]
    assert count(f, days[0]) == 0  # each day once
    rows = f.read(lambda c: c.execute(select(freeze_rows).order_by(freeze_rows.c.basis_day)).all())
    assert [(r.violation_no, r.releases_at) for r in rows] == [
        (1, sh(2026, 9, 5)),
        (2, sh(2026, 9, 6)),
        (3, sh(2026, 9, 9)),
    ]  # 1, 1 and 3 days from 00:00 after the day
    # twice the 30 orders' settlement amount (paid less refunds), at least 1 000 yuan
    assert {r.target_fen for r in rows} == {max(2 * 30 * PRICE, 100_000)} and rows[
        0
    ].clause_source == "douyin:aHwHGWzbmk88"
    # a new calendar year starts the count again
    out_of_stock_day(f, date(2027, 1, 2))
    clock.set(sh(2027, 1, 4, 9))
    assert count(f, date(2027, 1, 2)) == 1
    assert (
        f.read(
            lambda c: c.execute(
                select(freeze_rows.c.violation_no).where(freeze_rows.c.basis_day == date(2027, 1, 2))
            ).scalar()
        )
        == 1
    )


def test_a_freeze_takes_the_available_balance_and_waits_for_the_rest_and_payouts_never_pay_it(
    app, clock, florist
):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    f.bulk_orders([sh(2026, 9, 1, 10) + timedelta(minutes=i) for i in range(10)])
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=50_000, reference="T1", at=clock.now()
        )
    )
    clock.set(sh(2026, 9, 6, 9))
    f.worker(provider)
    assert balance(f)["available_fen"] == 10 * (PRICE - FEE)
    out_of_stock_day(f, date(2026, 9, 6))
    clock.set(sh(2026, 9, 7, 9))
    f.worker(provider)  # yesterday's violation: 1 day, target 1 194.00 yuan
    bal = balance(f)
    target = 2 * 30 * PRICE
    assert (bal["frozen_fen"], bal["available_fen"], bal["waiting_for_freezes_fen"]) == (
        10 * (PRICE - FEE),
        0,
        target - 10 * (PRICE - FEE),
    )
    assert bal["payable_fen"] == 0
    # more proceeds settle: the freeze takes them first, so nothing is payable
    f.bulk_orders([sh(2026, 9, 3, 10) + timedelta(minutes=i) for i in range(5)])
    clock.set(sh(2026, 9, 7, 20))
    f.worker(provider)
    bal = balance(f)
    assert (bal["frozen_fen"], bal["available_fen"]) == (15 * (PRICE - FEE), 0)
    with pytest.raises(InvalidInput):
        f.do(
            lambda c: payouts.request_payout(
                c, f.owner, app.rulebook, f.shop_id, amount_fen=1, at=clock.now()
            )
        )
    clock.set(sh(2026, 9, 8, 0, 1))  # released after its one day: back to available
    f.worker(provider)
    bal = balance(f)
    assert (bal["frozen_fen"], bal["available_fen"], bal["payable_fen"]) == (
        0,
        15 * (PRICE - FEE),
        15 * (PRICE - FEE),
    )


def test_fraudulent_shipping_freezes_30_then_180_days_and_stops_settlement_aJo44CiDDaqb(app, clock, florist):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    waiting = f.bulk_orders([sh(2026, 9, 1, 10)])[0]  # delivered 2 September 16:00, due to settle on the 5th
    shipped = f.bulk_orders([sh(2026, 9, 1, 11) + timedelta(minutes=i) for i in range(12)])
    clock.set(sh(2026, 9, 2, 15, 30))
    judge(f, shipped[:2], "fraudulent_shipping", sh(2026, 9, 2, 15))
    f.worker(provider)
    assert balance(f)["freezes"] == []  # two in a day are not a violation
    judge(f, shipped[2:3], "fraudulent_shipping", sh(2026, 9, 2, 16))
    clock.set(sh(2026, 9, 2, 16, 30))
    f.worker(provider)
    first = balance(f)["freezes"]
    assert (
        len(first) == 1
        and first[0]["stops_settlement"]
        and first[0]["clause_id"] == "freeze.fraudulent-shipping"
    )
    assert (
        first[0]["releases_at"] == sh(2026, 10, 3) and first[0]["target_fen"] == 100_000
    )  # at least 1 000 yuan
    for i, day in enumerate((3, 4, 5)):  # three more violations this year: the 4th freezes 180 days
        judge(f, shipped[3 + 3 * i : 6 + 3 * i], "fraudulent_shipping", sh(2026, 9, day, 12))
        clock.set(sh(2026, 9, day, 13))
        f.worker(provider)
    rows = f.read(lambda c: c.execute(select(freeze_rows).order_by(freeze_rows.c.basis_day)).all())
    assert [
        (r.violation_no, (r.releases_at - freezes.releases_at(app.rulebook, r.basis_day, 0)).days)
        for r in rows
    ] == [(1, 30), (2, 30), (3, 30), (4, 180)]
    clock.set(sh(2026, 9, 20))
    assert f.worker(provider)["settled"] == 0  # settlement stopped while frozen
    settled = f.read(
        lambda c: c.execute(
            select(settlement_tables.fee_orders.c.settled_at).where(
                settlement_tables.fee_orders.c.order_id == waiting
            )
        ).scalar()
    )
    assert settled is None
    clock.set(sh(2027, 3, 5, 0, 1))  # 6 September + 180 days: every freeze released, settlement resumes
    report = f.worker(provider)
    assert report["released"] == 4 and report["settled"] == 13
