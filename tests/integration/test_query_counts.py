"""No N+1 queries in the content lists (SQLite and PostgreSQL): the live rooms list, a shop's
videos (内容货架) and the orders bought in live sessions issue a fixed number of statements, so
a list of 20 costs no more statements than a list of 2 (counted with an SQLAlchemy
before_cursor_execute listener)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from pledge.catalog.tables import skus
from pledge.live import queries as live_queries
from pledge.live import services as live
from pledge.orders.tables import orders
from pledge.promises.model import Promise
from pledge.videos import queries as video_queries
from tests.integration.test_videos import publish

HLS = "/media/live/sunflower/index.m3u8"


@contextmanager
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(app.uow.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(app.uow.engine, "before_cursor_execute", count)


def statements_for(app, read) -> int:
    with app.uow.read() as c, statements(app) as seen:
        read(c)
    return len(seen)


def live_room(app, owner, shop_id: int, sku: int) -> int:
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="直播间", promise=Promise.parse("24h"), at=app.clock.now()
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url=HLS, title="开播", at=app.clock.now()
        )
        live.pin_card(c, owner, session_id=session_id, sku_id=sku, price_fen=990, at=app.clock.now())
    return session_id


def test_the_live_rooms_list_costs_the_same_for_2_and_20_rooms(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    for _ in range(2):
        live_room(app, owner, shop_id, sku)
    few = statements_for(app, lambda c: live_queries.rooms(c))
    for _ in range(18):
        live_room(app, owner, shop_id, sku)
    found: list = []
    many = statements_for(app, lambda c: found.extend(live_queries.rooms(c)))
    assert len(found) == 20 and all(len(r.cards) == 1 for r in found)
    assert many == few <= 5, (few, many)  # 3 queries + what the read transaction issues


def test_a_shops_videos_cost_the_same_for_2_and_20_videos(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    for _ in range(2):
        publish(app, owner, shop_id, [product_id])
    few = statements_for(app, lambda c: video_queries.shop_videos(c, shop_id))
    for _ in range(18):
        publish(app, owner, shop_id, [product_id])
    found: list = []
    many = statements_for(app, lambda c: found.extend(video_queries.shop_videos(c, shop_id)))
    assert len(found) == 20 and all(len(v.products) == 1 for v in found)
    assert many == few <= 3, (few, many)


def test_orders_bought_in_live_sessions_cost_the_same_for_2_and_20(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    session_id = live_room(app, owner, shop_id, sku)
    buyer = world.user()

    def bought_live(n: int) -> list[int]:
        ids = [world.place(buyer, (sku, 1)).order_ids[0] for _ in range(n)]
        with app.uow.begin() as c:
            c.execute(
                orders.update().where(orders.c.id.in_(ids)).values(source_ref=f"live_session:{session_id}")
            )
        return ids

    ids = bought_live(2)
    few = statements_for(app, lambda c: live_queries.room_orders(c, ids))
    ids += bought_live(18)
    found: list = []
    many = statements_for(app, lambda c: found.extend(live_queries.room_orders(c, ids)))
    assert len(found) == 20 and {o.product_title for o in found} == {"A级向日葵 12枝 · 默认"}
    assert many == few <= 4, (few, many)
