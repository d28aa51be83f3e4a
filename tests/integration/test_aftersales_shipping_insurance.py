"""Shipping insurance (运费险, douyin:aJpAMtJPdWH7) on SQLite and PostgreSQL: a shop opts a product
in; a return or exchange requested within 90 days after the ship click and sent back by the
buyer has its postage paid by the insurance, up to the tier's cap, once the refund or exchange
succeeds; once per order and per waybill; the insurer is paid through its adapter and the ledger
books insurer → buyer exactly once, also with concurrent workers (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.aftersales import coverage, insurance, queries
from pledge.aftersales import services as aftersales
from pledge.aftersales.tables import shipping_insurance_claims
from pledge.catalog.tables import skus
from pledge.kernel.errors import Forbidden, InvalidInput
from pledge.ledger.services import balance, trial_balance
from pledge.ledger.tables import ledger_transactions
from pledge.payments.insurers import ClaimResult, SandboxInsurer
from tests.integration.test_aftersales_cases import (  # noqa: F401 - the autouse fixtures apply here too
    case_events_of,
    case_row,
    complete,
    file,
    legs,
    private_upload_dir,
    refused,
    review,
    scene,
)

UMBRELLA = 3990


def insured_umbrella(world, tier: str | None = "small"):
    """The umbrella factory, a product it insures (`tier`) and a buyer's delivered order of two."""
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, price_fen=UMBRELLA, title="钓鱼斗篷伞")
    if tier:
        insure(world, owner, sku, tier)
    return shop_id, owner, sku


def insure(world, owner, sku: int, tier: str | None) -> int:
    with world.app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar()
        coverage.set_shipping_insurance(
            c, owner, product_id, tier=tier, book=world.app.rulebook, at=world.now
        )
    return product_id


def ship_back(app, s, case_id: int, postage: int | None, tracking: str = "SF6600000001") -> None:
    with app.uow.begin() as c:
        aftersales.ship_return(
            c,
            s.buyer,
            case_id,
            carrier="sf",
            tracking_no=tracking,
            book=app.rulebook,
            at=app.clock.now(),
            postage_fen=postage,
        )


def returned(app, s, *, case_type="return_refund", units=1, postage=3000, tracking="SF6600000001") -> int:
    """A return (or exchange) approved and sent back with `postage` fen."""
    case_id = file(app, s.buyer, s.order_id, case_type, "quality", [(s.line_id, units)])
    review(app, s.owner, case_id, True)
    ship_back(app, s, case_id, postage, tracking)
    return case_id


def receive(app, s, case_id: int) -> None:
    with app.uow.begin() as c:
        aftersales.receive_return(c, s.owner, case_id, at=app.clock.now())


def pay(app, insurer=None) -> int:
    return insurance.pay_claims(app.uow, insurer or SandboxInsurer(), app.clock)


def claims(app) -> list[tuple]:
    c = shipping_insurance_claims.c
    with app.uow.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    c.idempotency_key, c.case_id, c.postage_fen, c.amount_fen, c.tier, c.clause_id, c.status
                ).order_by(c.id)
            )
        ]


def test_douyin_aJpAMtJPdWH7_the_insurance_pays_the_return_postage_after_the_refund(app, world, clock):
    shop_id, owner, sku = insured_umbrella(world)
    s = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=2)
    with app.uow.read() as c:
        assert queries.shop_has_shipping_insurance(c, shop_id, clock.now())
    case_id = file(app, s.buyer, s.order_id, "return_refund", "quality", [(s.line_id, 1)])
    review(app, s.owner, case_id, True)
    refused(
        app,
        InvalidInput,
        "shipping insurance pays the return postage: give what you paid",
        lambda: ship_back(app, s, case_id, None),
    )
    ship_back(app, s, case_id, 3000)
    shipped = case_row(app, case_id)
    assert (
        shipped.return_postage_fen,
        shipped.insured_fen,
        shipped.insurance_tier,
        shipped.insurance_clause,
    ) == (3000, 2400, "small", "shipping-insurance.small")  # 30.00 paid, the small tier pays up to 24.00
    assert claims(app) == [] and pay(app) == 0  # nothing before 退款成功
    receive(app, s, case_id)
    assert claims(app) == []
    assert complete(app) == 1  # 退款成功: the claim opens
    key = f"shipping-insurance:{s.order_id}"
    assert claims(app) == [(key, case_id, 3000, 2400, "small", "shipping-insurance.small", "pending")]
    assert pay(app) == 1 and pay(app) == 0
    assert claims(app)[0][-1] == "paid"
    assert legs(app, key) == [("insurer:sandbox", f"buyer:{s.buyer.user_id}:return-postage", 2400)]
    with app.uow.read() as c:
        assert balance(c, f"buyer:{s.buyer.user_id}:return-postage") == 2400
        assert balance(c, "insurer:sandbox") == -2400
        assert (
            balance(c, f"shop:{shop_id}:proceeds") == 2 * UMBRELLA - UMBRELLA
        )  # the shop pays the refund only
        assert sum(trial_balance(c).values()) == 0
        detail = queries.case_detail(c, s.buyer, case_id)
    assert (
        detail["shipping_insurance"]["status"] == "paid"
        and detail["shipping_insurance"]["amount_fen"] == 2400
    )
    assert [k for k, _ in case_events_of(app, case_id)][-3:] == [
        "refunded",
        "insurance_claimed",
        "insurance_paid",
    ]


def test_an_exchange_is_paid_at_exchange_success_and_one_claim_per_order(app, world, clock):
    shop_id, owner, sku = insured_umbrella(world, "upgraded")
    s = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=2)
    first = returned(app, s, case_type="exchange", postage=1800, tracking="SF6600000002")
    receive(app, s, first)
    assert case_row(app, first).status == "exchanged"
    assert claims(app) == [
        (
            f"shipping-insurance:{s.order_id}",
            first,
            1800,
            1800,
            "upgraded",
            "shipping-insurance.upgraded",
            "pending",
        )
    ]
    second = returned(app, s, postage=1800, tracking="SF6600000003")  # the other umbrella, on the same order
    receive(app, s, second)
    assert complete(app) == 1
    assert len(claims(app)) == 1  # 单笔订单只支持一次运费险理赔
    assert ("insurance_refused", "system") in case_events_of(app, second)
    assert pay(app) == 1
    with app.uow.read() as c:
        assert (
            c.execute(
                select(func.count())
                .select_from(ledger_transactions)
                .where(ledger_transactions.c.kind == "insurance")
            ).scalar()
            == 1
        )


def test_one_successful_claim_per_waybill(app, world, clock):
    shop_id, owner, sku = insured_umbrella(world)
    a = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=1)
    b = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=1, buyer=a.buyer)
    both = [returned(app, a, tracking="SF6600000009"), returned(app, b, tracking="SF6600000009")]
    for s, case_id in zip((a, b), both, strict=True):
        receive(app, s, case_id)
    assert complete(app) == 2
    assert [row[1] for row in claims(app)] == [both[0]]
    assert ("insurance_refused", "system") in case_events_of(app, both[1])


@pytest.mark.parametrize(
    "situation",
    [
        "not insured",
        "insured after payment",
        "stopped before payment",
        "requested after 90 days",
        "refund only",
    ],
)
def test_no_claim_where_the_insurance_does_not_cover_the_return(app, world, clock, situation):
    shop_id, owner, sku = insured_umbrella(
        world, None if situation in ("not insured", "insured after payment") else "small"
    )
    if situation == "stopped before payment":
        insure(world, owner, sku, None)
    s = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=1)
    if situation == "insured after payment":
        insure(world, owner, sku, "large")
    if situation == "requested after 90 days":
        clock.set(
            clock.now() - timedelta(hours=36) + timedelta(days=90, seconds=1)
        )  # 90 days after the ship click
    if situation == "refund only":
        case_id = file(app, s.buyer, s.order_id, "refund_only", "quality", [(s.line_id, 1)])
        review(app, s.owner, case_id, True)
    else:
        case_id = returned(app, s, postage=1000)
        receive(app, s, case_id)
        assert case_row(app, case_id).insured_fen == 0
    assert complete(app) == 1
    assert claims(app) == [] and pay(app) == 0


def test_a_shop_insures_only_its_own_products_and_known_tiers(app, world, clock):
    shop_id, owner, sku = insured_umbrella(world, None)
    rival_shop, rival = world.shop("别家店")
    refused(app, Forbidden, f"not a member of shop {shop_id}", lambda: insure(world, rival, sku, "small"))
    refused(app, InvalidInput, "unknown shipping insurance 'gold'", lambda: insure(world, owner, sku, "gold"))
    product_id = insure(world, owner, sku, "small")
    insure(world, owner, sku, "small")  # again: nothing changes
    with app.uow.read() as c:
        assert queries.product_shipping_insurance(c, product_id, clock.now()) == "small"
        assert not queries.shop_has_shipping_insurance(c, rival_shop, clock.now())
    clock.advance(timedelta(hours=1))
    insure(world, owner, sku, "large")
    with app.uow.read() as c:
        assert queries.product_shipping_insurance(c, product_id, clock.now()) == "large"
        assert (
            queries.product_shipping_insurance(c, product_id, clock.now() - timedelta(minutes=30)) == "small"
        )
    insure(world, owner, sku, None)
    with app.uow.read() as c:
        assert queries.product_shipping_insurance(c, product_id, clock.now()) is None
        assert not queries.shop_has_shipping_insurance(c, shop_id, clock.now())


class PartialInsurer(SandboxInsurer):
    """An insurer that pays less than asked (its policy page decides): Pledge books what it paid."""

    def claim(self, request):
        return ClaimResult("ins_partial", request.amount_fen - 400)


def test_the_ledger_books_what_the_insurer_paid(app, world, clock):
    shop_id, owner, sku = insured_umbrella(world)
    s = scene(world, clock, shop=(shop_id, owner), sku=sku, qty=1)
    receive(app, s, returned(app, s, postage=2000))
    complete(app)
    assert pay(app, PartialInsurer()) == 1
    assert legs(app, f"shipping-insurance:{s.order_id}") == [
        ("insurer:sandbox", f"buyer:{s.buyer.user_id}:return-postage", 1600)
    ]
    assert claims(app)[0][3:] == (1600, "small", "shipping-insurance.small", "paid")
