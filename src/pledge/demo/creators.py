"""The demo's creators (达人): 花花姐, a flower creator with 86 000 followers, sells the Kunming
florist's sunflowers from her showcase at the florist's rate for every creator (20 %), has an
exclusive rate on peonies (25 %, hers alone), is the creator of one of the florist's short videos
that links the sunflowers (orders from it are hers), and has asked the florist for a sample of the roses,
waiting for the florist's decision. The fruit seller offers 12 % on one product, so the
marketplace holds more than one shop. Her grade for the current period is B. She has her own
live room (达人直播间), live now, selling the florist's sunflowers and the fruit seller's product
at ¥1 off each: a cart from it becomes one order per shop, each hers. She has published her own
short video (达人短视频) selling the same two shops' products at their list prices, on the demo's
sunflower clip."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources

from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.bootstrap import App
from pledge.catalog.tables import products, skus
from pledge.creators import rooms, samples
from pledge.creators import services as creators
from pledge.creators import videos as creator_videos
from pledge.creators.content import feature_in_video
from pledge.creators.policy import grade_period
from pledge.videos.tables import video_products, videos

EMAIL = "creator@pledge.demo"
OPERATOR = "operator@pledge.demo"  # publishes the creator's grade
NAME = "花花姐"
PLAYBACK_URL = "/media/live/sunflower/index.m3u8"  # the demo's looping HLS sample
ROOM_DISCOUNT_FEN = 100  # her room sells each product ¥1 under its list price
MEDIA = resources.files("pledge") / "demo" / "media"
VIDEO_TITLE = "向日葵配芒果：花花姐的夏日好物"


def _user(conn, email: str) -> int:
    return conn.execute(select(users.c.id).where(users.c.email == email)).scalar_one()


def _product(conn, shop_id: int, starts_with: str) -> int:
    return conn.execute(
        select(products.c.id).where(products.c.shop_id == shop_id, products.c.title.startswith(starts_with))
    ).scalar_one()


def seed_creators(app: App, florist: dict, fruit: dict, password: str, now: datetime) -> None:
    since = now - timedelta(days=3)
    with app.uow.begin() as conn:
        user_id = accounts.create_user(conn, email=EMAIL, password=password, display_name=NAME, at=since)
        me = accounts.load_actor(conn, user_id)
        new = creators.NewCreator("huahua_jie", "花花姐 · 鲜花达人", 86_000)
        creator_id = creators.register_creator(conn, me, new, at=since)
        shop = florist["shop_id"]
        sunflower, roses, peony = (_product(conn, shop, t) for t in ("A级向日葵", "多头玫瑰", "芍药"))
        owner, operator = florist["owner"], accounts.load_actor(conn, _user(conn, OPERATOR))
        for product_id, rate_bp, chosen in (
            (sunflower, 2000, None),
            (roses, 1500, None),
            (peony, 2500, creator_id),
        ):
            creators.offer_rate(
                conn, owner, creators.NewRate(product_id, rate_bp, since, None, chosen), at=since
            )
        fruit_owner = fruit["owner"]
        fruit_product = conn.execute(
            select(products.c.id)
            .where(products.c.shop_id == fruit["shop_id"])
            .order_by(products.c.id)
            .limit(1)
        ).scalar_one()
        creators.offer_rate(conn, fruit_owner, creators.NewRate(fruit_product, 1200, since), at=since)
        period = grade_period(app.rulebook, now).first_day
        creators.set_grade(
            conn, operator, app.rulebook, creator_id=creator_id, period_start=period, grade="B", at=since
        )
        creators.add_to_showcase(conn, me, app.rulebook, product_id=sunflower, at=now - timedelta(days=2))
        creators.add_to_showcase(conn, me, app.rulebook, product_id=fruit_product, at=now - timedelta(days=2))
        _feature_in_a_video(conn, owner, shop, creator_id, sunflower, now)
        _own_room(conn, app, me, [sunflower, fruit_product], now)
        _own_video(conn, app, me, [sunflower, fruit_product], now)
        note = "想在周末直播里讲讲多头玫瑰的醒花方法"
        samples.request_sample(
            conn, me, app.rulebook, samples.NewSample(roses, note), at=now - timedelta(hours=5)
        )


def _own_room(conn, app: App, me: accounts.Actor, product_ids: list[int], now: datetime) -> None:
    """Her own room, live with the demo stream, each product's first SKU pinned at ¥1 off."""
    started = now - timedelta(minutes=20)
    room_id = rooms.open_room(conn, me, app.rulebook, title="花花姐的鲜花水果专场", at=started)
    rooms.go_live(conn, me, room_id=room_id, playback_url=PLAYBACK_URL, at=started)
    for product_id in product_ids:
        sku = conn.execute(
            select(skus.c.id, skus.c.price_fen)
            .where(skus.c.product_id == product_id)
            .order_by(skus.c.id)
            .limit(1)
        ).one()
        room_price = max(sku.price_fen - ROOM_DISCOUNT_FEN, 1)
        rooms.pin(conn, me, app.rulebook, room_id=room_id, sku_id=sku.id, price_fen=room_price, at=started)


def _own_video(conn, app: App, me: accounts.Actor, product_ids: list[int], now: datetime) -> None:
    """Her own video on the demo clip, linking the florist's and the fruit seller's products."""
    mp4, poster = (MEDIA / "sunflower.mp4").read_bytes(), (MEDIA / "poster.jpg").read_bytes()
    new = creator_videos.NewCreatorVideo(VIDEO_TITLE, mp4, poster, product_ids)
    creator_videos.publish(conn, me, app.rulebook, app.files, new, at=now - timedelta(hours=6))


def _feature_in_a_video(conn, owner, shop_id: int, creator_id: int, sunflower: int, now: datetime) -> None:
    """The florist's first video that links the sunflowers and only products in the marketplace
    for 花花姐 becomes hers: an order placed from it is credited to her."""
    linked = select(video_products.c.video_id).where(video_products.c.product_id == sunflower)
    for video_id in conn.execute(
        select(videos.c.id).where(videos.c.shop_id == shop_id, videos.c.id.in_(linked)).order_by(videos.c.id)
    ).scalars():
        products_of = select(video_products.c.product_id).where(video_products.c.video_id == video_id)
        if all(
            creators.rate_for(conn, product_id=p, creator_id=creator_id, at=now) is not None
            for p in conn.execute(products_of).scalars()
        ):
            feature_in_video(conn, owner, video_id=video_id, creator_id=creator_id, at=now)
            return
