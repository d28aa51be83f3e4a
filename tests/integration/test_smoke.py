from datetime import timedelta

from pledge.lateship.services import sweep_late_ship
from pledge.ledger.services import trial_balance


def test_late_order_is_compensated_once(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    buyer = world.user()
    world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 49))
    first = sweep_late_ship(app.uow, app.rulebook, clock)
    second = sweep_late_ship(app.uow, app.rulebook, clock)
    # 49 h late: the late-ship cell 1% = 1.50 -> 2 and the out-of-stock deduction 3% = 4.50 -> 5
    assert (first.compensated, first.amount_fen) == (2, 700)
    assert second.compensated == 0
    with app.uow.read() as c:
        balances = trial_balance(c)
    assert sum(balances.values()) == 0
    assert balances[f"buyer:{buyer.user_id}:coupons"] == 700
