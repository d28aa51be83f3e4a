"""The demo's live rooms: the florist is on air now with the sunflowers, roses and peonies on
her cart (the sunflowers being explained), viewers commenting, and one finished session with a
report (viewers over time, comments per minute); the fruit shop has announced tomorrow
evening's session. The video is the looping HLS sample the app serves at
/media/live/sunflower/ (src/pledge/demo/media/sunflower-live)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.kernel.clock import local_time, zone
from pledge.live import replays
from pledge.live import services as live
from pledge.live.moderation import AllowAll

PLAYBACK_URL = "/media/live/sunflower/index.m3u8"
# (SKU index on the florist's cart, room price in fen): below the list prices 19.90 / 39.80 / 59.90
FLORIST_CARDS = [(0, 1590), (2, 3580), (4, 5290)]
COMMENTS_NOW = [
    (0, "阿阮今天的向日葵好精神！"),
    (1, "12枝的能放几天呀？"),
    (2, "给妈妈订一束，明天能发吗"),
    (0, "已下单，坐等～"),
]
PAST_COMMENTS = ["主播好", "玫瑰什么颜色最好看", "芍药什么时候开", "下单了", "包邮吗", "好漂亮"]


def _comment(app: App, buyer: Actor, session_id: int, text: str, at: datetime) -> None:
    with app.uow.begin() as conn:
        live.post_comment(conn, buyer, session_id=session_id, text=text, moderator=AllowAll(), at=at)


def _past_session(app: App, shop: dict, room_id: int, buyers: list[Actor], now: datetime) -> None:
    """Three days ago, 20:00 to 21:00 Beijing time: viewers sampled every five minutes."""
    day = (local_time(now, "Asia/Shanghai") - timedelta(days=3)).date()
    start = datetime.combine(day, time(20, 0), tzinfo=zone("Asia/Shanghai")).astimezone(now.tzinfo)
    with app.uow.begin() as conn:
        session_id = live.go_live(
            conn, shop["owner"], room_id=room_id, playback_url=PLAYBACK_URL, title="周末花市专场", at=start
        )
        for step in range(13):
            viewers = [3, 8, 15, 26, 41, 52, 60, 57, 49, 44, 30, 18, 9][step]
            live.record_viewers(
                conn, session_id=session_id, viewers=viewers, at=start + timedelta(minutes=5 * step)
            )
    for n, text in enumerate(PAST_COMMENTS * 3):
        at = start + timedelta(minutes=3 + 3 * n, seconds=n)
        _comment(app, buyers[n % len(buyers)], session_id, text, at)
    with app.uow.begin() as conn:
        live.end_session(conn, shop["owner"], session_id=session_id, at=start + timedelta(hours=1))
        # The ingest server's recording of the evening: in the demo, the same looping sample.
        replays.set_replay(conn, shop["owner"], session_id=session_id, replay_url=PLAYBACK_URL)


def seed_live(app: App, shops: list[dict], buyers: list[Actor], now: datetime, titles: list[str]) -> int:
    """Rooms for every demo shop (adopting its live-room promise); the florist live now, the
    next shop's session announced for tomorrow 20:00. Returns the florist's room id."""
    rooms = []
    for shop, title in zip(shops, titles, strict=True):
        with app.uow.begin() as conn:
            rooms.append(
                live.create_room(
                    conn,
                    shop["owner"],
                    shop_id=shop["shop_id"],
                    title=title,
                    promise=None,
                    content_id=shop["live_id"],
                    at=now - timedelta(days=4),
                )
            )
    florist, room_id = shops[0], rooms[0]
    _past_session(app, florist, room_id, buyers, now)
    started = now - timedelta(minutes=25)
    with app.uow.begin() as conn:
        session_id = live.go_live(
            conn,
            florist["owner"],
            room_id=room_id,
            playback_url=PLAYBACK_URL,
            title="向日葵醒花教学",
            at=started,
        )
        for index, price_fen in FLORIST_CARDS:
            live.pin_card(
                conn,
                florist["owner"],
                session_id=session_id,
                sku_id=florist["skus"][index],
                price_fen=price_fen,
                at=started,
            )
        live.explain_card(conn, florist["owner"], session_id=session_id, sku_id=florist["skus"][0])
        live.like(conn, session_id=session_id, taps=50)
    for n, (who, text) in enumerate(COMMENTS_NOW):
        _comment(app, buyers[who], session_id, text, started + timedelta(minutes=2 + 4 * n))
    tomorrow = (local_time(now, "Asia/Shanghai") + timedelta(days=1)).date()
    evening = datetime.combine(tomorrow, time(20, 0), tzinfo=zone("Asia/Shanghai")).astimezone(now.tzinfo)
    with app.uow.begin() as conn:
        live.schedule_session(
            conn, shops[1]["owner"], room_id=rooms[1], title="赣南脐橙开园直播", starts_at=evening, at=now
        )
    return room_id
