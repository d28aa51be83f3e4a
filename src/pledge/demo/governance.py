"""Demo trust & safety: a few realistic items in the reviewer queue (a listing held for a
political term that is really a discount, "六四折"; an abusive comment held in the florist's live
room; a buyer's report on the fruit shop's oranges), records of what the checks blocked, one item
already decided, and a penalty on the umbrella factory with the merchant's appeal waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.bootstrap import App
from pledge.catalog import services as catalog
from pledge.catalog.tables import categories, products
from pledge.governance import appeals, penalties
from pledge.governance import services as governance
from pledge.governance.model import Decision, Subject
from pledge.kernel.clock import FixedClock
from pledge.live import services as live
from pledge.live.model import SessionStatus
from pledge.live.tables import live_rooms, live_sessions
from pledge.promises.model import Promise


def _staff(app: App, email: str) -> accounts.Actor:
    with app.uow.read() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.email == email)).scalar_one()
        return accounts.load_actor(conn, user_id)


def _held_listing(app: App, umbrella: dict, at: datetime) -> None:
    with app.uow.begin() as conn:
        category = conn.execute(select(categories.c.id).where(categories.c.parent_id.is_not(None))).scalar()
        catalog.create_product(
            conn,
            umbrella["owner"],
            catalog.NewProduct(
                umbrella["shop_id"],
                int(category or 0),
                "限时六四折 晴雨两用折叠伞",
                Promise.parse("48h"),
                [catalog.NewSku("藏青色", 3900, 200)],
            ),
            at=at,
            guards=app.listing_guards,
            screen=app.listing_screen,
        )


def _comments(app: App, florist: dict, buyer: accounts.Actor, at: datetime) -> None:
    """Comments the checks held and blocked in the florist's room (each is in the queue)."""
    with app.uow.begin() as conn:
        session_id = conn.execute(
            select(live_sessions.c.id)
            .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
            .where(
                live_rooms.c.shop_id == florist["shop_id"], live_sessions.c.status == SessionStatus.LIVE.value
            )
        ).scalar()
        if session_id is None:
            return
        for minutes, text in ((8, "这伞是垃圾，主播骗子"), (5, "主播傻逼")):  # after the room's last comment
            live.post_comment(
                conn,
                buyer,
                session_id=session_id,
                text=text,
                moderator=app.moderator,
                at=at - timedelta(minutes=minutes),
            )


def _reports(app: App, clock: FixedClock, fruit: dict, buyers: list[accounts.Actor], now: datetime) -> None:
    reviewer = _staff(app, "reviewer@pledge.demo")
    with app.uow.begin() as conn:
        orange = conn.execute(
            select(products.c.id)
            .where(products.c.shop_id == fruit["shop_id"])
            .order_by(products.c.id)
            .limit(1)
        ).scalar_one()
        reason = "标题写“不甜包退”，收到的橙子很酸，像是虚假宣传"
        governance.report(
            conn, buyers[0], governance.Reported(Subject.LISTING, orange, reason), at=now - timedelta(hours=5)
        )
        decided = governance.report(
            conn,
            buyers[1],
            governance.Reported(Subject.LISTING, orange, "图片和实物大小不一样"),
            at=now - timedelta(days=2),
        )
        governance.decide(
            conn,
            reviewer,
            decided,
            Decision.ALLOW,
            note="已核对商品规格，图片标注了果径，未见虚假宣传",
            book=app.rulebook,
            at=now - timedelta(days=2) + timedelta(hours=3),
            clause="moderation.absolute-terms",
        )


def _penalty_with_appeal(app: App, umbrella: dict, now: datetime) -> None:
    reviewer = _staff(app, "reviewer@pledge.demo")
    order = penalties.PenaltyOrder(
        umbrella["shop_id"],
        "governance.minors-in-live",
        "直播间出现未成年人出镜讲解商品",
        "直播回放 20:14–20:21",
    )
    with app.uow.begin() as conn:
        penalty_id = penalties.impose(conn, reviewer, order, book=app.rulebook, at=now - timedelta(days=2))
        appeals.file_appeal(
            conn,
            umbrella["owner"],
            penalty_id,
            reason="出镜者为已满18岁的店员，已上传身份证明",
            book=app.rulebook,
            at=now - timedelta(days=1),
        )


def seed_governance(
    app: App, clock: FixedClock, shops: list[dict], buyers: list[accounts.Actor], now: datetime
) -> None:
    florist, fruit, umbrella = shops[0], shops[1], shops[2]
    clock.set(now - timedelta(hours=2))
    _held_listing(app, umbrella, clock.now())
    _comments(app, florist, buyers[2], now)
    _reports(app, clock, fruit, buyers, now)
    _penalty_with_appeal(app, umbrella, now)
    clock.set(now)
