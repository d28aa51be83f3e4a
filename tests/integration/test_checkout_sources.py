"""Attribution at checkout, on SQLite and PostgreSQL: the order's channel and source come from
the server's own records (issue 13). A live room's card price and promise bind only for the SKUs
pinned in its live session; an unpinned SKU "from the room" is refused with nothing written; a
video binds its promise for the products it links; a cart keeps the signed token of the page a
line was added on, and a token past its lifetime falls back to the product card."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from importlib import resources

import pytest
from sqlalchemy import func, select

from pledge.attribution import tokens
from pledge.attribution.model import Channel, Source
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, InvalidInput, OutOfStock
from pledge.live import services as live
from pledge.live.tables import live_rooms
from pledge.orders import services as orders
from pledge.orders.tables import order_lines
from pledge.orders.tables import orders as orders_table
from pledge.promises.model import Promise
from pledge.videos import services as videos
from pledge.web import live_actions
from tests.conftest import make_app
from tests.support import World, run_concurrently

MEDIA = resources.files("pledge") / "demo" / "media"
CARD_PRICE = 1990
LIST_PRICE = 2590


@pytest.fixture
def room(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    pinned = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=LIST_PRICE, promise="48h")
    other = world.product(owner, shop_id, title="洋桔梗 10枝", price_fen=3990, promise="48h")
    now = app.clock.now()
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="斗南花市直播", promise=Promise.parse("24h"), at=now
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url="/media/live.m3u8", at=now, title="开播"
        )
        live.pin_card(c, owner, session_id=session_id, sku_id=pinned, price_fen=CARD_PRICE, at=now)
        content_id = c.execute(select(live_rooms.c.content_id).where(live_rooms.c.id == room_id)).scalar_one()
    return {
        "shop_id": shop_id,
        "owner": owner,
        "pinned": pinned,
        "other": other,
        "room_id": room_id,
        "session_id": session_id,
        "content_id": content_id,
        "source": Source(Channel.LIVE_ROOM, room_id),
    }


def place(app, buyer, *lines):
    with app.uow.begin() as c:
        return orders.place_order(
            c,
            buyer,
            list(lines),
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )


def order_of(app, placed):
    with app.uow.read() as c:
        order = c.execute(select(orders_table).where(orders_table.c.id == placed.order_ids[0])).one()
        lines = c.execute(select(order_lines).where(order_lines.c.order_id == order.id)).all()
    return order, lines


def counts(app):
    with app.uow.read() as c:
        return (
            c.execute(select(func.count()).select_from(orders_table)).scalar_one(),
            c.execute(select(func.sum(skus.c.stock))).scalar_one(),
        )


def test_room_price_and_promise_apply_to_a_pinned_sku_bought_in_the_live_room(app, world, room):
    placed = place(app, world.user(), orders.LineRequest(room["pinned"], 2, room["source"]))
    order, lines = order_of(app, placed)
    assert (order.channel, order.source_ref) == ("live_room", f"live_session:{room['session_id']}")
    assert [(line.unit_price_fen, line.line_total_fen) for line in lines] == [(CARD_PRICE, 2 * CARD_PRICE)]
    assert placed.total_fen == 2 * CARD_PRICE
    assert f"live_room:{room['content_id']}" in order.promise_candidates  # the room's 24 h beats 48 h


def test_an_unpinned_sku_from_the_room_is_refused_and_nothing_is_written(app, world, room):
    before = counts(app)
    with pytest.raises(Conflict, match="not on live room"):
        place(
            app,
            world.user(),
            orders.LineRequest(room["pinned"], 1, room["source"]),
            orders.LineRequest(room["other"], 1, room["source"]),
        )
    assert counts(app) == before


def test_a_room_that_is_not_live_binds_nothing(app, world, room):
    with app.uow.begin() as c:
        live.end_session(c, room["owner"], session_id=room["session_id"], at=app.clock.now())
    before = counts(app)
    with pytest.raises(Conflict, match="not live"):
        place(app, world.user(), orders.LineRequest(room["pinned"], 1, room["source"]))
    assert counts(app) == before


def test_the_same_sku_from_the_product_page_pays_the_list_price_on_the_product_card(app, world, room):
    placed = place(app, world.user(), orders.LineRequest(room["pinned"], 1))
    order, lines = order_of(app, placed)
    assert (order.channel, order.source_ref, lines[0].unit_price_fen) == ("product_card", "", LIST_PRICE)


def test_lines_from_the_room_and_the_product_page_become_two_orders(app, world, room):
    placed = place(
        app,
        world.user(),
        orders.LineRequest(room["pinned"], 1, room["source"]),
        orders.LineRequest(room["other"], 1),
    )
    with app.uow.read() as c:
        found = c.execute(
            select(orders_table.c.channel, orders_table.c.items_fen).where(
                orders_table.c.checkout_id == placed.checkout_id
            )
        ).all()
    assert sorted(found) == [("live_room", CARD_PRICE), ("product_card", 3990)]


def test_a_content_source_without_a_resolver_is_refused_not_taken_at_its_word(app, world, room):
    buyer = world.user()
    with app.uow.begin() as c, pytest.raises(InvalidInput, match="live_room"):
        orders.place_order(
            c,
            buyer,
            [orders.LineRequest(room["pinned"], 1, room["source"])],
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
        )


def test_a_video_binds_its_promise_for_the_products_it_links(app, world, room):
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == room["pinned"])).scalar_one()
    with app.uow.begin() as c:
        video_id = videos.publish_video(
            c,
            room["owner"],
            app.files,
            videos.NewVideo(
                room["shop_id"],
                "向日葵怎么插",
                (MEDIA / "sunflower.mp4").read_bytes(),
                (MEDIA / "poster.jpg").read_bytes(),
                [product_id],
                Promise.parse("same-day"),
            ),
            at=app.clock.now(),
        )
    source = Source(Channel.SHORT_VIDEO, video_id)
    placed = place(app, world.user(), orders.LineRequest(room["pinned"], 1, source))
    order, lines = order_of(app, placed)
    assert (order.channel, order.source_ref, lines[0].unit_price_fen) == (
        "short_video",
        f"video:{video_id}",
        LIST_PRICE,
    )
    assert "video:" in order.promise_candidates
    with pytest.raises(Conflict, match="not sold in video"):
        place(app, world.user(), orders.LineRequest(room["other"], 1, source))


def test_the_cart_keeps_the_room_token_and_an_expired_one_falls_back_to_the_product_card(app, world, room):
    buyer = world.user()
    secrets = app.source_secrets
    issued = app.clock.now()
    token = tokens.sign(secrets[0], room["source"], at=issued)
    with app.uow.begin() as c:
        orders.add_to_cart(
            c, buyer, orders.LineRequest(room["pinned"], 1, room["source"]), at=issued, source_token=token
        )
        assert (
            orders.cart_lines_for(c, buyer.user_id, secrets=secrets, now=issued)[0].source == room["source"]
        )
        late = issued + tokens.TOKEN_LIFETIME + timedelta(seconds=1)
        assert (
            orders.cart_lines_for(c, buyer.user_id, secrets=secrets, now=late)[0].source.channel
            == Channel.PRODUCT_CARD
        )
    with app.uow.begin() as c:
        placed = orders.checkout_cart(
            c,
            buyer,
            at=issued,
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
            secrets=secrets,
        )
    order, lines = order_of(app, placed)
    assert (order.channel, lines[0].unit_price_fen) == ("live_room", CARD_PRICE)


@pytest.mark.postgres
def test_concurrent_buyers_in_the_room_never_oversell_the_last_unit_at_the_room_price(postgres_url, clock):
    """Six buyers check out the last pinned unit from the live room at the same moment on
    PostgreSQL: one order at the card price, the others refused, the stock never negative."""
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, price_fen=LIST_PRICE, stock=1)
        now = app.clock.now()
        with app.uow.begin() as c:
            room_id = live.create_room(
                c, owner, shop_id=shop_id, title="抢购", promise=Promise.parse("24h"), at=now
            )
            session_id = live.go_live(c, owner, room_id=room_id, playback_url="/m.m3u8", at=now, title="开播")
            live.pin_card(c, owner, session_id=session_id, sku_id=sku, price_fen=CARD_PRICE, at=now)
        buyers = [world.user() for _ in range(6)]
        source = Source(Channel.LIVE_ROOM, room_id)
        results = run_concurrently(
            [lambda b=b: place(app, b, orders.LineRequest(sku, 1, source)) for b in buyers]
        )
        placed = [r for r in results if isinstance(r, orders.PlacedCheckout)]
        assert len(placed) == 1 and all(isinstance(r, OutOfStock) for r in results if r not in placed)
        assert placed[0].total_fen == CARD_PRICE
        with app.uow.read() as c:
            assert c.execute(select(skus.c.stock).where(skus.c.id == sku)).scalar_one() == 0
    finally:
        app.uow.engine.dispose()


def test_the_room_hears_that_someone_just_ordered_and_a_product_card_order_is_not_announced(app, world, room):
    """某某刚刚下单: after the checkout commits, the room the order was bought in (and only that
    order) is announced, the buyer's name masked."""
    loop = asyncio.new_event_loop()
    try:
        app.hub.bind(loop)
        viewer = app.hub.subscribe(room["room_id"])
        buyer = world.user("王奶奶")
        in_room = place(app, buyer, orders.LineRequest(room["pinned"], 1, room["source"]))
        on_card = place(app, world.user("李四"), orders.LineRequest(room["other"], 1))
        live_actions.announce_orders(app, in_room.order_ids + on_card.order_ids)
        chunk = loop.run_until_complete(asyncio.wait_for(viewer.next_chunk(), 5))
    finally:
        app.hub.close_room(room["room_id"])
        loop.close()
    assert chunk.decode().count("event: order") == 1
    assert '"buyer":"王*"' in chunk.decode() and "奶奶" not in chunk.decode()
    assert '"product":"A级向日葵 12枝' in chunk.decode()
