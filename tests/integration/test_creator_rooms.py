"""A creator's own live room (达人直播间) selling several shops' products, on SQLite and PostgreSQL:
a room has exactly one owner (a shop or a creator); the creator pins only products a merchant's
rate lets them sell (douyin:aJoPPkXtaG25, "被设置了带货佣金的达人可以带货，无佣金的达人不可带货");
buying two shops' cards in one checkout places one order per shop, each the creator's, each
line's commission at its own shop's rate, booked once however many workers race; a removed
creator cannot go live or pin; trust & safety cuts a creator's stream."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pledge.attribution.model import Channel, Source
from pledge.catalog.tables import skus
from pledge.creators import commissions, rooms, safety
from pledge.creators import services as creators
from pledge.creators.tables import affiliate_rates, creator_commissions
from pledge.governance.streams import cut_stream
from pledge.kernel.errors import Conflict, Forbidden, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.live import queries
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.orders import services as orders
from pledge.orders.tables import orders as orders_table
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from tests.support import run_concurrently

HLS = "/media/live/sunflower/index.m3u8"
# Worked by hand: the florist's sunflowers at the room price ¥18.00, 20 % → ¥3.60; the fruit
# seller's mangoes at ¥55.00, 12 % → ¥6.60. No shipping fee, no coupon: the base is what was paid.
SUNFLOWER_ROOM_PRICE, FLORIST_RATE, FLORIST_COMMISSION = 1800, 2_000, 360
MANGO_ROOM_PRICE, FRUIT_RATE, FRUIT_COMMISSION = 5500, 1_200, 660


def _shop_with_rate(app, world, name, title, price_fen, rate_bp):
    shop_id, owner = world.shop(name)
    sku = world.product(owner, shop_id, title=title, price_fen=price_fen, stock=1_000)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    if rate_bp is not None:
        with app.uow.begin() as c:
            new = creators.NewRate(product_id, rate_bp, app.clock.now() - timedelta(days=1))
            creators.offer_rate(c, owner, new, at=app.clock.now())
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "product_id": product_id}


@pytest.fixture
def market(app, world):
    florist = _shop_with_rate(app, world, "小阿阮鲜花", "A级向日葵 12枝", 1990, FLORIST_RATE)
    fruit = _shop_with_rate(app, world, "果园直发", "海南贵妃芒 5斤", 5900, FRUIT_RATE)
    no_rate = _shop_with_rate(app, world, "杂货铺", "收纳盒", 990, None)
    actor = world.user("花花姐")
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        creator_id = creators.register_creator(
            c, actor, creators.NewCreator("huahua", "花花姐", 5_000), at=app.clock.now()
        )
        creators.set_grade(
            c,
            operator,
            app.rulebook,
            creator_id=creator_id,
            period_start=date(2026, 8, 9),
            grade="C",
            at=app.clock.now(),
        )
        room_id = rooms.open_room(c, actor, app.rulebook, title="花花姐的好物直播", at=app.clock.now())
    return {
        "florist": florist,
        "fruit": fruit,
        "no_rate": no_rate,
        "creator": actor,
        "creator_id": creator_id,
        "operator": operator,
        "room_id": room_id,
    }


def go_live(app, market):
    with app.uow.begin() as c:
        return rooms.go_live(
            c, market["creator"], room_id=market["room_id"], playback_url=HLS, at=app.clock.now()
        )


def pin(app, market, sku, price_fen):
    with app.uow.begin() as c:
        return rooms.pin(
            c,
            market["creator"],
            app.rulebook,
            room_id=market["room_id"],
            sku_id=sku,
            price_fen=price_fen,
            at=app.clock.now(),
        )


def live_with_two_shops(app, market) -> int:
    session_id = go_live(app, market)
    pin(app, market, market["florist"]["sku"], SUNFLOWER_ROOM_PRICE)
    pin(app, market, market["fruit"]["sku"], MANGO_ROOM_PRICE)
    return session_id


def buy_both(app, world, market):
    source = Source(Channel.LIVE_ROOM, market["room_id"])
    lines = [
        orders.LineRequest(market["florist"]["sku"], 1, source),
        orders.LineRequest(market["fruit"]["sku"], 1, source),
    ]
    buyer = world.user()
    with app.uow.begin() as c:
        placed = orders.place_order(
            c,
            buyer,
            lines,
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)
    return placed


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_room_has_exactly_one_owner(app, market):
    room = market["room_id"]
    with app.uow.read() as c:
        row = c.execute(select(live_rooms).where(live_rooms.c.id == room)).one()
    assert (row.shop_id, row.content_id, row.creator_id) == (None, None, market["creator_id"])
    for values in ({}, {"shop_id": market["florist"]["shop_id"]}):  # no owner; a shop with no promise
        with pytest.raises(IntegrityError), app.uow.begin() as c:
            c.execute(live_rooms.insert().values(title="无主直播间", created_at=app.clock.now(), **values))
    with app.uow.read() as c:
        view = queries.room_view(c, room)
        mine = queries.rooms(c, creator_id=market["creator_id"])
    assert (view.shop_id, view.promise_code, view.creator_id) == (None, None, market["creator_id"])
    assert [r.id for r in mine] == [room]


def test_the_creator_pins_products_of_several_shops_at_the_room_price(app, market):
    live_with_two_shops(app, market)
    with app.uow.read() as c:
        cards = queries.room_view(c, market["room_id"]).cards
    assert [(card.shop_id, card.price_fen) for card in cards] == [
        (market["florist"]["shop_id"], SUNFLOWER_ROOM_PRICE),
        (market["fruit"]["shop_id"], MANGO_ROOM_PRICE),
    ]
    assert all(card.shop_name for card in cards)
    with app.uow.begin() as c:
        rooms.unpin(c, market["creator"], room_id=market["room_id"], sku_id=market["fruit"]["sku"])
    with app.uow.read() as c:
        assert [card.sku_id for card in queries.room_view(c, market["room_id"]).cards] == [
            market["florist"]["sku"]
        ]


def test_pinning_a_product_without_a_rate_for_the_creator_is_refused_aJoPPkXtaG25(app, market):
    # 被设置了带货佣金的达人可以带货，无佣金的达人不可带货
    go_live(app, market)
    with pytest.raises(Conflict, match="not in the affiliate marketplace for you"):
        pin(app, market, market["no_rate"]["sku"], 900)
    with pytest.raises(NotFound):
        pin(app, market, 999_999, 900)
    assert count(app, live_cards) == 0


def test_only_the_creator_works_their_room(app, world, market):
    session_id = go_live(app, market)
    other = world.user("别的达人")
    with app.uow.begin() as c:
        creators.register_creator(c, other, creators.NewCreator("other", "别人", 5_000), at=app.clock.now())
    with pytest.raises(NotFound), app.uow.begin() as c:
        rooms.pin(
            c,
            other,
            app.rulebook,
            room_id=market["room_id"],
            sku_id=market["florist"]["sku"],
            price_fen=100,
            at=app.clock.now(),
        )
    with pytest.raises(NotFound), app.uow.begin() as c:
        rooms.end_session(c, other, room_id=market["room_id"], at=app.clock.now())
    with pytest.raises(Forbidden), app.uow.begin() as c:  # a shop owner has no creator account
        rooms.end_session(c, market["florist"]["owner"], room_id=market["room_id"], at=app.clock.now())
    with pytest.raises(NotFound), app.uow.read() as c:  # nor is it a shop's room to host
        queries.room_for_host(c, market["florist"]["owner"], market["room_id"])
    with app.uow.begin() as c:
        assert (
            rooms.end_session(c, market["creator"], room_id=market["room_id"], at=app.clock.now())
            == session_id
        )


def test_a_removed_creator_cannot_go_live_or_pin(app, market):
    session_id = live_with_two_shops(app, market)
    with app.uow.begin() as c:
        safety.change_standing(
            c,
            market["operator"],
            app.rulebook,
            creator_id=market["creator_id"],
            status="removed",
            at=app.clock.now(),
        )
    with app.uow.read() as c:
        assert c.execute(
            select(live_sessions.c.status).where(live_sessions.c.id == session_id)
        ).scalar_one() == ("cut")
    with pytest.raises(Conflict, match="removed from selling"):
        go_live(app, market)
    with pytest.raises(Conflict):
        pin(app, market, market["florist"]["sku"], SUNFLOWER_ROOM_PRICE)
    with pytest.raises(Conflict, match="removed from selling"), app.uow.begin() as c:
        rooms.open_room(c, market["creator"], app.rulebook, title="再开一个", at=app.clock.now())


def test_trust_and_safety_cuts_a_creators_stream(app, market):
    session_id = live_with_two_shops(app, market)
    with app.uow.begin() as c:
        penalty_id, room_id = cut_stream(
            c,
            market["operator"],
            session_id,
            reason="直播内容违规",
            clause_id="moderation.prohibited.weapons",
            book=app.rulebook,
            at=app.clock.now(),
        )
    assert (penalty_id, room_id) == (None, market["room_id"])  # no shop to penalise
    with app.uow.read() as c:
        assert (
            c.execute(select(live_sessions.c.status).where(live_sessions.c.id == session_id)).scalar_one()
            == "cut"
        )


def test_buying_two_shops_cards_places_one_order_per_shop_with_its_own_rate(app, world, market):
    session_id = live_with_two_shops(app, market)
    placed = buy_both(app, world, market)
    assert len(placed.order_ids) == 2
    with app.uow.read() as c:
        rows = c.execute(
            select(orders_table).where(orders_table.c.id.in_(placed.order_ids)).order_by(orders_table.c.id)
        ).all()
    by_shop = {row.shop_id: row for row in rows}
    assert set(by_shop) == {market["florist"]["shop_id"], market["fruit"]["shop_id"]}
    for row in rows:
        assert (row.creator_id, row.channel, row.source_ref) == (
            market["creator_id"],
            Channel.LIVE_ROOM.value,
            f"live_session:{session_id}",
        )
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    assert commissions.run_step(app.uow, app.rulebook, app.clock)["commissions_booked"] == 2
    with app.uow.read() as c:
        booked = {
            r.shop_id: (r.base_fen, r.rate_bp, r.commission_fen)
            for r in c.execute(select(creator_commissions))
        }
        pending = ledger.balance(c, commissions.creator_pending(market["creator_id"]))
    assert booked == {
        market["florist"]["shop_id"]: (SUNFLOWER_ROOM_PRICE, FLORIST_RATE, FLORIST_COMMISSION),
        market["fruit"]["shop_id"]: (MANGO_ROOM_PRICE, FRUIT_RATE, FRUIT_COMMISSION),
    }
    assert pending == FLORIST_COMMISSION + FRUIT_COMMISSION == 1020


def test_a_card_the_creator_may_no_longer_sell_refuses_the_checkout(app, world, market):
    live_with_two_shops(app, market)
    with app.uow.begin() as c:  # the fruit seller's rate ends
        c.execute(
            affiliate_rates.update()
            .where(affiliate_rates.c.product_id == market["fruit"]["product_id"])
            .values(ends_at=app.clock.now())
        )
    before = count(app, orders_table)
    with pytest.raises(Conflict, match="not in the affiliate marketplace"):
        buy_both(app, world, market)
    assert count(app, orders_table) == before


def test_three_concurrent_workers_book_each_shops_commission_once(app, world, market):
    live_with_two_shops(app, market)
    for _ in range(3):
        buy_both(app, world, market)
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))

    def worker():
        return commissions.run_step(app.uow, app.rulebook, app.clock, batch=1)

    results = run_concurrently([worker, worker, worker])
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["commissions_booked"] for r in results) == 6
    with app.uow.read() as c:
        booked = c.execute(
            select(func.count())
            .select_from(ledger_transactions)
            .where(ledger_transactions.c.kind == "affiliate_commission")
        ).scalar_one()
        pending = ledger.balance(c, commissions.creator_pending(market["creator_id"]))
    assert booked == 6
    assert pending == 3 * (FLORIST_COMMISSION + FRUIT_COMMISSION)
