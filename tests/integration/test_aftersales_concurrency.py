"""Exactly once under real concurrency (PostgreSQL, one App and connection pool per thread):
concurrent deadline sweeps approve each silent-merchant case once, concurrent refund workers
book each refund once, and a merchant approving while the sweep auto-approves yields one
approval; refund requests on unscanned orders (douyin:aHwH9wK4Je2N) are approved and refunded
once, and shipping-insurance claims are paid once. Several cases share each order and the
sweeps take batches of two, so the workers
interleave on the same order rows."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.aftersales import services as aftersales
from pledge.aftersales.tables import case_events, cases, refunds
from pledge.kernel.errors import Conflict
from pledge.ledger.services import balance, trial_balance
from pledge.ledger.tables import ledger_transactions
from pledge.orders.tables import order_events, order_lines
from tests.conftest import make_app
from tests.integration.test_aftersales_cases import case_row, complete, file, scene
from tests.integration.test_aftersales_shipping_insurance import (
    claims,
    insured_umbrella,
    pay,
    receive,
    returned,
)
from tests.support import World, run_concurrently

pytestmark = pytest.mark.postgres
WORKERS = 4


@pytest.fixture
def apps(postgres_url, clock):
    """The first App builds the data; every worker thread gets its own App (engine, pool)."""
    made = [make_app(postgres_url, clock) for _ in range(WORKERS + 1)]
    yield made
    for app in made:
        app.uow.engine.dispose()


def silent_merchant_cases(app, *, orders: int, per_order: int) -> tuple[int, list[int], list[int], object]:
    """`orders` paid orders of `per_order` units at 19.90 and one one-unit refund-only case per
    unit. Cases are filed over pairs of orders as a, b, b, a, a, b, ...: sweeping in batches of
    two, neighbouring batches touch the same two orders in opposite orders (before the sweep
    sorted its batch by order, PostgreSQL aborted all but one sweep with a deadlock).
    Returns (shop_id, order_ids, case_ids, owner)."""
    world = World(app)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=1990, stock=orders * per_order)
    buyer = world.user()
    order_ids = [world.paid_order(buyer, sku, quantity=per_order) for _ in range(orders)]
    with app.uow.read() as c:
        line_of = dict(
            c.execute(
                select(order_lines.c.order_id, order_lines.c.id).where(order_lines.c.order_id.in_(order_ids))
            ).all()
        )
    sequence = []
    for a, b in zip(order_ids[::2], order_ids[1::2], strict=False):
        for unit in range(per_order):
            sequence += [a, b] if unit % 2 == 0 else [b, a]
    case_ids = []
    with app.uow.begin() as c:
        for order_id in sequence:
            case_ids.append(
                aftersales.file_case(
                    c,
                    buyer,
                    aftersales.NewCase(order_id, "refund_only", "quality", [(line_of[order_id], 1)]),
                    book=app.rulebook,
                    at=app.clock.now(),
                )
            )
    return shop_id, order_ids, case_ids, owner


def run_together(targets) -> list:
    """Start every callable at once (Barrier) and return each one's result or exception."""
    barrier = threading.Barrier(len(targets))
    out: list = [None] * len(targets)

    def run(i, target):
        barrier.wait()
        try:
            out[i] = target()
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return out


def approvals_per_case(app, case_ids) -> Counter:
    with app.uow.read() as c:
        return Counter(
            c.execute(
                select(case_events.c.case_id).where(
                    case_events.c.kind == "approved", case_events.c.case_id.in_(case_ids)
                )
            ).scalars()
        )


def test_concurrent_sweeps_approve_each_silent_merchant_case_once_and_workers_book_each_refund_once(
    apps, clock
):
    app, workers = apps[0], apps[1:]
    shop_id, order_ids, case_ids, _ = silent_merchant_cases(app, orders=10, per_order=5)
    clock.advance(timedelta(hours=48))

    results = run_together(
        [lambda w=w: aftersales.sweep_case_deadlines(w.uow, w.rulebook, clock, batch=2) for w in workers]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("auto_approve", 0) for r in results) == 50
    assert set(k for r in results for k in r) <= {"auto_approve"}
    assert approvals_per_case(app, case_ids) == Counter({case_id: 1 for case_id in case_ids})
    with app.uow.read() as c:
        assert set(c.execute(select(cases.c.status).where(cases.c.id.in_(case_ids))).scalars()) == {
            "approved"
        }
        rows = c.execute(select(refunds.c.case_id, refunds.c.amount_fen, refunds.c.status)).all()
    assert sorted(r.case_id for r in rows) == sorted(case_ids)
    assert {(r.amount_fen, r.status) for r in rows} == {(1990, "pending")}

    done = run_together([lambda w=w: aftersales.complete_refunds(w.uow, w.payments, clock) for w in workers])
    assert not [d for d in done if isinstance(d, Exception)], done
    assert sum(done) == 50
    with app.uow.read() as c:
        keys = Counter(
            c.execute(
                select(ledger_transactions.c.idempotency_key).where(ledger_transactions.c.kind == "refund")
            ).scalars()
        )
        assert keys == Counter({f"refund:{case_id}": 1 for case_id in case_ids})
        assert set(c.execute(select(refunds.c.status)).scalars()) == {"succeeded"}
        assert set(c.execute(select(cases.c.status).where(cases.c.id.in_(case_ids))).scalars()) == {
            "refunded"
        }
        refunded_events = Counter(
            c.execute(select(case_events.c.case_id).where(case_events.c.kind == "refunded")).scalars()
        )
        assert refunded_events == Counter({case_id: 1 for case_id in case_ids})
        assert (
            c.execute(
                select(func.count()).select_from(order_events).where(order_events.c.kind == "refunded")
            ).scalar()
            == 50
        )
        # every order (5 × 19.90 = 99.50) refunded in full and not a fen more
        assert balance(c, f"shop:{shop_id}:proceeds") == 0
        assert sum(trial_balance(c).values()) == 0
    assert aftersales.complete_refunds(app.uow, app.payments, clock) == 0


def test_merchant_approving_while_the_sweep_auto_approves_gives_one_approval(apps, clock):
    app, workers = apps[0], apps[1:]
    _, _, case_ids, owner = silent_merchant_cases(app, orders=6, per_order=5)
    clock.advance(timedelta(hours=48))

    def merchant(w, ids):
        approved = 0
        for case_id in ids:
            try:
                with w.uow.begin() as c:
                    aftersales.review_case(
                        c, owner, case_id, approve=True, note="ok", book=w.rulebook, at=clock.now()
                    )
                approved += 1
            except Conflict:
                pass  # the sweep (or the other clerk) got there first
        return approved

    results = run_together(
        [
            lambda: aftersales.sweep_case_deadlines(workers[0].uow, workers[0].rulebook, clock, batch=2),
            lambda: merchant(workers[1], case_ids),
            lambda: aftersales.sweep_case_deadlines(workers[2].uow, workers[2].rulebook, clock, batch=2),
            lambda: merchant(workers[3], case_ids[::-1]),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    by_sweep = results[0].get("auto_approve", 0) + results[2].get("auto_approve", 0)
    by_merchant = results[1] + results[3]
    assert by_sweep + by_merchant == len(case_ids) == 30
    assert approvals_per_case(app, case_ids) == Counter({case_id: 1 for case_id in case_ids})
    with app.uow.read() as c:
        actors = Counter(
            c.execute(select(case_events.c.actor).where(case_events.c.kind == "approved")).scalars()
        )
        assert (actors["system"], actors["merchant"], sum(actors.values())) == (by_sweep, by_merchant, 30)
        per_case = Counter(c.execute(select(refunds.c.case_id)).scalars())
    assert per_case == Counter({case_id: 1 for case_id in case_ids})


# --- no pickup scan 48 h after the tracking number (douyin:aHwH9wK4Je2N) ----------------------


def test_douyin_aHwH9wK4Je2N_concurrent_sweeps_approve_and_refund_an_unscanned_order_once(apps, clock):
    world = World(apps[0])
    shop = world.shop()
    uploaded = clock.now()
    placed = []
    for _ in range(6):
        s = scene(world, clock, deliver=False, price_fen=1990, qty=1, shop=shop)
        world.ship(s.owner, s.order_id)  # the tracking number uploaded; no pickup scan follows
        placed.append(s)
    clock.advance(timedelta(hours=1))
    cases = [file(apps[0], s.buyer, s.order_id, "refund_only", "other", [(s.line_id, 1)]) for s in placed]
    clock.set(uploaded + timedelta(hours=49))
    swept = run_concurrently(
        [lambda a=a: aftersales.sweep_case_deadlines(a.uow, a.rulebook, a.clock, batch=2) for a in apps[1:]]
    )
    assert sum(r.get("auto_refund_no_pickup", 0) for r in swept) == 6, swept
    paid = run_concurrently([lambda a=a: complete(a) for a in apps[1:]])
    assert sum(paid) == 6, paid
    with apps[0].uow.read() as c:
        assert c.execute(select(func.count()).select_from(refunds)).scalar() == 6
        assert (
            c.execute(
                select(func.count())
                .select_from(ledger_transactions)
                .where(ledger_transactions.c.kind == "refund")
            ).scalar()
            == 6
        )
    assert {case_row(apps[0], i).status for i in cases} == {"refunded"}


# --- shipping-insurance claims (douyin:aJpAMtJPdWH7) -------------------------------------------


def test_douyin_aJpAMtJPdWH7_concurrent_workers_pay_each_shipping_insurance_claim_once(apps, clock):
    world = World(apps[0])
    shop_id, owner, sku = insured_umbrella(world)
    scenes = [scene(world, clock, shop=(shop_id, owner), sku=sku, qty=1) for _ in range(6)]
    for n, s in enumerate(scenes):
        receive(apps[0], s, returned(apps[0], s, postage=1500 + n, tracking=f"SF66000001{n:02d}"))
    assert complete(apps[0]) == 6
    paid = run_concurrently([lambda a=a: pay(a) for a in apps[1:]])
    assert sum(paid) == 6, paid
    with apps[0].uow.read() as c:
        rows = (
            c.execute(
                select(ledger_transactions.c.idempotency_key).where(ledger_transactions.c.kind == "insurance")
            )
            .scalars()
            .all()
        )
        assert sorted(rows) == sorted(f"shipping-insurance:{s.order_id}" for s in scenes)
        assert balance(c, "insurer:sandbox") == -sum(1500 + n for n in range(6))
    assert {row[-1] for row in claims(apps[0])} == {"paid"}
