"""The damage pledge end to end at the service level: a claim with a photo on an order paid after
the 坏了包退 guarantee's withdrawal, paid by the shop's own pledge; a silent merchant, automatic
approval once the review deadline passes, a refund through the payment adapter."""

from datetime import timedelta

from sqlalchemy import select

from pledge.aftersales import services as aftersales
from pledge.aftersales.policy import ShopPledge
from pledge.aftersales.tables import cases, refunds
from pledge.demo.aftersales import photo
from pledge.ledger.services import balance, trial_balance
from pledge.orders.tables import order_lines
from pledge.uploads.services import save_image

PNG = photo(3, 16, 12)  # a real PNG: uploads are decoded, not sniffed


def test_silent_merchant_damage_claim_is_refunded_once(app, world, clock):
    shop_id, owner = world.shop()
    with app.uow.begin() as c:
        aftersales.set_shop_pledge(
            c, owner, shop_id, ShopPledge(per_unit_damage=True), "损坏一支也给售后赔付", at=clock.now()
        )
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
        case_id = aftersales.file_case(
            c,
            buyer,
            aftersales.NewCase(order_id, "damage_claim", "damaged", [(line_id, 1)], upload_ids=[upload]),
            book=app.rulebook,
            at=clock.now(),
        )
    clock.advance(timedelta(hours=48, seconds=1))  # review.default-48h: the guarantee's 24 h do not apply
    for _ in range(2):
        aftersales.sweep_case_deadlines(app.uow, app.rulebook, clock)
        aftersales.complete_refunds(app.uow, app.payments, clock)
    with app.uow.read() as c:
        case = c.execute(select(cases).where(cases.c.id == case_id)).one()
        rows = c.execute(select(refunds)).all()
        assert sum(trial_balance(c).values()) == 0
        assert balance(c, f"shop:{shop_id}:proceeds") == 0
    assert (
        case.status == "refunded" and case.clause_id == "damage.shop-pledge" and case.basis == "shop_pledge"
    )
    assert [(r.amount_fen, r.status) for r in rows] == [(9900, "succeeded")]


def test_platform_and_shop_set_up_the_no_photo_pledge_and_a_fund(app, world):
    import pytest

    from pledge.aftersales.tables import shop_trusted_buyers, subsidy_funds
    from pledge.kernel.errors import Conflict, Forbidden, InvalidInput

    shop_id, owner = world.shop("大乐水果")
    other_shop, other_owner = world.shop()
    grandma = world.user("王奶奶")
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        aftersales.mark_trusted_buyer(c, owner, shop_id, grandma.user_id, "女儿替妈妈下单")
        aftersales.mark_trusted_buyer(c, owner, shop_id, grandma.user_id, "again")  # idempotent
        fund = aftersales.open_subsidy_fund(c, operator, code="fresh", name="生鲜保障基金", budget_fen=500000)
    for call, error in [
        (lambda c: aftersales.mark_trusted_buyer(c, other_owner, shop_id, grandma.user_id, ""), Forbidden),
        (lambda c: aftersales.open_subsidy_fund(c, owner, code="x", name="x", budget_fen=100), Forbidden),
        (
            lambda c: aftersales.open_subsidy_fund(c, operator, code="fresh", name="dup", budget_fen=100),
            Conflict,
        ),
        (
            lambda c: aftersales.open_subsidy_fund(c, operator, code="neg", name="n", budget_fen=-1),
            InvalidInput,
        ),
    ]:
        with pytest.raises(error):
            with app.uow.begin() as c:
                call(c)
    with app.uow.read() as c:
        assert c.execute(select(shop_trusted_buyers.c.shop_id, shop_trusted_buyers.c.buyer_id)).all() == [
            (shop_id, grandma.user_id)
        ]
        assert c.execute(select(subsidy_funds.c.id, subsidy_funds.c.budget_fen)).all() == [(fund, 500000)]
