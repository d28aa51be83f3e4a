"""Payment capture: a repeated callback changes nothing (mercur#909), a wrong amount or a forged
signature is refused, money captured for a checkout cancelled as unpaid goes back, and a coupon spent at
checkout moves money from the buyer's coupon account to the shop when the payment is captured."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.kernel.errors import InvalidInput, NotFound, Unauthorized
from pledge.lateship.services import sweep_late_ship
from pledge.ledger.services import PAYMENTS_IN, balance, buyer_coupons, shop_proceeds, trial_balance
from pledge.ledger.tables import coupons, ledger_accounts, ledger_postings, ledger_transactions
from pledge.orders.services import cancel_unpaid
from pledge.orders.tables import checkouts, order_events, order_lines, orders, payments
from pledge.payments.adapters import CallbackPayload, SandboxProvider
from pledge.payments.services import BREAKAGE, handle_callback
from tests.conftest import make_app
from tests.support import World

TABLES = (
    orders,
    order_lines,
    payments,
    checkouts,
    ledger_transactions,
    ledger_postings,
    ledger_accounts,
    order_events,
    coupons,
)


def snapshot(app) -> dict[str, list[tuple]]:
    with app.uow.read() as c:
        return {
            t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))] for t in TABLES
        }


def callback(app, payload: CallbackPayload):
    with app.uow.begin() as c:
        return handle_callback(c, payload, book=app.rulebook, at=app.clock.now())


def postings_of(app, key: str) -> list[tuple[str, str, int]]:
    debit, credit = ledger_accounts.alias("debit"), ledger_accounts.alias("credit")
    with app.uow.read() as c:
        rows = c.execute(
            select(debit.c.code, credit.c.code, ledger_postings.c.amount_fen)
            .join(ledger_transactions, ledger_transactions.c.id == ledger_postings.c.transaction_id)
            .join(debit, debit.c.id == ledger_postings.c.debit_account_id)
            .join(credit, credit.c.id == ledger_postings.c.credit_account_id)
            .where(ledger_transactions.c.idempotency_key == key)
            .order_by(ledger_postings.c.id)
        ).all()
    return [tuple(r) for r in rows]


def two_shop_checkout(world: World):
    flowers, florist = world.shop()
    fruit, grower = world.shop("大乐水果")
    sunflower = world.product(florist, flowers, price_fen=1990)
    mango = world.product(grower, fruit, price_fen=6800, promise="72h")
    buyer = world.user()
    return world.place(buyer, (sunflower, 2), (mango, 1)), (flowers, fruit), buyer


def test_capture_pays_every_order_of_the_checkout_and_books_the_money(app, world, clock):
    placed, (flowers, fruit), buyer = two_shop_checkout(world)

    result = world.pay(placed)

    assert result.applied is True
    assert sorted(result.order_ids) == sorted(placed.order_ids)
    with app.uow.read() as c:
        rows = {
            r.shop_id: r for r in c.execute(select(orders).where(orders.c.checkout_id == placed.checkout_id))
        }
        payment = c.execute(select(payments).where(payments.c.provider_ref == placed.payment_ref)).one()
        paid_events = c.execute(
            select(func.count()).select_from(order_events).where(order_events.c.kind == "paid")
        ).scalar()
    assert (payment.status, payment.captured_at, payment.amount_fen) == (
        "captured",
        clock.now(),
        2 * 1990 + 6800,
    )
    assert (rows[flowers].status, rows[flowers].paid_at, rows[flowers].ship_by) == (
        "paid",
        clock.now(),
        clock.now() + timedelta(hours=48),
    )
    assert (rows[fruit].promise_kind, rows[fruit].promise_hours, rows[fruit].ship_by) == (
        "hours",
        72,
        clock.now() + timedelta(hours=72),
    )
    assert rows[fruit].late_check_at == rows[fruit].ship_by
    assert paid_events == 2
    assert postings_of(app, f"payment:{payment.id}") == [
        (PAYMENTS_IN, shop_proceeds(flowers), 3980),
        (PAYMENTS_IN, shop_proceeds(fruit), 6800),
    ]


def test_repeated_callback_changes_nothing(app, world):
    placed, _, _ = two_shop_checkout(world)
    first = world.pay(placed)
    before = snapshot(app)

    second = callback(app, CallbackPayload(placed.payment_ref, placed.total_fen, "captured"))
    body, signature = app.payments.sign(CallbackPayload(placed.payment_ref, placed.total_fen, "captured"))
    third = callback(app, app.payments.verify(body, signature))
    late_failure = callback(app, CallbackPayload(placed.payment_ref, placed.total_fen, "failed"))

    assert first.applied is True
    assert (second.applied, second.payment_id, second.order_ids) == (False, first.payment_id, [])
    assert (third.applied, late_failure.applied) == (False, False)
    after = snapshot(app)
    for table in before:
        assert after[table] == before[table], table
    assert len(after["ledger_transactions"]) == 1
    kind = [c.name for c in order_events.c].index("kind")
    assert len([e for e in after["order_events"] if e[kind] == "paid"]) == 2


@pytest.mark.parametrize("delta", [1, -1, -9000])
def test_callback_with_a_wrong_amount_is_refused(app, world, delta):
    placed, _, _ = two_shop_checkout(world)
    before = snapshot(app)

    with pytest.raises(InvalidInput) as err:
        callback(app, CallbackPayload(placed.payment_ref, placed.total_fen + delta, "captured"))

    assert str(placed.total_fen) in err.value.detail
    assert snapshot(app) == before
    assert world.pay(placed).applied is True  # the right amount still goes through


def test_callback_for_an_unknown_payment_is_not_found(app, world):
    placed, _, _ = two_shop_checkout(world)
    before = snapshot(app)
    with pytest.raises(NotFound):
        callback(app, CallbackPayload("sbx_" + "0" * 24, placed.total_fen, "captured"))
    assert snapshot(app) == before


def test_sandbox_provider_refuses_a_forged_signature():
    provider = SandboxProvider("sandbox-payment-secret")
    payload = CallbackPayload("sbx_0123456789abcdef01234567", 9470, "captured")
    body, signature = provider.sign(payload)

    assert provider.verify(body, signature) == payload
    assert len(signature) == 64
    tampered = body.replace(b"9470", b"1")
    assert tampered != body
    forgeries = [
        (body, "0" * 64),  # made-up signature
        (body, signature[:-1] + ("0" if signature[-1] != "0" else "1")),  # one hex digit off
        (tampered, signature),  # amount changed after signing
        (body, SandboxProvider("someone-else").sign(payload)[1]),  # signed with another secret
        (body, ""),
        (body, None),
    ]
    for forged_body, forged_signature in forgeries:
        with pytest.raises(Unauthorized):
            provider.verify(forged_body, forged_signature)


def test_money_captured_for_a_cancelled_checkout_goes_back_once(app, world, clock):
    """The provider's callback arrives after the checkout was cancelled as unpaid: the orders stay
    cancelled, the money is held as unmatched and the worker refunds it exactly once."""
    from pledge.ledger.services import balance, trial_balance
    from pledge.payments.services import UNMATCHED, refund_unmatched_payments

    placed, _, _ = two_shop_checkout(world)
    clock.advance(app.pay_window + timedelta(seconds=1))
    with app.uow.begin() as c:
        assert cancel_unpaid(c, now=clock.now()) == 2

    result = world.pay(placed)
    again = world.pay(placed)  # the provider retries its callback

    assert (result.applied, result.order_ids, again.applied) == (False, [], False)
    with app.uow.read() as c:
        assert (
            c.execute(select(payments.c.status).where(payments.c.provider_ref == placed.payment_ref)).scalar()
            == "refund_pending"
        )
        assert {s for s in c.execute(select(orders.c.status)).scalars()} == {"cancelled"}
        assert balance(c, UNMATCHED) == placed.total_fen
    assert refund_unmatched_payments(app.uow, app.payments, clock) == 1
    assert refund_unmatched_payments(app.uow, app.payments, clock) == 0
    with app.uow.read() as c:
        assert (
            c.execute(select(payments.c.status).where(payments.c.provider_ref == placed.payment_ref)).scalar()
            == "refunded"
        )
        assert balance(c, UNMATCHED) == 0 and balance(c, "external:payments") == 0
        assert sum(trial_balance(c).values()) == 0
        assert c.execute(select(func.count()).select_from(ledger_transactions)).scalar() == 2


def _late_coupon(world: World, clock, buyer) -> int:
    """500.00 with a 72 h promise, unshipped until 10 h late: the late-ship cell 1% -> a 5 yuan
    coupon (not yet 48 h late, so no out-of-stock coupon)."""
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, promise="72h", price_fen=50000)
    world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 10))
    assert sweep_late_ship(world.app.uow, world.app.rulebook, clock).amount_fen == 500
    with world.app.uow.read() as c:
        return c.execute(select(coupons.c.id).where(coupons.c.buyer_id == buyer.user_id)).scalar_one()


def test_coupon_spent_at_checkout_moves_from_buyer_wallet_to_shop_at_capture(app, world, clock):
    buyer = world.user()
    coupon_id = _late_coupon(world, clock, buyer)
    wallet = buyer_coupons(buyer.user_id)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=3990)
    with app.uow.read() as c:
        assert balance(c, wallet) == 500
        assert balance(c, shop_proceeds(shop_id)) == 0

    placed = world.place(buyer, (sku, 1), coupon_id=coupon_id)
    assert placed.total_fen == 3490
    with app.uow.read() as c:  # spending the coupon at checkout moves no money yet
        assert balance(c, wallet) == 500

    result = world.pay(placed)

    assert postings_of(app, f"payment:{result.payment_id}") == [
        (PAYMENTS_IN, shop_proceeds(shop_id), 3490),
        (wallet, shop_proceeds(shop_id), 500),
    ]
    with app.uow.read() as c:
        assert balance(c, wallet) == 0
        assert balance(c, shop_proceeds(shop_id)) == 3990  # the shop is paid the full price
        assert balance(c, PAYMENTS_IN) == -(50000 + 3490)
        assert sum(trial_balance(c).values()) == 0


def test_coupon_larger_than_the_order_is_used_up_whole(app, world, clock):
    buyer = world.user()
    coupon_id = _late_coupon(world, clock, buyer)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=300)

    placed = world.place(buyer, (sku, 1), coupon_id=coupon_id)
    result = world.pay(placed)

    assert placed.total_fen == 1  # an order is never free: the coupon covers all but one fen
    assert postings_of(app, f"payment:{result.payment_id}") == [
        (PAYMENTS_IN, shop_proceeds(shop_id), 1),
        (buyer_coupons(buyer.user_id), shop_proceeds(shop_id), 299),
        (buyer_coupons(buyer.user_id), BREAKAGE, 201),
    ]
    with app.uow.read() as c:
        assert balance(c, buyer_coupons(buyer.user_id)) == 0
        assert balance(c, shop_proceeds(shop_id)) == 300


@pytest.mark.postgres
def test_concurrent_repeated_callbacks_capture_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        placed, (flowers, fruit), _ = two_shop_checkout(world)
        workers = 8
        barrier = threading.Barrier(workers)
        out: list = [None] * workers

        def deliver(i: int) -> None:
            barrier.wait()
            try:
                out[i] = callback(app, CallbackPayload(placed.payment_ref, placed.total_fen, "captured"))
            except Exception as exc:
                out[i] = exc

        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        assert [type(o).__name__ for o in out] == ["CaptureResult"] * workers
        assert sorted(o.applied for o in out) == [False] * (workers - 1) + [True]
        with app.uow.read() as c:
            assert c.execute(select(func.count()).select_from(ledger_transactions)).scalar() == 1
            assert (
                c.execute(
                    select(func.count()).select_from(order_events).where(order_events.c.kind == "paid")
                ).scalar()
                == 2
            )
            assert balance(c, shop_proceeds(flowers)) == 3980
            assert balance(c, shop_proceeds(fruit)) == 6800
    finally:
        app.uow.engine.dispose()
