"""The demo's creators (达人): 花花姐, a flower creator with 86 000 followers, sells the Kunming
florist's sunflowers from her showcase at the florist's rate for every creator (20 %), has an
exclusive rate on peonies (25 %, hers alone), is the creator of one of the florist's short videos
that links the sunflowers (orders from it are hers), and has asked the florist for a sample of the roses,
waiting for the florist's decision. The fruit seller offers 12 % on one product, so the
marketplace holds more than one shop. Her grade for the current period is B. She has her own
live room (达人直播间), live now, selling the florist's sunflowers and the fruit seller's product
at ¥1 off each: a cart from it becomes one order per shop, each hers. She has published her own
short video (达人短视频) selling the same two shops' products at their list prices, on the demo's
sunflower clip.

A second creator, 果果哥 (a fruit reviewer), shows trust & safety at work on creators: his short
video selling the fruit seller's oranges claimed they lower blood sugar; a reviewer recorded the
false-advertising violation with light harm (creator.false-advertising, tier 2), which took the
oranges off his cart, left the video visible to him only (视频自见) and stopped settling his
commissions on them for 30 days; he has appealed, and the appeal waits for a reviewer."""

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
from pledge.governance import creator_appeals, creator_penalties
from pledge.videos.tables import video_products, videos

EMAIL = "creator@pledge.demo"
FRUIT_CREATOR_EMAIL = "fruitcreator@pledge.demo"
REVIEWER = "reviewer@pledge.demo"  # records the fruit creator's violation
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
    _penalised_creator(app, fruit_product, password, now)


def _penalised_creator(app: App, oranges: int, password: str, now: datetime) -> None:
    """果果哥: a video with a false health claim, a tier-2 penalty on it, and his appeal waiting."""
    since, decided = now - timedelta(days=2, hours=12), now - timedelta(days=1)
    with app.uow.begin() as conn:
        user_id = accounts.create_user(
            conn, email=FRUIT_CREATOR_EMAIL, password=password, display_name="果果哥", at=since
        )
        me = accounts.load_actor(conn, user_id)
        new = creators.NewCreator("guoguo_ge", "果果哥 · 水果测评", 23_000)
        creator_id = creators.register_creator(conn, me, new, at=since)
        creators.add_to_showcase(conn, me, app.rulebook, product_id=oranges, at=since)
        mp4, poster = (MEDIA / "sunflower.mp4").read_bytes(), (MEDIA / "poster.jpg").read_bytes()
        video = creator_videos.NewCreatorVideo("果果哥试吃赣南脐橙", mp4, poster, [oranges])
        video_id = creator_videos.publish(
            conn, me, app.rulebook, app.files, video, at=now - timedelta(days=2)
        )
        reviewer = accounts.load_actor(conn, _user(conn, REVIEWER))
        violation = creator_penalties.Violation(
            creator_id,
            "creator.false-advertising",
            "demo-guoguo-video",
            "video",
            video_id,
            oranges,
            "视频口播宣称脐橙“吃了能降血糖”，属于虚假宣传",
            "视频第12–25秒口播",
            "light",
        )
        decision = creator_penalties.record_violation(
            conn, reviewer, violation, book=app.rulebook, at=decided
        )
        creator_appeals.file_appeal(
            conn,
            me,
            decision.penalty_id,
            reason="口播原话是“低升糖的水果”，已附上检测报告，请复核",
            book=app.rulebook,
            at=now - timedelta(hours=8),
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
