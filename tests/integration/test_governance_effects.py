"""Penalty effects that are enforced, not only recorded (issue 14): presale closed (关闭预售) for the
rung's days refuses the shop's new presale listings; a live ban (禁播) refuses announcing and going
live until it ends; frozen proceeds (冻结货款) refuse payouts for the clause's 60 days. Each stops
at its end, and at once when the penalty is reversed on appeal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.catalog import services as catalog
from pledge.catalog.tables import products, skus
from pledge.governance import penalties
from pledge.governance.guards import PresaleClosed, ProceedsFrozen, StreamBanned
from pledge.live import services as live
from pledge.promises.model import Promise
from pledge.settlement import payouts
from tests.integration.test_governance_penalties import LADDER, impose

HLS = "/media/live/sunflower/index.m3u8"
MINORS = "governance.minors-in-live"
PRESALE = "presale:2027-01-20"


@pytest.fixture
def fruit(world):
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, title="赣南脐橙 5斤", price_fen=3990)
    with world.app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {"shop_id": shop_id, "owner": owner, "product_id": product_id, "sku": sku}


def _reviewer(world):
    return world.user("审核员", platform_role="reviewer")


def _cases(app, world, fruit, n, clause=LADDER) -> int:
    reviewer = _reviewer(world)
    for _ in range(n):
        last = impose(app, reviewer, fruit, clause=clause)
    return last


def test_presale_closed_refuses_new_presale_listings_for_15_days(app, world, clock, fruit):
    _cases(app, world, fruit, 3)  # case 3: product banned + presale closed 15 days
    world.product(fruit["owner"], fruit["shop_id"], title="砂糖橘 3斤")  # an ordinary listing is fine
    with pytest.raises(PresaleClosed) as refused:
        world.product(fruit["owner"], fruit["shop_id"], title="年货礼盒", promise=PRESALE)
    assert refused.value.extra["clause"] == LADDER
    assert refused.value.extra["msgid"] == "governance.refused.presale_closed"
    clock.advance(timedelta(days=15, minutes=1))
    assert world.product(fruit["owner"], fruit["shop_id"], title="年货礼盒", promise=PRESALE)


def test_presale_closed_refuses_turning_a_product_into_presale(app, world, fruit):
    _cases(app, world, fruit, 3)
    sku = world.product(fruit["owner"], fruit["shop_id"], title="砂糖橘 3斤")
    with app.uow.read() as c:
        product_id, category_id = c.execute(
            select(skus.c.product_id, products.c.category_id)
            .join(products, products.c.id == skus.c.product_id)
            .where(skus.c.id == sku)
        ).one()
    edit = catalog.ProductEdit(
        category_id, "砂糖橘 3斤", Promise.parse(PRESALE), [catalog.EditedSku(sku, "默认", 1990, 100)]
    )
    with pytest.raises(PresaleClosed), app.uow.begin() as c:
        catalog.update_product(
            c, fruit["owner"], product_id, edit, at=app.clock.now(), guards=app.listing_guards
        )
    edit = catalog.ProductEdit(
        category_id, "砂糖橘 3斤 新果", Promise.parse("48h"), [catalog.EditedSku(sku, "默认", 1990, 100)]
    )
    with app.uow.begin() as c:  # an edit that keeps the promise is fine
        catalog.update_product(
            c, fruit["owner"], product_id, edit, at=app.clock.now(), guards=app.listing_guards
        )


def _room(app, fruit):
    with app.uow.begin() as c:
        return live.create_room(
            c,
            fruit["owner"],
            shop_id=fruit["shop_id"],
            title="果园直播",
            promise=Promise.parse("48h"),
            at=app.clock.now(),
        )


def _go_live(app, owner, room_id):
    with app.uow.begin() as c:
        return live.go_live(
            c,
            owner,
            room_id=room_id,
            playback_url=HLS,
            at=app.clock.now(),
            title="开播",
            guards=app.live_guards,
        )


def test_a_live_ban_refuses_announcing_and_going_live_until_it_ends(app, world, clock, fruit):
    room_id = _room(app, fruit)
    _cases(app, world, fruit, 3, clause=MINORS)  # case 3: a 7-day live ban
    with pytest.raises(StreamBanned) as refused:
        _go_live(app, fruit["owner"], room_id)
    assert refused.value.extra["until"]  # the end in Beijing time, for the page
    with pytest.raises(StreamBanned), app.uow.begin() as c:
        live.schedule_session(
            c,
            fruit["owner"],
            room_id=room_id,
            title="明晚直播",
            starts_at=app.clock.now() + timedelta(days=1),
            at=app.clock.now(),
            guards=app.live_guards,
        )
    clock.advance(timedelta(days=7, minutes=1))
    assert _go_live(app, fruit["owner"], room_id)


def test_a_live_ban_reversed_on_appeal_stops_at_once(app, world, fruit):
    room_id = _room(app, fruit)
    last = _cases(app, world, fruit, 3, clause=MINORS)
    with app.uow.begin() as c:
        penalties.reverse(c, last, at=app.clock.now())
    assert _go_live(app, fruit["owner"], room_id)


def _payout(app, owner, shop_id):
    with app.uow.begin() as c:
        return payouts.request_payout(
            c, owner, app.rulebook, shop_id, amount_fen=100, at=app.clock.now(), guards=app.payout_guards
        )


def test_frozen_proceeds_refuse_payouts_for_60_days(app, world, clock, fruit):
    _cases(app, world, fruit, 5)  # case 5: proceeds frozen 60 days, suspension, 5 000 yuan
    with pytest.raises(ProceedsFrozen) as refused:
        _payout(app, fruit["owner"], fruit["shop_id"])
    assert refused.value.extra["msgid"] == "governance.refused.proceeds_frozen"
    clock.advance(timedelta(days=59))
    with pytest.raises(ProceedsFrozen), app.uow.begin() as c:
        app.penalties.check_payout(c, fruit["shop_id"], at=app.clock.now())
    clock.advance(timedelta(days=1, minutes=1))
    with app.uow.begin() as c:
        app.penalties.check_payout(c, fruit["shop_id"], at=app.clock.now())  # refuses nothing now
