"""Live metrics per session and per product (SQLite and PostgreSQL): paid orders attributed to the
session (orders.source_ref = live_session:N, bound by checkout from the room's source), their GMV
at the room's price, unique viewers counted once each, and conversion = orders / unique viewers
in basis points rounded half up."""

from __future__ import annotations

from pledge.attribution.model import Channel, Source
from pledge.live import metrics
from pledge.live import services as live
from pledge.orders import services as orders
from pledge.promises.model import Promise

HLS = "/media/live/sunflower/index.m3u8"


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


def test_orders_gmv_and_conversion_of_a_session_and_its_products(app, world):
    shop_id, owner = world.shop()
    sunflower = world.product(owner, shop_id, title="向日葵", price_fen=2590)
    rose = world.product(owner, shop_id, title="玫瑰", price_fen=3990)
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="花房", promise=Promise.parse("24h"), at=app.clock.now()
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url=HLS, title="开播", at=app.clock.now()
        )
        for sku, price in ((sunflower, 1990), (rose, 2990)):
            live.pin_card(c, owner, session_id=session_id, sku_id=sku, price_fen=price, at=app.clock.now())
        for key in ("user:1", "user:2", "user:1", "anon:ab", "anon:cd", "anon:ef"):  # 5 unique
            metrics.record_viewer(c, session_id=session_id, viewer_key=key, at=app.clock.now())
    room = Source(Channel.LIVE_ROOM, room_id)
    buyer = world.user()
    world.pay(place(app, buyer, orders.LineRequest(sunflower, 2, room), orders.LineRequest(rose, 1, room)))
    world.pay(place(app, world.user(), orders.LineRequest(sunflower, 1, room)))
    place(app, world.user(), orders.LineRequest(rose, 1, room))  # not paid: not counted
    world.paid_order(world.user(), sunflower)  # bought outside the room: not counted
    with app.uow.read() as c:
        sold = metrics.session_metrics(c, [session_id])[session_id]
        by_product = metrics.product_metrics(c, session_id)
    assert (sold.orders, sold.gmv_fen, sold.viewers) == (2, 3 * 1990 + 2990, 5)
    assert sold.conversion_bp == 4000  # 2 / 5 = 40%
    assert [(p.title, p.orders, p.gmv_fen) for p in by_product] == [
        ("向日葵", 2, 3 * 1990),
        ("玫瑰", 1, 2990),
    ]


def test_conversion_rounds_half_up_and_is_zero_without_viewers():
    assert metrics.Metrics(orders=1, gmv_fen=0, viewers=3).conversion_bp == 3333
    assert metrics.Metrics(orders=2, gmv_fen=0, viewers=3).conversion_bp == 6667
    assert metrics.Metrics(orders=1, gmv_fen=0, viewers=0).conversion_bp == 0
