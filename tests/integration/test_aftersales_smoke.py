"""The damage pledge end to end at the service level: a claim with a photo, a silent merchant,
automatic approval once the review deadline passes, a refund through the payment adapter."""
from datetime import timedelta

from sqlalchemy import select

from pledge.aftersales import services as aftersales
from pledge.aftersales.tables import cases, refunds
from pledge.ledger.services import balance, trial_balance
from pledge.orders.tables import order_lines
from pledge.uploads.services import save_image

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_silent_merchant_damage_claim_is_refunded_once(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=9900, perishable=True)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku, quantity=1)
    world.ship(owner, order_id)
    clock.advance(timedelta(hours=40))
    world.carrier_tick()  # picked up, in transit, delivered
    with app.uow.begin() as c:
        upload = save_image(c, app.files, buyer, data=PNG, filename="rotten.png", at=clock.now())
        line_id = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar()
    with app.uow.begin() as c:
        case_id = aftersales.file_case(c, buyer, aftersales.NewCase(order_id, "damage_claim", "visible_rot",
                                                                    [(line_id, 1)], upload_ids=[upload]),
                                       book=app.rulebook, at=clock.now())
    clock.advance(timedelta(hours=24, seconds=1))
    for _ in range(2):
        aftersales.sweep_case_deadlines(app.uow, app.rulebook, clock)
        aftersales.complete_refunds(app.uow, app.payments, clock)
    with app.uow.read() as c:
        case = c.execute(select(cases).where(cases.c.id == case_id)).one()
        rows = c.execute(select(refunds)).all()
        assert sum(trial_balance(c).values()) == 0
        assert balance(c, f"shop:{shop_id}:proceeds") == 0
    assert case.status == "refunded" and case.clause_id == "damage.share.gt50"
    assert [(r.amount_fen, r.status) for r in rows] == [(9900, "succeeded")]
