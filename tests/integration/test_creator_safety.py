"""Creators' rooms and trust & safety hooks, on SQLite and PostgreSQL (issue 18): a shop's room
hosted by a creator attributes its orders to the creator, and hosting is refused while a pinned
product is not in the marketplace for them; removing a creator cuts their sessions, unpins their
products, empties the showcase, keeps their room off air and freezes their unpaid commissions for
180 days (douyin:aJoPPkXtaG25 "最长不超过180天"); the shop's late-ship pledge still binds for a
creator's order, and the creator sees which of their orders were late."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pledge.attribution.model import Channel, Source
from pledge.catalog.tables import skus
from pledge.compensation.tables import compensations
from pledge.creators import commissions, content, queries, safety
from pledge.creators import services as creators
from pledge.creators.payouts import request_creator_payout
from pledge.creators.sources import showcase_source
from pledge.creators.tables import creator_commissions, creator_freezes, showcase_items
from pledge.kernel.errors import Conflict
from pledge.lateship.services import sweep_late_ship
from pledge.live import services as live
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.orders import services as orders
from pledge.orders.tables import orders as orders_table
from pledge.promises.model import Promise
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from tests.integration.test_creator_commissions import deliver


@pytest.fixture
def scene(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990, stock=500)
    unrated = world.product(owner, shop_id, title="洋桔梗 10枝", price_fen=3990)
    actor, operator = world.user("达人"), world.user("运营", platform_role="operator")
    now = app.clock.now()
    with app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        creators.offer_rate(c, owner, creators.NewRate(product_id, 2_000, now - timedelta(days=1)), at=now)
        creator_id = creators.register_creator(c, actor, creators.NewCreator("huahua", "花花", 5_000), at=now)
        creators.add_to_showcase(c, actor, app.rulebook, product_id=product_id, at=now)
        creators.set_grade(
            c, operator, app.rulebook, creator_id=creator_id, period_start=date(2026, 8, 9), grade="B", at=now
        )
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="花花的直播间", promise=Promise.parse("24h"), at=now
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url="/media/live.m3u8", at=now, title="开播"
        )
        live.pin_card(c, owner, session_id=session_id, sku_id=sku, price_fen=1990, at=now)
    return {
        "shop_id": shop_id,
        "owner": owner,
        "sku": sku,
        "unrated": unrated,
        "creator_id": creator_id,
        "actor": actor,
        "operator": operator,
        "room_id": room_id,
        "session_id": session_id,
    }


def buy(app, world, sku, source):
    buyer = world.user()
    with app.uow.begin() as c:
        placed = orders.place_order(
            c,
            buyer,
            [orders.LineRequest(sku, 1, source)],
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)
    return placed.order_ids[0]


def room_creator(app, room_id):
    with app.uow.read() as c:
        return c.execute(select(live_rooms.c.creator_id).where(live_rooms.c.id == room_id)).scalar()


def test_a_room_hosted_by_a_creator_sells_for_the_creator_and_refuses_unrated_products(app, world, scene):
    s = scene
    now = app.clock.now()
    with app.uow.begin() as c:
        live.pin_card(c, s["owner"], session_id=s["session_id"], sku_id=s["unrated"], price_fen=3990, at=now)
    with pytest.raises(Conflict, match="not in the affiliate marketplace for creator"):
        with app.uow.begin() as c:
            content.host_room(c, s["owner"], room_id=s["room_id"], creator_id=s["creator_id"], at=now)
    assert room_creator(app, s["room_id"]) is None
    with app.uow.begin() as c:
        live.unpin_card(c, s["owner"], session_id=s["session_id"], sku_id=s["unrated"])
        content.host_room(c, s["owner"], room_id=s["room_id"], creator_id=s["creator_id"], at=now)
    order_id = buy(app, world, s["sku"], Source(Channel.LIVE_ROOM, s["room_id"]))
    with app.uow.read() as c:
        order = c.execute(select(orders_table).where(orders_table.c.id == order_id)).one()
    assert (order.creator_id, order.source_ref) == (s["creator_id"], f"live_session:{s['session_id']}")


def test_removing_a_creator_stops_their_selling_and_freezes_their_commissions_aJoPPkXtaG25(app, world, scene):
    s = scene
    with app.uow.begin() as c:
        content.host_room(c, s["owner"], room_id=s["room_id"], creator_id=s["creator_id"], at=app.clock.now())
    order_id = buy(app, world, s["sku"], showcase_source(s["creator_id"]))
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    commissions.run_step(app.uow, app.rulebook, app.clock)
    deliver(app, order_id)
    removed_at = app.clock.now()
    with app.uow.begin() as c:
        safety.change_standing(
            c, s["operator"], app.rulebook, creator_id=s["creator_id"], status="removed", at=removed_at
        )
    with app.uow.read() as c:
        session = c.execute(select(live_sessions).where(live_sessions.c.id == s["session_id"])).one()
        pinned = c.execute(
            select(live_cards.c.pinned).where(live_cards.c.session_id == s["session_id"])
        ).scalars()
        freeze = c.execute(select(creator_freezes)).one()
        showcase = c.execute(select(showcase_items)).all()
    assert (session.status, session.cut_reason) == ("cut", safety.REMOVAL_REASON)
    assert not any(pinned) and showcase == []
    assert freeze.ends_at - removed_at == timedelta(days=180)
    with pytest.raises(Conflict, match="belongs to a creator removed from selling"):
        with app.uow.begin() as c:
            live.go_live(
                c,
                s["owner"],
                room_id=s["room_id"],
                playback_url="/media/live.m3u8",
                at=app.clock.now(),
                title="再开播",
                guards=app.live_guards,
            )
    with pytest.raises(Conflict, match="frozen for a violation until"):
        with app.uow.begin() as c:
            request_creator_payout(c, s["actor"], app.rulebook, amount_fen=1, at=app.clock.now())
    app.clock.advance(timedelta(days=20))  # 15 days past receipt: frozen, the commission waits
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    assert commissions.run_step(app.uow, app.rulebook, app.clock)["commissions_settled"] == 0
    app.clock.advance(timedelta(days=161))  # the freeze has ended
    assert commissions.run_step(app.uow, app.rulebook, app.clock)["commissions_settled"] == 1
    with app.uow.read() as c:
        assert c.execute(select(creator_commissions.c.status)).scalar_one() == "settled"


def test_the_shops_late_ship_pledge_binds_for_a_creators_order_and_the_creator_sees_it(app, world, scene):
    s = scene
    order_id = buy(app, world, s["sku"], showcase_source(s["creator_id"]))
    on_time = buy(app, world, s["sku"], showcase_source(s["creator_id"]))
    world.ship(s["owner"], on_time)
    app.clock.advance(timedelta(hours=72))  # the 48 h promise has passed unshipped
    sweep_late_ship(app.uow, app.rulebook, app.clock)
    with app.uow.read() as c:
        paid_by = c.execute(
            select(compensations.c.shop_id).where(compensations.c.order_id == order_id)
        ).scalar()
        late = {o["order_id"]: o["late_shipped"] for o in queries.creator_orders(c, s["creator_id"])}
    assert paid_by == s["shop_id"]
    assert late == {order_id: True, on_time: False}
