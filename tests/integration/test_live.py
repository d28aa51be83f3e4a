"""Live rooms through the services on SQLite and PostgreSQL: the session lifecycle with one live
session per room (also when two starts race), product cards of the shop's own products only,
comments (bounds, ended rooms, pace, moderation), likes, reminders and the session report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.followers import services as followers
from pledge.kernel.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from pledge.live import queries
from pledge.live import services as live
from pledge.live.model import SessionStatus, Verdict
from pledge.live.moderation import AllowAll, CommentContext
from pledge.live.tables import live_cards, live_comments, live_sessions
from pledge.notifications import queries as notification_queries
from pledge.notifications import services as notifications
from pledge.notifications.model import Kind
from pledge.promises.model import Promise
from tests.support import run_concurrently

HLS = "/media/live/sunflower/index.m3u8"


@pytest.fixture
def florist(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=2590)
    with app.uow.begin() as c:
        room_id = live.create_room(
            c,
            owner,
            shop_id=shop_id,
            title="昆明斗南花市直播",
            promise=Promise.parse("24h"),
            at=app.clock.now(),
        )
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "room_id": room_id}


def go_live(app, owner, room_id, **kw):
    with app.uow.begin() as c:
        return live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=app.clock.now(), **kw)


def comment(app, actor, session_id, text, moderator=None):
    with app.uow.begin() as c:
        return live.post_comment(
            c, actor, session_id=session_id, text=text, moderator=moderator or AllowAll(), at=app.clock.now()
        )


def status(app, session_id) -> str:
    with app.uow.read() as c:
        return c.execute(select(live_sessions.c.status).where(live_sessions.c.id == session_id)).scalar_one()


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


# --- the session lifecycle -------------------------------------------------------------------------


def test_an_announced_session_goes_live_and_ends(app, world, florist):
    f = florist
    with app.uow.begin() as c:
        session_id = live.schedule_session(
            c,
            f["owner"],
            room_id=f["room_id"],
            title="向日葵怎么插",
            starts_at=app.clock.now() + timedelta(hours=2),
            at=app.clock.now(),
        )
    with app.uow.read() as c:
        assert queries.room_view(c, f["room_id"]).status == "scheduled"
    assert go_live(app, f["owner"], f["room_id"], session_id=session_id) == session_id
    with app.uow.read() as c:
        room = queries.room_view(c, f["room_id"])
    assert (room.status, room.session.playback_url, room.promise_code) == ("live", HLS, "24h")
    with app.uow.begin() as c:
        live.end_session(c, f["owner"], session_id=session_id, at=app.clock.now())
    assert status(app, session_id) == SessionStatus.ENDED
    with pytest.raises(IllegalTransition):
        with app.uow.begin() as c:
            live.end_session(c, f["owner"], session_id=session_id, at=app.clock.now())


def test_a_room_has_one_live_session_at_a_time(app, florist):
    f = florist
    first = go_live(app, f["owner"], f["room_id"], title="第一场")
    with pytest.raises(Conflict, match="already live"):
        go_live(app, f["owner"], f["room_id"], title="第二场")
    assert count(app, live_sessions) == 1  # the refused start wrote nothing
    with app.uow.begin() as c:
        live.end_session(c, f["owner"], session_id=first, at=app.clock.now())
    assert go_live(app, f["owner"], f["room_id"], title="第二场") != first


def test_two_starts_racing_leave_one_live_session(app, florist):
    f = florist
    results = run_concurrently([lambda: go_live(app, f["owner"], f["room_id"], title="抢开播")] * 4)
    won = [r for r in results if isinstance(r, int)]
    assert len(won) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int)), results
    with app.uow.read() as c:
        live_now = c.execute(
            select(func.count()).select_from(live_sessions).where(live_sessions.c.status == "live")
        ).scalar_one()
    assert live_now == 1


def test_only_the_shop_starts_its_room_and_only_trust_and_safety_cuts_it(app, world, florist):
    f = florist
    _, stranger = world.shop("别家伞厂")
    with pytest.raises(Forbidden):
        go_live(app, stranger, f["room_id"], title="冒名开播")
    session_id = go_live(app, f["owner"], f["room_id"], title="正常开播")
    finance = world.user("财务", platform_role="finance")
    reviewer = world.user("审核员", platform_role="reviewer")
    for who in (f["owner"], finance):
        with pytest.raises(Forbidden):
            with app.uow.begin() as c:
                live.cut_session(c, who, session_id=session_id, reason="违规", at=app.clock.now())
    with app.uow.begin() as c:
        live.cut_session(c, reviewer, session_id=session_id, reason="直播间售卖违禁品", at=app.clock.now())
    with app.uow.read() as c:
        room = queries.room_view(c, f["room_id"])
    assert (room.status, room.session.cut_reason) == ("cut", "直播间售卖违禁品")


@pytest.mark.parametrize(
    "url", ["rtmp://ingest/live/abc", "https://cdn.example.cn/live/abc.mp4", "", "javascript:alert(1)//.m3u8"]
)
def test_a_playback_url_is_an_hls_playlist(app, florist, url):
    with pytest.raises(InvalidInput):
        with app.uow.begin() as c:
            live.go_live(
                c, florist["owner"], room_id=florist["room_id"], playback_url=url, at=app.clock.now()
            )
    assert count(app, live_sessions) == 0  # nothing half-written: no session without a stream


# --- product cards -------------------------------------------------------------------------------


def test_cards_are_the_shops_own_products_at_the_room_price(app, world, florist):
    f = florist
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    other_shop, other_owner = world.shop("别家伞厂")
    umbrella = world.product(other_owner, other_shop, title="晴雨伞")
    with pytest.raises(NotFound):
        with app.uow.begin() as c:
            live.pin_card(
                c, f["owner"], session_id=session_id, sku_id=umbrella, price_fen=990, at=app.clock.now()
            )
    for bad in (0, -1, 1.5, "19.9", 10**12):
        with pytest.raises(InvalidInput):
            with app.uow.begin() as c:
                live.pin_card(
                    c, f["owner"], session_id=session_id, sku_id=f["sku"], price_fen=bad, at=app.clock.now()
                )
    assert count(app, live_cards) == 0
    with app.uow.begin() as c:
        live.pin_card(
            c, f["owner"], session_id=session_id, sku_id=f["sku"], price_fen=1990, at=app.clock.now()
        )
        live.explain_card(c, f["owner"], session_id=session_id, sku_id=f["sku"])
    with app.uow.read() as c:
        (card,) = queries.room_view(c, f["room_id"]).cards
    assert (card.price_fen, card.list_price_fen, card.explaining, card.stock) == (1990, 2590, True, 100)
    with app.uow.begin() as c:
        live.unpin_card(c, f["owner"], session_id=session_id, sku_id=f["sku"])
    with app.uow.read() as c:
        assert queries.room_view(c, f["room_id"]).cards == []


# --- comments ------------------------------------------------------------------------------------


def test_comment_bounds_and_ended_rooms(app, world, florist):
    f = florist
    buyer = world.user("小林")
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    for bad in ("", "   ", "花" * 201, None, "\u202e反转"):
        with pytest.raises(InvalidInput):
            comment(app, buyer, session_id, bad)
    posted = comment(app, buyer, session_id, "花" * 200)
    assert (posted.text, posted.verdict) == ("花" * 200, Verdict.ALLOW)
    with app.uow.begin() as c:
        live.end_session(c, f["owner"], session_id=session_id, at=app.clock.now())
    app.clock.advance(timedelta(minutes=5))
    with pytest.raises(Conflict, match="not live"):
        comment(app, buyer, session_id, "还在吗")
    assert count(app, live_comments) == 1


def test_a_viewer_comments_at_a_human_pace(app, world, florist):
    f = florist
    buyer, other = world.user("小林"), world.user("小周")
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    comment(app, buyer, session_id, "第一条")
    with pytest.raises(TooManyAttempts) as too_fast:
        comment(app, buyer, session_id, "第二条")
    assert too_fast.value.retry_after >= 1
    comment(app, other, session_id, "别人不受影响")
    for i in range(9):
        app.clock.advance(timedelta(seconds=3))
        comment(app, buyer, session_id, f"第{i + 2}条")
    app.clock.advance(timedelta(seconds=3))
    with pytest.raises(TooManyAttempts, match="a minute"):
        comment(app, buyer, session_id, "第十一条")
    app.clock.advance(timedelta(seconds=40))
    comment(app, buyer, session_id, "过一会儿又可以了")


class HoldQuestions:
    """A moderator for the test: comments with a phone number are held, insults blocked."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, CommentContext]] = []

    def moderate(self, text: str, context: CommentContext) -> Verdict:
        self.seen.append((text, context))
        if "傻" in text:
            return Verdict.BLOCK
        return Verdict.HOLD if any(ch.isdigit() for ch in text) else Verdict.ALLOW


def test_moderation_decides_who_sees_a_comment(app, world, florist):
    f = florist
    buyer, other = world.user("小林"), world.user("小周")
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    moderator = HoldQuestions()
    shown = comment(app, buyer, session_id, "向日葵好漂亮", moderator)
    app.clock.advance(timedelta(seconds=3))
    held = comment(app, buyer, session_id, "加我微信 13800001111", moderator)
    app.clock.advance(timedelta(seconds=3))
    with pytest.raises(InvalidInput, match="community rules"):
        comment(app, other, session_id, "傻", moderator)
    assert held.verdict == Verdict.HOLD and moderator.seen[0][1].room_id == f["room_id"]
    with app.uow.read() as c:
        for_author = [x.id for x in queries.comments(c, session_id, viewer_id=buyer.user_id)]
        for_others = [x.id for x in queries.comments(c, session_id, viewer_id=other.user_id)]
        replay = [x.id for x in queries.comments(c, session_id, after=shown.id, viewer_id=buyer.user_id)]
    assert (for_author, for_others, replay) == ([shown.id, held.id], [shown.id], [held.id])
    assert count(app, live_comments) == 2


def test_comments_page_back_from_the_newest(app, world, florist):
    f = florist
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    ids = []
    for i in range(7):
        ids.append(comment(app, world.user(f"观众{i}"), session_id, f"评论{i}").id)
    with app.uow.read() as c:
        newest = [x.id for x in queries.comments(c, session_id, limit=3)]
        older = [x.id for x in queries.comments(c, session_id, before=newest[0], limit=3)]
        with pytest.raises(InvalidInput):
            queries.comments(c, session_id, limit=0)
    assert (newest, older) == (ids[4:], ids[1:4])


# --- likes, reminders, viewers -------------------------------------------------------------------


def test_likes_add_up_and_reminders_are_kept_once(app, world, florist):
    f = florist
    buyer = world.user("小林")
    with app.uow.begin() as c:
        announced = live.schedule_session(
            c,
            f["owner"],
            room_id=f["room_id"],
            title="明晚八点",
            starts_at=app.clock.now() + timedelta(days=1),
            at=app.clock.now(),
        )
        assert live.remind_me(c, buyer, session_id=announced, at=app.clock.now()) is True
        assert live.remind_me(c, buyer, session_id=announced, at=app.clock.now()) is False
        with pytest.raises(Conflict):
            live.like(c, session_id=announced, taps=1)
    go_live(app, f["owner"], f["room_id"], session_id=announced)
    with app.uow.begin() as c:
        assert live.like(c, session_id=announced, taps=5) == 5
        assert live.like(c, session_id=announced, taps=50) == 55
        for bad in (0, 51, True, "3"):
            with pytest.raises(InvalidInput):
                live.like(c, session_id=announced, taps=bad)
        with pytest.raises(Conflict):
            live.remind_me(c, buyer, session_id=announced, at=app.clock.now())


def test_the_report_has_viewers_over_time_and_comments_per_minute(app, world, florist):
    f = florist
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    for viewers in (3, 40, 25):
        with app.uow.begin() as c:
            live.record_viewers(c, session_id=session_id, viewers=viewers, at=app.clock.now())
        comment(app, world.user("观众"), session_id, "好看")
        app.clock.advance(timedelta(minutes=1))
    with app.uow.read() as c:
        report = queries.session_report(c, session_id)
    assert [v for _, v in report.viewers] == [3, 40, 25]
    assert report.session.peak_viewers == 40
    assert [n for _, n in report.comments_per_minute] == [1, 1, 1] and report.comments == 3


def test_a_second_sample_within_the_gap_is_not_written_but_its_peak_counts(app, world, florist):
    """Two server processes can both sample a room while its sampling passes from one to the
    other (live.presence's leader): the later sample, within half an interval, is dropped, and
    the session's peak still takes its count."""
    f = florist
    session_id = go_live(app, f["owner"], f["room_id"], title="开播")
    gap = timedelta(seconds=1)
    written = []
    for viewers, after in ((1, timedelta(0)), (2, timedelta(milliseconds=300)), (2, timedelta(seconds=2))):
        app.clock.advance(after)
        with app.uow.begin() as c:
            written.append(
                live.record_viewers(
                    c, session_id=session_id, viewers=viewers, at=app.clock.now(), min_gap=gap
                )
            )
    assert written == [True, False, True]
    with app.uow.read() as c:
        report = queries.session_report(c, session_id)
    assert [v for _, v in report.viewers] == [1, 2]
    assert report.session.peak_viewers == 2


def test_rooms_list_live_rooms_first_and_filters_by_status(app, world, florist):
    f = florist
    with app.uow.begin() as c:
        quiet = live.create_room(
            c,
            f["owner"],
            shop_id=f["shop_id"],
            title="安静的直播间",
            promise=Promise.parse("48h"),
            at=app.clock.now(),
        )
    go_live(app, f["owner"], f["room_id"], title="开播")
    with app.uow.read() as c:
        assert [r.id for r in queries.rooms(c)] == [f["room_id"], quiet]
        assert [r.id for r in queries.rooms(c, status="live")] == [f["room_id"]]
        assert [r.id for r in queries.rooms(c, status="idle")] == [quiet]
        with pytest.raises(InvalidInput):
            queries.rooms(c, status="on-air")


# --- followers and the inbox ---------------------------------------------------------------------


def inbox(app, actor):
    with app.uow.read() as c:
        return notification_queries.inbox(c, actor.user_id), notification_queries.unread_count(
            c, actor.user_id
        )


def test_followers_and_subscribers_are_told_once_when_the_room_goes_live(app, world, florist):
    f = florist
    fan, subscriber, both, stranger = (world.user(n) for n in ("粉丝", "预约者", "又关注又预约", "路人"))
    with app.uow.begin() as c:
        for who in (fan, both):
            followers.follow(c, who, shop_id=f["shop_id"], at=app.clock.now())
        assert (
            followers.follow(c, fan, shop_id=f["shop_id"], at=app.clock.now()).followers == 2
        )  # twice is once
        announced = live.schedule_session(
            c,
            f["owner"],
            room_id=f["room_id"],
            title="晚八点向日葵专场",
            starts_at=app.clock.now() + timedelta(hours=3),
            at=app.clock.now(),
        )
        for who in (subscriber, both):
            live.remind_me(c, who, session_id=announced, at=app.clock.now())
    (scheduled,), unread = inbox(app, fan)
    assert (scheduled.kind, scheduled.params["title"], unread) == (Kind.LIVE_SCHEDULED, "晚八点向日葵专场", 1)
    go_live(app, f["owner"], f["room_id"], session_id=announced)
    for who in (fan, subscriber, both):
        notices, _ = inbox(app, who)
        started = [n for n in notices if n.kind == Kind.LIVE_STARTED]
        assert len(started) == 1 and started[0].link == f"/live/{f['room_id']}"
        assert started[0].params["shop"].startswith("小阿阮鲜花")
    assert inbox(app, stranger) == ([], 0)
    with app.uow.begin() as c:  # a retried notice for the same cause adds nothing
        again = notifications.notify(
            c,
            [fan.user_id],
            kind=Kind.LIVE_STARTED,
            params=started[0].params,
            link=started[0].link,
            cause=f"live-started:{announced}",
            at=app.clock.now(),
        )
        assert again == 0
        assert notifications.mark_read(c, fan, at=app.clock.now()) == 2
    assert inbox(app, fan)[1] == 0


def test_unfollowing_stops_the_notices_and_unknown_shops_are_refused(app, world, florist):
    f = florist
    fan = world.user("粉丝")
    with app.uow.begin() as c:
        followers.follow(c, fan, shop_id=f["shop_id"], at=app.clock.now())
        assert followers.unfollow(c, fan, shop_id=f["shop_id"]) == followers.Following(f["shop_id"], False, 0)
        with pytest.raises(NotFound):
            followers.follow(c, fan, shop_id=10**9, at=app.clock.now())
    go_live(app, f["owner"], f["room_id"], title="开播")
    assert inbox(app, fan) == ([], 0)


def test_a_notice_has_the_parameters_its_words_need(app, world):
    buyer = world.user("小林")
    with app.uow.begin() as c:
        with pytest.raises(InvalidInput):
            notifications.notify(
                c,
                [buyer.user_id],
                kind=Kind.LIVE_STARTED,
                params={"shop": "x"},
                link="/live/1",
                cause="x",
                at=app.clock.now(),
            )
        with pytest.raises(InvalidInput):
            notifications.notify(
                c,
                [buyer.user_id],
                kind=Kind.LIVE_STARTED,
                params={"shop": "x", "title": "t", "room_id": 1},
                link="https://evil.example/",
                cause="x",
                at=app.clock.now(),
            )
