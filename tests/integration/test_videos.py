"""Short videos through the services on SQLite and PostgreSQL: a real MP4 with a poster and the
shop's own products is published and stored; anything else is refused with nothing written."""

from __future__ import annotations

import io
from importlib import resources

import pytest
from PIL import Image
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.kernel.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from pledge.promises.model import Promise
from pledge.videos import queries
from pledge.videos import services as videos
from pledge.videos.tables import video_likes, video_products
from pledge.videos.tables import videos as video_rows
from tests.support import run_concurrently

MEDIA = resources.files("pledge") / "demo" / "media"
MP4 = (MEDIA / "sunflower.mp4").read_bytes()
POSTER = (MEDIA / "poster.jpg").read_bytes()


@pytest.fixture
def florist(world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    with world.app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {"shop_id": shop_id, "owner": owner, "product_id": product_id}


def publish(app, actor, shop_id, product_ids, *, mp4=MP4, poster=POSTER, title="向日葵怎么插才好看"):
    with app.uow.begin() as c:
        return videos.publish_video(
            c,
            actor,
            app.files,
            videos.NewVideo(shop_id, title, mp4, poster, product_ids, Promise.parse("24h")),
            at=app.clock.now(),
        )


def rows(app) -> tuple[int, int]:
    with app.uow.read() as c:
        return (
            c.execute(select(func.count()).select_from(video_rows)).scalar_one(),
            c.execute(select(func.count()).select_from(video_products)).scalar_one(),
        )


def test_a_published_video_is_stored_with_its_poster_and_cards(app, florist):
    f = florist
    video_id = publish(app, f["owner"], f["shop_id"], [f["product_id"]])
    with app.uow.read() as c:
        view = queries.video_view(c, video_id)
        stored = queries.video_file(c, video_id)
        poster = queries.poster_file(c, video_id)
    assert (view.duration_ms, view.width, view.height, view.promise_code) == (4000, 360, 640, "24h")
    assert [(p.product_id, p.from_price_fen) for p in view.products] == [(f["product_id"], 1990)]
    assert app.files.get(stored.key) == MP4 and stored.size == len(MP4)
    reencoded = Image.open(io.BytesIO(app.files.get(poster.key)))
    assert poster.content_type == "image/jpeg" and reencoded.size == (360, 640)
    with app.uow.begin() as c:
        videos.count_play(c, video_id=video_id)
        assert videos.like_video(c, f["owner"], video_id=video_id, at=app.clock.now()) == 1
    with app.uow.read() as c:
        assert [v.plays for v in queries.shop_videos(c, f["shop_id"])] == [1]


@pytest.mark.parametrize(
    "change, error",
    [
        ({"mp4": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}, InvalidInput),
        ({"mp4": MP4[:5000]}, InvalidInput),
        ({"poster": b"not a picture"}, InvalidInput),
        ({"title": ""}, InvalidInput),
        ({"title": "向" * 61}, InvalidInput),
    ],
    ids=["png-as-video", "truncated-mp4", "bad-poster", "no-title", "long-title"],
)
def test_bad_uploads_are_refused_and_nothing_is_written(app, florist, change, error):
    with pytest.raises(error):
        publish(app, florist["owner"], florist["shop_id"], [florist["product_id"]], **change)
    assert rows(app) == (0, 0)


def test_a_video_links_only_the_shops_own_products(app, world, florist):
    f = florist
    other_shop, other_owner = world.shop("别家伞厂")
    umbrella = world.product(other_owner, other_shop, title="晴雨伞")
    with app.uow.read() as c:
        umbrella_product = c.execute(select(skus.c.product_id).where(skus.c.id == umbrella)).scalar_one()
    with pytest.raises(NotFound):
        publish(app, f["owner"], f["shop_id"], [f["product_id"], umbrella_product])
    with pytest.raises(InvalidInput):
        publish(app, f["owner"], f["shop_id"], [])
    with pytest.raises(Forbidden):
        publish(app, other_owner, f["shop_id"], [f["product_id"]])
    assert rows(app) == (0, 0)


def test_the_shop_or_trust_and_safety_remove_a_video(app, world, florist):
    f = florist
    first = publish(app, f["owner"], f["shop_id"], [f["product_id"]])
    second = publish(app, f["owner"], f["shop_id"], [f["product_id"]], title="第二条")
    buyer, reviewer = world.user("小林"), world.user("审核员", platform_role="reviewer")
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            videos.remove_video(c, buyer, video_id=first)
    with app.uow.begin() as c:
        videos.remove_video(c, f["owner"], video_id=first)
        videos.remove_video(c, reviewer, video_id=second)
    with pytest.raises(IllegalTransition):
        with app.uow.begin() as c:
            videos.remove_video(c, f["owner"], video_id=first)
    with app.uow.read() as c:
        assert queries.shop_videos(c, f["shop_id"]) == []
        with pytest.raises(NotFound):
            queries.video_file(c, first)


def test_a_user_likes_a_video_once_and_may_take_the_like_back(app, world, florist):
    f = florist
    video_id = publish(app, f["owner"], f["shop_id"], [f["product_id"]])
    fan, other = world.user("粉丝"), world.user("路人")
    with app.uow.begin() as c:
        assert videos.like_video(c, fan, video_id=video_id, at=app.clock.now()) == 1
        assert videos.like_video(c, fan, video_id=video_id, at=app.clock.now()) == 1  # again: still one
        assert videos.like_video(c, other, video_id=video_id, at=app.clock.now()) == 2
        assert videos.liked_by(c, video_id, fan.user_id) and not videos.liked_by(c, video_id, None)
    with app.uow.begin() as c:
        assert videos.unlike_video(c, fan, video_id=video_id) == 1
        assert videos.unlike_video(c, fan, video_id=video_id) == 1  # nothing to take back twice
        assert not videos.liked_by(c, video_id, fan.user_id)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(video_likes)).scalar_one() == 1


def test_likes_racing_on_concurrent_connections_count_one_per_user(app, world, florist):
    f = florist
    video_id = publish(app, f["owner"], f["shop_id"], [f["product_id"]])
    fan = world.user("粉丝")

    def tap():
        with app.uow.begin() as c:
            return videos.like_video(c, fan, video_id=video_id, at=app.clock.now())

    results = run_concurrently([tap] * 4)
    assert all(r == 1 for r in results), results
    with app.uow.read() as c:
        assert queries.video_view(c, video_id).likes == 1
