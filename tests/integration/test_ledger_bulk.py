"""The ledger's bulk door and the coupon wallet, on SQLite and PostgreSQL: record_many writes
what record would, one transaction per key, or nothing at all; a coupon is issued once per
source, spent once, and given back only from spent."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.model import CouponStatus
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions


def _counts(conn) -> tuple[int, int]:
    return tuple(
        conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (ledger_transactions, ledger_postings)
    )


def test_record_many_books_every_transaction_with_its_own_key_and_time(app):
    run = uuid.uuid4().hex[:8]
    shop, fees, buyer = f"shop:{run}:proceeds", "platform:fees", f"buyer:{run}:coupons"
    earlier = app.clock.now().replace(year=2026, month=1, day=2)
    with app.uow.begin() as c:
        ids = ledger.record_many(
            c,
            [
                ledger.Transaction(f"{run}:fee", "fee", "commission", (ledger.Posting(shop, fees, 300),)),
                ledger.Transaction(
                    f"{run}:late",
                    "late_ship",
                    "late",
                    (ledger.Posting(shop, buyer, 500), ledger.Posting(fees, buyer, 100)),
                    at=earlier,
                ),
            ],
            at=app.clock.now(),
        )
    assert set(ids) == {f"{run}:fee", f"{run}:late"}
    with app.uow.read() as c:
        assert ledger.balance(c, shop) == -800
        assert ledger.balance(c, buyer) == 600
        assert sum(ledger.trial_balance(c).values()) == 0
        times = dict(
            c.execute(
                select(ledger_transactions.c.idempotency_key, ledger_transactions.c.created_at).where(
                    ledger_transactions.c.id.in_(list(ids.values()))
                )
            ).all()
        )
    assert times[f"{run}:late"] == earlier
    assert times[f"{run}:fee"] == app.clock.now()


@pytest.mark.parametrize(
    "batch",
    [
        [
            ("a", [("shop:x:proceeds", "platform:fees", 100)]),
            ("b", [("shop:x:proceeds", "platform:fees", 0)]),
        ],
        [("a", [("shop:x:proceeds", "platform:fees", 100)]), ("b", [])],
        [
            ("a", [("shop:x:proceeds", "platform:fees", 100)]),
            ("a", [("shop:x:proceeds", "platform:fees", 1)]),
        ],
    ],
    ids=["zero amount", "no postings", "a key twice in the batch"],
)
def test_a_bad_transaction_refuses_the_whole_batch(app, batch):
    with app.uow.read() as c:
        before = _counts(c)
    with pytest.raises(InvalidInput), app.uow.begin() as c:
        ledger.record_many(
            c,
            [
                ledger.Transaction(f"bad:{key}", "test", "", tuple(ledger.Posting(*p) for p in postings))
                for key, postings in batch
            ],
            at=app.clock.now(),
        )
    with app.uow.read() as c:
        assert _counts(c) == before


def test_a_key_already_recorded_fails_the_batch_through_the_unique_constraint(app):
    key = f"once:{uuid.uuid4().hex}"
    tx = ledger.Transaction(key, "test", "", (ledger.Posting("shop:y:proceeds", "platform:fees", 100),))
    with app.uow.begin() as c:
        ledger.record_many(c, [tx], at=app.clock.now())
    with app.uow.read() as c:
        before = _counts(c)
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        ledger.record_many(c, [tx], at=app.clock.now())
    with app.uow.read() as c:
        assert _counts(c) == before


def test_a_coupon_is_issued_once_per_source_spent_once_and_given_back_from_spent(app, world):
    buyer = world.user()
    shop_id, owner = world.shop()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    source = f"test:{uuid.uuid4().hex}"
    grant = ledger.CouponGrant(buyer.user_id, 500, source, "five yuan", "五元")
    with app.uow.begin() as c:
        coupon_id = ledger.issue_coupon(c, grant, at=app.clock.now())
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        ledger.issue_coupon(c, grant, at=app.clock.now())
    with app.uow.read() as c:
        assert ledger.coupon_of(c, buyer.user_id, coupon_id).status == CouponStatus.AVAILABLE
        with pytest.raises(NotFound):
            ledger.coupon_of(c, buyer.user_id + 1_000_000, coupon_id)
        assert ledger.coupon_amount(c, coupon_id) == 500
        assert ledger.coupon_funders(c, {coupon_id}) == {coupon_id: "platform"}
    with app.uow.begin() as c:
        ledger.redeem_coupon(c, coupon_id, order_id=order_id, at=app.clock.now())
    with pytest.raises(Conflict), app.uow.begin() as c:
        ledger.redeem_coupon(c, coupon_id, order_id=order_id, at=app.clock.now())
    with app.uow.begin() as c:
        ledger.release_coupon(c, coupon_id)
    with pytest.raises(Conflict), app.uow.begin() as c:
        ledger.release_coupon(c, coupon_id)
    with app.uow.read() as c:
        row = c.execute(select(coupons).where(coupons.c.id == coupon_id)).one()
    assert (row.status, row.spent_order_id, row.spent_at) == (CouponStatus.AVAILABLE, None, None)
