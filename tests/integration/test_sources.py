"""What a source binds at checkout, on SQLite and PostgreSQL: a live room binds its card prices
and promise only for SKUs pinned in its live session; a video only for the products it links."""

from __future__ import annotations

from importlib import resources

import pytest
from sqlalchemy import select

from pledge.attribution.model import Channel, Source
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, NotFound
from pledge.live import services as live
from pledge.live.sources import LiveRoomSources
from pledge.promises.model import Promise
from pledge.videos import services as videos
from pledge.videos.sources import VideoSources

MEDIA = resources.files("pledge") / "demo" / "media"


@pytest.fixture
def shop(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    pinned = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=2590)
    other = world.product(owner, shop_id, title="洋桔梗 10枝", price_fen=3990)
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="斗南花市直播", promise=Promise.parse("24h"), at=app.clock.now()
        )
    return {"shop_id": shop_id, "owner": owner, "pinned": pinned, "other": other, "room_id": room_id}


def bind(app, resolver, source, sku_ids):
    with app.uow.read() as c:
        return resolver.bind(c, source, sku_ids, at=app.clock.now())


def test_a_live_room_binds_only_pinned_skus_while_it_is_live(app, shop):
    s, room = shop, Source(Channel.LIVE_ROOM, shop["room_id"])
    with pytest.raises(Conflict, match="not live"):
        bind(app, LiveRoomSources(), room, [s["pinned"]])
    with app.uow.begin() as c:
        session_id = live.go_live(
            c,
            s["owner"],
            room_id=s["room_id"],
            playback_url="/media/live.m3u8",
            at=app.clock.now(),
            title="开播",
        )
        live.pin_card(
            c, s["owner"], session_id=session_id, sku_id=s["pinned"], price_fen=1990, at=app.clock.now()
        )
    bound = bind(app, LiveRoomSources(), room, [s["pinned"]])
    assert (bound.channel, dict(bound.prices), bound.ref) == (
        Channel.LIVE_ROOM,
        {s["pinned"]: 1990},
        f"live_session:{session_id}",
    )
    with pytest.raises(Conflict, match="not on live room"):
        bind(app, LiveRoomSources(), room, [s["pinned"], s["other"]])
    with pytest.raises(NotFound):
        bind(app, LiveRoomSources(), Source(Channel.LIVE_ROOM, 10**9), [s["pinned"]])


def test_a_video_binds_the_products_it_links(app, shop):
    s = shop
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == s["pinned"])).scalar_one()
    with app.uow.begin() as c:
        video_id = videos.publish_video(
            c,
            s["owner"],
            app.files,
            videos.NewVideo(
                s["shop_id"],
                "向日葵怎么插",
                (MEDIA / "sunflower.mp4").read_bytes(),
                (MEDIA / "poster.jpg").read_bytes(),
                [product_id],
                Promise.parse("48h"),
            ),
            at=app.clock.now(),
        )
    bound = bind(app, VideoSources(), Source(Channel.SHORT_VIDEO, video_id), [s["pinned"]])
    assert (bound.channel, bound.ref, dict(bound.prices)) == (Channel.SHORT_VIDEO, f"video:{video_id}", {})
    with pytest.raises(Conflict, match="not sold in video"):
        bind(app, VideoSources(), Source(Channel.SHORT_VIDEO, video_id), [s["other"]])
