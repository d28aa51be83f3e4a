"""The demo's wish pool: two days ago the umbrella factory (飞恋伞厂) ran its 许愿新品 session;
viewers' comments became demands on its board (a bigger umbrella for two, a clear one, a
children's one...). The bigger umbrella has since become a product, 双人超大晴雨伞, with a
wisher price (¥10.00 off for two weeks, a shop coupon to each wisher); everyone who wished for
it was told, and one of them has bought it with the wisher price (the board's conversion); the
others wait on the board."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.catalog import services as catalog
from pledge.catalog.tables import products, skus
from pledge.kernel.clock import local_time, zone
from pledge.ledger.queries import coupon_by_source
from pledge.live import services as live
from pledge.live.moderation import AllowAll
from pledge.live.tables import live_rooms
from pledge.orders import services as orders
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.promises.model import Promise
from pledge.wishes import services as wishes
from pledge.wishes.offers import wisher_price_source
from pledge.wishes.policy import WisherOffer
from pledge.wishes.tables import wish_demands

PLAYBACK_URL = "/media/live/sunflower/index.m3u8"
COMMENTS = [
    "能不能出一款大一点的伞",
    "求双人伞！和男朋友一起打",
    "伞好看，已下单",
    "要是有超大号的伞就好了",
    "许愿透明伞",
    "什么时候发货呀",
    "加大款什么时候出",
    "能出儿童款吗，孩子上学用",
    "求链接",
    "想要透明的伞，拍照好看",
    "希望出个超大的伞，两个人都淋不到",
    "蹲一个儿童伞",
]
MADE = catalog.NewSku("双人超大款", 8900, 200)
OFFER = WisherOffer(price_off_fen=1000, valid_days=14)  # ¥10.00 off for each wisher, two weeks


def _past_session(app: App, owner: Actor, room_id: int, buyers: list[Actor], start: datetime) -> None:
    with app.uow.begin() as conn:
        session_id = live.go_live(
            conn, owner, room_id=room_id, playback_url=PLAYBACK_URL, title="许愿新品直播", at=start
        )
    for n, text in enumerate(COMMENTS):
        with app.uow.begin() as conn:
            live.post_comment(
                conn,
                buyers[n % len(buyers)],
                session_id=session_id,
                text=text,
                moderator=AllowAll(),
                at=start + timedelta(minutes=2 + 3 * n),
                listener=app.listener,
            )
    with app.uow.begin() as conn:
        live.end_session(conn, owner, session_id=session_id, at=start + timedelta(hours=1))


def seed_wishes(app: App, factory: dict, buyers: list[Actor], now: datetime) -> None:
    """The umbrella factory's past session, its board, and the demand that became a product."""
    owner, shop_id = factory["owner"], factory["shop_id"]
    day = (local_time(now, "Asia/Shanghai") - timedelta(days=2)).date()
    start = datetime.combine(day, time(20, 0), tzinfo=zone("Asia/Shanghai")).astimezone(now.tzinfo)
    with app.uow.read() as conn:
        room_id = conn.execute(select(live_rooms.c.id).where(live_rooms.c.shop_id == shop_id)).scalar_one()
        category_id = conn.execute(
            select(products.c.category_id).where(products.c.shop_id == shop_id).limit(1)
        ).scalar_one()
    # viewers who have not commented since (a comment's pace counts later comments too)
    _past_session(app, owner, room_id, buyers[3:], start)
    with app.uow.begin() as conn:
        bigger = conn.execute(
            select(wish_demands.c.id)
            .where(wish_demands.c.shop_id == shop_id)
            .order_by(wish_demands.c.id)
            .limit(1)
        ).scalar_one()
        # the demo buyer (小林) saw the wish on the shop page and added a +1
        wishes.plus_one(conn, buyers[0], demand_id=bigger, at=start + timedelta(hours=2))
        wishes.rename(conn, owner, demand_id=bigger, name="双人大伞")
        cmd = catalog.NewProduct(
            shop_id, category_id, "双人超大晴雨伞 应许愿上新", Promise.parse("72h"), [MADE]
        )
        product_id = wishes.new_product(
            conn,
            owner,
            demand_id=bigger,
            cmd=cmd,
            at=now - timedelta(days=1),
            guards=app.listing_guards,
            screen=app.listing_screen,
            offer=OFFER,
            book=app.rulebook,
        )
        wishers = [w for w in wishes.wishers(conn, bigger) if w != buyers[0].user_id]
    _a_wisher_buys(app, next(b for b in buyers if b.user_id == wishers[0]), bigger, product_id, now)


def _a_wisher_buys(app: App, buyer: Actor, demand_id: int, product_id: int, now: datetime) -> None:
    """One wisher bought the new umbrella with the wisher price (the board's conversion)."""
    at = now - timedelta(hours=12)
    with app.uow.begin() as conn:
        sku_id = conn.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalar_one()
        coupon = coupon_by_source(conn, wisher_price_source(demand_id, buyer.user_id))
        placed = orders.place_order(
            conn,
            buyer,
            [orders.LineRequest(sku_id, 1)],
            at=at,
            pay_window=app.pay_window,
            guards=app.sale_guards,
            coupon_id=coupon.id,
        )
    with app.uow.begin() as conn:
        handle_callback(
            conn,
            CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
            book=app.rulebook,
            at=at + timedelta(minutes=1),
        )
