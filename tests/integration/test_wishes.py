"""The wish pool through the services on SQLite and PostgreSQL: wishes found in live comments
(only those the moderation lets through), chat messages and reviews; the 许愿 button and +1; wishes
joining demands; merge, split, rename; a demand becoming a product (notifying every wisher once);
and bad input writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.chat import services as chat
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.kernel.heard import Heard, Said
from pledge.live import services as live
from pledge.live.model import Verdict
from pledge.live.moderation import AllowAll
from pledge.notifications.model import Kind
from pledge.notifications.tables import notifications
from pledge.promises.model import Promise
from pledge.reviews import services as reviews
from pledge.wishes import queries, services
from pledge.wishes.tables import wish_demands, wishes
from tests.e2e.test_aftersales_api import delivered_order
from tests.support import run_concurrently

HLS = "/media/live/sunflower/index.m3u8"


class HoldAll:
    def moderate(self, text, context):
        return Verdict.HOLD


@pytest.fixture
def factory(app, world):
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, title="晴雨两用伞", price_fen=3990)
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="伞厂直播", promise=Promise.parse("48h"), at=app.clock.now()
        )
        session_id = live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=app.clock.now())
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "session_id": session_id}


def comment(app, actor, session_id, text, moderator=None):
    app.clock.advance(timedelta(seconds=20))  # slower than the comment pace
    with app.uow.begin() as c:
        return live.post_comment(
            c,
            actor,
            session_id=session_id,
            text=text,
            moderator=moderator or AllowAll(),
            at=app.clock.now(),
            listener=app.listener,
        )


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def board(app, f):
    with app.uow.read() as c:
        return queries.board(c, f["owner"], f["shop_id"], now=app.clock.now())


def test_live_comments_that_are_wishes_form_demands_ranked_by_distinct_wishers(app, world, factory):
    f = factory
    a, b, c_ = world.user(), world.user(), world.user()
    comment(app, a, f["session_id"], "能不能出一款大一点的伞")
    comment(app, b, f["session_id"], "求双人伞")
    comment(app, c_, f["session_id"], "超大号的伞有吗？要是有超大号的伞就好了")
    comment(app, a, f["session_id"], "许愿透明伞")
    comment(app, b, f["session_id"], "求链接")  # a request, not a wish
    comment(app, c_, f["session_id"], "这个伞防晒吗")
    view = board(app, f)
    assert [(d["wishers"], len(d["examples"])) for d in view["open"]] == [(3, 3), (1, 1)]
    top = view["open"][0]
    assert top["sessions"] == [
        {"id": f["session_id"], "title": "伞厂直播", "room_id": top["sessions"][0]["room_id"]}
    ]
    assert sum(top["trend"]) == 3
    assert view["open"][1]["name"] == "透明伞"


def test_held_comments_and_the_shops_own_words_are_not_wishes(app, world, factory):
    f = factory
    comment(app, world.user(), f["session_id"], "求双人伞", moderator=HoldAll())
    comment(app, f["owner"], f["session_id"], "求双人伞")
    assert count(app, wishes) == 0


def test_a_buyers_chat_message_and_a_review_are_read_for_wishes(app, world, factory):
    f = factory
    buyer = world.user()
    with app.uow.begin() as c:
        opened = chat.open_conversation(c, buyer, shop_id=f["shop_id"], at=app.clock.now())
        chat.post_message(
            c, buyer, opened.conversation_id, "老板能不能出儿童款", at=app.clock.now(), listener=app.listener
        )
        chat.post_message(
            c, f["owner"], opened.conversation_id, "求双人伞", at=app.clock.now(), listener=app.listener
        )
    with app.uow.read() as c:
        rows = c.execute(select(wishes.c.source, wishes.c.item, wishes.c.author_id)).all()
    assert [(r.source, r.author_id) for r in rows] == [("chat_message", buyer.user_id)]


def test_a_review_with_a_wish_is_read_and_one_without_text_is_not(app, world, factory):
    f = factory
    buyer = world.user()
    order_id, line_id = delivered_order(app, buyer, f["owner"], f["sku"], hours_ago=1)
    with app.uow.begin() as c:
        reviews.post_review(
            c,
            buyer,
            line_id,
            reviews.ReviewIn(5, "伞很好，希望出个儿童款"),
            book=app.rulebook,
            at=app.clock.now(),
            listener=app.listener,
        )
    with app.uow.read() as c:
        rows = c.execute(select(wishes.c.source, wishes.c.order_id, wishes.c.item)).all()
    assert [(r.source, r.order_id) for r in rows] == [("review", order_id)]


def test_a_huge_text_told_to_the_listener_is_no_wish(app, world, factory):
    author = world.user().user_id
    said = Heard(Said.LIVE_COMMENT, 1, factory["shop_id"], author, "求双人伞" * 501, app.clock.now())
    with app.uow.begin() as c:
        app.listener.heard(c, said)
    assert count(app, wishes) == 0


def test_the_wish_button_and_plus_one_count_each_buyer_once(app, world, factory):
    f = factory
    a, b = world.user(), world.user()
    with app.uow.begin() as c:
        services.make_wish(c, a, shop_id=f["shop_id"], text="想要一把粉色的折叠伞", at=app.clock.now())
    demand_id = board(app, f)["open"][0]["id"]
    with app.uow.begin() as c:
        services.plus_one(c, b, demand_id=demand_id, at=app.clock.now())
    for who in (a, b):
        with pytest.raises(Conflict), app.uow.begin() as c:
            services.plus_one(c, who, demand_id=demand_id, at=app.clock.now())
    assert board(app, f)["open"][0]["wishers"] == 2
    assert count(app, wishes) == 2


@pytest.mark.parametrize("text", ["", "   ", "伞" * 201, 7])
def test_wish_texts_empty_or_huge_are_refused_and_nothing_is_written(app, world, factory, text):
    buyer = world.user()
    with pytest.raises(InvalidInput), app.uow.begin() as c:
        services.make_wish(c, buyer, shop_id=factory["shop_id"], text=text, at=app.clock.now())
    assert count(app, wishes) == count(app, wish_demands) == 0


def test_a_merchant_cannot_wish_in_their_own_shop_nor_in_a_missing_one(app, world, factory):
    with pytest.raises(Forbidden), app.uow.begin() as c:
        services.make_wish(
            c, factory["owner"], shop_id=factory["shop_id"], text="求双人伞", at=app.clock.now()
        )
    buyer = world.user()
    with pytest.raises(NotFound), app.uow.begin() as c:
        services.make_wish(c, buyer, shop_id=999999, text="求双人伞", at=app.clock.now())


def _two_demands(app, world, f):
    for text in ("求双人伞", "许愿透明伞", "想要透明的伞"):
        buyer = world.user()
        with app.uow.begin() as c:
            services.make_wish(c, buyer, shop_id=f["shop_id"], text=text, at=app.clock.now())
    return board(app, f)["open"]


def test_merge_split_and_rename_on_the_board(app, world, factory):
    f = factory
    clear, big = _two_demands(app, world, f)
    with app.uow.begin() as c:
        services.rename(c, f["owner"], demand_id=big["id"], name="大号伞")
        services.merge(c, f["owner"], into_id=clear["id"], from_id=big["id"])
    merged = board(app, f)["open"]
    assert [d["wishers"] for d in merged] == [3]
    with app.uow.begin() as c:
        new_id = services.split(
            c, f["owner"], wish_id=merged[0]["examples"][0]["wish_id"], at=app.clock.now()
        )
    assert sorted(d["wishers"] for d in board(app, f)["open"]) == [1, 2]
    assert new_id in {d["id"] for d in board(app, f)["open"]}


def test_another_shops_merchant_cannot_act_on_the_board(app, world, factory):
    f = factory
    clear, big = _two_demands(app, world, f)
    _other_shop, stranger = world.shop("别家")
    for act in (
        lambda c: services.rename(c, stranger, demand_id=big["id"], name="x"),
        lambda c: services.merge(c, stranger, into_id=clear["id"], from_id=big["id"]),
        lambda c: services.fulfil(c, stranger, demand_id=big["id"], product_id=1, at=app.clock.now()),
    ):
        with pytest.raises(NotFound), app.uow.begin() as c:
            act(c)
    with pytest.raises(Forbidden), app.uow.read() as c:
        queries.board(c, stranger, f["shop_id"], now=app.clock.now())


def _product_id(app, sku_id):
    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku_id)).scalar_one()


def test_a_demand_becomes_a_product_once_and_every_wisher_is_told_once(app, world, factory):
    f = factory
    clear, _big = _two_demands(app, world, f)
    sku = world.product(f["owner"], f["shop_id"], title="透明长柄伞", price_fen=2990)
    product_id = _product_id(app, sku)
    with app.uow.begin() as c:
        assert (
            services.fulfil(c, f["owner"], demand_id=clear["id"], product_id=product_id, at=app.clock.now())
            == 2
        )
    with pytest.raises(Conflict), app.uow.begin() as c:
        services.fulfil(c, f["owner"], demand_id=clear["id"], product_id=product_id, at=app.clock.now())
    with app.uow.read() as c:
        kinds = c.execute(select(notifications.c.kind)).scalars().all()
        assert queries.made_for(c, product_id) == 2
    assert kinds == [Kind.WISH_CAME_TRUE.value] * 2
    closed = board(app, f)["closed"]
    assert [(d["product_id"], d["bought"]) for d in closed] == [(product_id, 0)]
    late = world.user()
    with pytest.raises(Conflict), app.uow.begin() as c:
        services.plus_one(c, late, demand_id=clear["id"], at=app.clock.now())


def test_wishers_who_bought_the_product_are_the_conversion(app, world, factory):
    f = factory
    buyer = world.user()
    with app.uow.begin() as c:
        services.make_wish(c, buyer, shop_id=f["shop_id"], text="求透明伞", at=app.clock.now())
    demand_id = board(app, f)["open"][0]["id"]
    sku = world.product(f["owner"], f["shop_id"], title="透明伞", price_fen=2990)
    with app.uow.begin() as c:
        services.fulfil(
            c, f["owner"], demand_id=demand_id, product_id=_product_id(app, sku), at=app.clock.now()
        )
    world.paid_order(buyer, sku)
    world.paid_order(world.user(), sku)  # not a wisher
    assert board(app, f)["closed"][0]["bought"] == 1


def test_a_new_product_from_a_demand_goes_through_the_catalogue(app, world, factory):
    f = factory
    clear, _big = _two_demands(app, world, f)
    cmd = catalog.NewProduct(
        f["shop_id"], world.category(), "透明伞", Promise.parse("48h"), [catalog.NewSku("透明", 2990, 50)]
    )
    with app.uow.begin() as c:
        product_id = services.new_product(
            c, f["owner"], demand_id=clear["id"], cmd=cmd, at=app.clock.now(), guards=app.listing_guards
        )
    with pytest.raises(Conflict), app.uow.begin() as c:
        services.new_product(c, f["owner"], demand_id=clear["id"], cmd=cmd, at=app.clock.now(), guards=())
    with app.uow.read() as c:
        assert queries.made_for(c, product_id) == 2


def test_concurrent_plus_ones_of_one_buyer_count_once(app, world, factory):
    f = factory
    first, late = world.user(), world.user()
    with app.uow.begin() as c:
        services.make_wish(c, first, shop_id=f["shop_id"], text="求透明伞", at=app.clock.now())
    demand_id = board(app, f)["open"][0]["id"]

    def tap():
        with app.uow.begin() as c:
            return services.plus_one(c, late, demand_id=demand_id, at=app.clock.now())

    results = run_concurrently([tap] * 4)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int)), results
    assert board(app, f)["open"][0]["wishers"] == 2


def test_concurrent_turns_of_one_demand_into_a_product_close_it_once_and_tell_each_wisher_once(
    app, world, factory
):
    f = factory
    clear, _big = _two_demands(app, world, f)
    product_id = _product_id(app, world.product(f["owner"], f["shop_id"], title="透明伞"))

    def turn():
        with app.uow.begin() as c:
            return services.fulfil(
                c, f["owner"], demand_id=clear["id"], product_id=product_id, at=app.clock.now()
            )

    results = run_concurrently([turn] * 3)
    assert results.count(2) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != 2), results
    assert count(app, notifications) == 2
