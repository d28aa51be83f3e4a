"""A creator's own short video (达人短视频) selling several shops' products, on SQLite and
PostgreSQL: a video has exactly one owner (a shop or a creator); the creator links only products a
merchant's rate lets them sell (douyin:aJoPPkXtaG25, "被设置了带货佣金的达人可以带货，无佣金的达人不可带货");
buying two shops' products from it places one order per shop, each the creator's, each line's
commission at its own shop's rate; a removed creator publishes nothing and their videos sell
nothing; the feed and search show the creator as the video's author."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pledge.attribution.model import Channel, Source
from pledge.catalog import services as catalog
from pledge.creators import commissions, safety
from pledge.creators import services as creators
from pledge.creators import videos as creator_videos
from pledge.creators.tables import creator_commissions
from pledge.feed import items as feed_items
from pledge.feed import signals
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.kernel.indexing import Indexed
from pledge.ledger import services as ledger
from pledge.orders import services as orders
from pledge.orders.tables import orders as orders_table
from pledge.reach.recording import Subject
from pledge.reach.serving import FeedItem
from pledge.search.model import Query
from pledge.search.services import search
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.videos import queries
from pledge.videos.tables import video_products, videos
from tests.integration.test_creator_rooms import FLORIST_RATE, FRUIT_RATE, _shop_with_rate
from tests.integration.test_videos import MP4, POSTER

# Worked by hand: the florist's sunflowers at their list price ¥19.90, 20 % → ¥3.98; the fruit
# seller's mangoes at ¥59.00, 12 % → ¥7.08. No shipping fee, no coupon: the base is what was paid.
FLORIST_COMMISSION, FRUIT_COMMISSION = 398, 708


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
            c, operator, app.rulebook, creator_id=creator_id, period_start=date(2026, 8, 9), grade="C",
            at=app.clock.now(),
        )  # fmt: skip
    return {
        "florist": florist,
        "fruit": fruit,
        "no_rate": no_rate,
        "creator": actor,
        "creator_id": creator_id,
        "operator": operator,
    }


def publish(app, actor, product_ids, *, title="夏天的花和果", mp4=MP4) -> int:
    with app.uow.begin() as c:
        new = creator_videos.NewCreatorVideo(title, mp4, POSTER, product_ids)
        return creator_videos.publish(c, actor, app.rulebook, app.files, new, at=app.clock.now())


def two_shops_video(app, market) -> int:
    return publish(app, market["creator"], [market["florist"]["product_id"], market["fruit"]["product_id"]])


def buy_both(app, world, market, video_id):
    source = Source(Channel.SHORT_VIDEO, video_id)
    lines = [
        orders.LineRequest(market["florist"]["sku"], 1, source),
        orders.LineRequest(market["fruit"]["sku"], 1, source),
    ]
    buyer = world.user()
    with app.uow.begin() as c:
        placed = orders.place_order(
            c, buyer, lines, at=app.clock.now(), pay_window=app.pay_window, guards=app.sale_guards,
            sources=app.sources,
        )  # fmt: skip
    world.pay(placed)
    return placed


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def remove_creator(app, market) -> None:
    with app.uow.begin() as c:
        safety.change_standing(
            c, market["operator"], app.rulebook, creator_id=market["creator_id"], status="removed",
            at=app.clock.now(),
        )  # fmt: skip


def test_a_video_has_exactly_one_owner(app, market):
    video_id = two_shops_video(app, market)
    with app.uow.read() as c:
        row = c.execute(select(videos).where(videos.c.id == video_id)).one()
    assert (row.shop_id, row.content_id, row.creator_id) == (None, None, market["creator_id"])
    values = {k: getattr(row, k) for k in ("title", "file_key", "bytes", "duration_ms", "width", "height")}
    values.update(poster_key=row.poster_key, poster_type=row.poster_type, status="published")
    for owner in ({}, {"shop_id": market["florist"]["shop_id"]}):  # no owner; a shop with no promise
        with pytest.raises(IntegrityError), app.uow.begin() as c:
            c.execute(videos.insert().values(created_at=app.clock.now(), **values, **owner))


def test_a_creator_publishes_a_video_selling_several_shops_products_aJoPPkXtaG25(app, market):
    video_id = two_shops_video(app, market)
    with app.uow.read() as c:
        view = queries.video_view(c, video_id)
        mine = queries.creator_videos(c, market["creator_id"])
    assert (view.shop_id, view.promise_code, view.creator_id) == (None, None, market["creator_id"])
    assert [(p.product_id, p.shop_id) for p in view.products] == [
        (market["florist"]["product_id"], market["florist"]["shop_id"]),
        (market["fruit"]["product_id"], market["fruit"]["shop_id"]),
    ]
    assert [p.shop_name[:4] for p in view.products] == ["小阿阮鲜", "果园直发"]
    assert [v.id for v in mine] == [video_id]


def test_a_product_the_creator_may_not_sell_is_refused_and_nothing_is_written_aJoPPkXtaG25(app, market):
    # 被设置了带货佣金的达人可以带货，无佣金的达人不可带货
    florist = market["florist"]["product_id"]
    with app.uow.begin() as c:  # the fruit seller takes the mangoes off sale
        catalog.set_listed(c, market["fruit"]["product_id"], listed=False)
    refused = [
        ([florist, market["no_rate"]["product_id"]], Conflict, "not in the affiliate marketplace for you"),
        ([florist, 999_999], NotFound, "no product 999999"),
        ([florist, market["fruit"]["product_id"]], Conflict, "no longer on sale"),
        ([], InvalidInput, "a video links 1 to"),
    ]
    for product_ids, error, message in refused:
        with pytest.raises(error, match=message):
            publish(app, market["creator"], product_ids)
    with pytest.raises(InvalidInput):
        publish(app, market["creator"], [florist], mp4=MP4[:5000])
    assert (count(app, videos), count(app, video_products)) == (0, 0)


def test_only_a_selling_creator_publishes(app, world, market):
    with pytest.raises(Forbidden):  # a shop owner without a creator account
        publish(app, market["florist"]["owner"], [market["florist"]["product_id"]])
    few = world.user("新达人")
    with app.uow.begin() as c:
        creators.register_creator(c, few, creators.NewCreator("newbie", "新达人", 10), at=app.clock.now())
    with pytest.raises(Forbidden, match="a video needs at least"):
        publish(app, few, [market["florist"]["product_id"]])
    remove_creator(app, market)
    with pytest.raises(Conflict, match="removed from selling"):
        publish(app, market["creator"], [market["florist"]["product_id"]])
    assert count(app, videos) == 0


def test_only_the_creator_takes_their_video_down(app, world, market):
    video_id = two_shops_video(app, market)
    other = world.user("别的达人")
    with app.uow.begin() as c:
        creators.register_creator(c, other, creators.NewCreator("other", "别人", 5_000), at=app.clock.now())
    with pytest.raises(NotFound), app.uow.begin() as c:
        creator_videos.take_down(c, other, video_id=video_id)
    with pytest.raises(Forbidden), app.uow.begin() as c:  # a shop owner has no creator account
        creator_videos.take_down(c, market["florist"]["owner"], video_id=video_id)
    with app.uow.read() as c:
        assert queries.video_view(c, video_id).id == video_id
    with app.uow.begin() as c:
        creator_videos.take_down(c, market["creator"], video_id=video_id)
    with pytest.raises(NotFound), app.uow.read() as c:
        queries.video_view(c, video_id)


def test_buying_two_shops_products_from_a_creator_video_places_one_order_per_shop(app, world, market):
    video_id = two_shops_video(app, market)
    placed = buy_both(app, world, market, video_id)
    assert len(placed.order_ids) == 2
    with app.uow.read() as c:
        rows = c.execute(select(orders_table).where(orders_table.c.id.in_(placed.order_ids))).all()
    assert {row.shop_id for row in rows} == {market["florist"]["shop_id"], market["fruit"]["shop_id"]}
    for row in rows:
        assert (row.creator_id, row.channel, row.source_ref) == (
            market["creator_id"],
            Channel.SHORT_VIDEO.value,
            f"video:{video_id}",
        )
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    assert commissions.run_step(app.uow, app.rulebook, app.clock)["commissions_booked"] == 2
    with app.uow.read() as c:
        booked = {r.shop_id: (r.rate_bp, r.commission_fen) for r in c.execute(select(creator_commissions))}
        pending = ledger.balance(c, commissions.creator_pending(market["creator_id"]))
    assert booked == {
        market["florist"]["shop_id"]: (FLORIST_RATE, FLORIST_COMMISSION),
        market["fruit"]["shop_id"]: (FRUIT_RATE, FRUIT_COMMISSION),
    }
    assert pending == FLORIST_COMMISSION + FRUIT_COMMISSION == 1106


def test_a_removed_creators_video_sells_nothing(app, world, market):
    video_id = two_shops_video(app, market)
    remove_creator(app, market)
    with app.uow.read() as c:
        assert queries.video_view(c, video_id).products == []
    before = count(app, orders_table)
    with pytest.raises(Conflict):
        buy_both(app, world, market, video_id)
    assert count(app, orders_table) == before


def test_feed_and_search_show_a_creator_video_by_its_creator(app, market):
    video_id = two_shops_video(app, market)
    with app.uow.read() as c:
        cards = feed_items.cards(c, [FeedItem(1, Subject.VIDEO, video_id)])
        shops = signals.shops_of(c, [(Subject.VIDEO, video_id)])
        hits = search(c, Query("贵妃芒", kind=Indexed.VIDEO)).hits
    assert [(card.title, card.shop_name, card.href) for card in cards] == [
        ("夏天的花和果", "花花姐", f"/videos/{video_id}")
    ]
    assert shops == {(Subject.VIDEO, video_id): market["florist"]["shop_id"]}  # its first product's shop
    assert [(h.subject_id, h.shop_id, h.promise) for h in hits] == [(video_id, None, None)]
