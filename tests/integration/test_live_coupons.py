"""Viewer coupons in live rooms on SQLite and PostgreSQL: once per viewer (also when claims race
on concurrent connections), never more than the offer holds, refused in an ended session or from
another room with nothing written, and merchant-funded when spent (the shop receives what the
buyer paid; the wallet account is never touched; douyin:aJmYzDVDDjey 5.2.1 商家券)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons
from pledge.live import coupons as live_coupons
from pledge.live import services as live
from pledge.live.tables import live_coupon_claims, live_coupon_offers
from pledge.promises.model import Promise
from tests.support import run_concurrently

HLS = "/media/live/sunflower/index.m3u8"


@pytest.fixture
def on_air(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, price_fen=5000)
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="花市直播", promise=Promise.parse("24h"), at=app.clock.now()
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url=HLS, title="开播", at=app.clock.now()
        )
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "room_id": room_id, "session_id": session_id}


def push(app, owner, session_id, *, quantity=10, amount_fen=500, min_spend_fen=3000, valid_hours=24):
    with app.uow.begin() as c:
        return live_coupons.push_offer(
            c,
            owner,
            session_id=session_id,
            amount_fen=amount_fen,
            min_spend_fen=min_spend_fen,
            quantity=quantity,
            valid_hours=valid_hours,
            at=app.clock.now(),
        )


def claim(app, viewer, room_id, offer_id):
    with app.uow.begin() as c:
        return live_coupons.claim(c, viewer, room_id=room_id, offer_id=offer_id, at=app.clock.now())


def counts(app) -> tuple[int, int, int]:
    with app.uow.read() as c:
        return (
            c.execute(select(func.count()).select_from(coupons)).scalar_one(),
            c.execute(select(func.count()).select_from(live_coupon_claims)).scalar_one(),
            sum(c.execute(select(live_coupon_offers.c.claimed)).scalars()),
        )


def test_a_viewer_claims_a_merchant_coupon_once(app, world, on_air):
    offer = push(app, on_air["owner"], on_air["session_id"])
    viewer = world.user()
    got = claim(app, viewer, on_air["room_id"], offer.id)
    assert got.offer.left == 9
    assert got.expires_at == app.clock.now() + timedelta(hours=24)
    with app.uow.read() as c:
        coupon = c.execute(select(coupons).where(coupons.c.id == got.coupon_id)).one()
    assert (coupon.buyer_id, coupon.amount_fen, coupon.min_spend_fen) == (viewer.user_id, 500, 3000)
    assert (coupon.funded_by, coupon.shop_id, coupon.status) == ("merchant", on_air["shop_id"], "available")
    with pytest.raises(Conflict, match="already claimed"):
        claim(app, viewer, on_air["room_id"], offer.id)
    assert counts(app) == (1, 1, 1)


def test_claims_racing_on_concurrent_connections_give_one_coupon_per_viewer(app, world, on_air):
    offer = push(app, on_air["owner"], on_air["session_id"], quantity=3)
    viewers = [world.user() for _ in range(5)]
    same = viewers[0]
    calls = [lambda v=v: claim(app, v, on_air["room_id"], offer.id) for v in viewers]
    calls += [lambda: claim(app, same, on_air["room_id"], offer.id)] * 3
    results = run_concurrently(calls)
    won = [r for r in results if isinstance(r, live_coupons.Claimed)]
    assert len(won) == 3, results
    assert all(isinstance(r, Conflict) for r in results if r not in won), results
    assert len({w.coupon_id for w in won}) == 3
    assert counts(app) == (3, 3, 3)
    with app.uow.read() as c:
        holders = list(c.execute(select(coupons.c.buyer_id)).scalars())
    assert len(set(holders)) == 3


def test_an_offer_that_ran_out_writes_nothing_more(app, world, on_air):
    offer = push(app, on_air["owner"], on_air["session_id"], quantity=1)
    claim(app, world.user(), on_air["room_id"], offer.id)
    with pytest.raises(Conflict, match="all of these coupons"):
        claim(app, world.user(), on_air["room_id"], offer.id)
    assert counts(app) == (1, 1, 1)


def test_an_ended_session_and_another_room_refuse_claims(app, world, on_air):
    offer = push(app, on_air["owner"], on_air["session_id"])
    other_shop, other_owner = world.shop("别家伞厂")
    with app.uow.begin() as c:
        other_room = live.create_room(
            c, other_owner, shop_id=other_shop, title="伞", promise=Promise.parse("48h"), at=app.clock.now()
        )
    with pytest.raises(NotFound):
        claim(app, world.user(), other_room, offer.id)
    with app.uow.begin() as c:
        live.end_session(c, on_air["owner"], session_id=on_air["session_id"], at=app.clock.now())
    with pytest.raises(Conflict, match="ended"):
        claim(app, world.user(), on_air["room_id"], offer.id)
    assert counts(app) == (0, 0, 0)


def test_only_the_shop_pushes_valid_offers_while_live(app, world, on_air):
    _, stranger = world.shop("别家伞厂")
    with pytest.raises(Forbidden):
        push(app, stranger, on_air["session_id"])
    with pytest.raises(InvalidInput):  # 满30减30 takes off the whole threshold
        push(app, on_air["owner"], on_air["session_id"], amount_fen=3000, min_spend_fen=3000)
    with pytest.raises(InvalidInput):
        push(app, on_air["owner"], on_air["session_id"], quantity=0)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(live_coupon_offers)).scalar_one() == 0


def test_a_merchant_coupon_is_paid_by_the_shop_at_redemption(app, world, on_air):
    """The shop's proceeds get what the buyer paid; the buyer's coupon account never moves."""
    offer = push(app, on_air["owner"], on_air["session_id"])
    buyer = world.user()
    coupon_id = claim(app, buyer, on_air["room_id"], offer.id).coupon_id
    placed = world.place(buyer, (on_air["sku"], 1), coupon_id=coupon_id)
    assert placed.total_fen == 5000 - 500
    world.pay(placed)
    with app.uow.read() as c:
        assert ledger.balance(c, ledger.shop_proceeds(on_air["shop_id"])) == 4500
        assert ledger.balance(c, ledger.buyer_coupons(buyer.user_id)) == 0


def test_a_merchant_coupon_applies_only_at_its_shop_above_its_minimum_and_before_expiry(
    app, world, on_air, clock
):
    offer = push(app, on_air["owner"], on_air["session_id"], valid_hours=1)
    buyer = world.user()
    coupon_id = claim(app, buyer, on_air["room_id"], offer.id).coupon_id
    other_shop, other_owner = world.shop("别家伞厂")
    umbrella = world.product(other_owner, other_shop, price_fen=9000)
    cheap = world.product(on_air["owner"], on_air["shop_id"], price_fen=1000)
    with pytest.raises(InvalidInput):
        world.place(buyer, (umbrella, 1), coupon_id=coupon_id)
    with pytest.raises(InvalidInput):
        world.place(buyer, (cheap, 1), coupon_id=coupon_id)
    clock.advance(timedelta(hours=1))
    with pytest.raises(Conflict, match="expired"):
        world.place(buyer, (on_air["sku"], 1), coupon_id=coupon_id)
