"""Reviews, chat messages and live comments before a reviewer (issue 14): what the checks hold
enters the queue naming the text itself; a reviewer's `allow` shows a held review or message and
`remove` hides it; a comment, review or message reported while shown is hidden for everyone when
a reviewer removes it; refused ones are recorded as blocked the moment the refusal is answered."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from pledge.accounts.services import Actor
from pledge.chat import queries as chat_queries
from pledge.chat import services as chat
from pledge.chat.tables import conversations
from pledge.governance import queries
from pledge.governance import services as governance
from pledge.governance.model import Decision, Subject
from pledge.governance.report import governance_report
from pledge.governance.tables import governance_items
from pledge.kernel.errors import NotFound
from pledge.live import queries as live_queries
from pledge.live import services as live
from pledge.moderation.checks import ContentRefused
from pledge.notifications.tables import notifications
from pledge.promises.model import Promise
from pledge.reviews import services as reviews
from pledge.reviews.tables import reviews as review_rows
from tests.e2e.test_aftersales_api import delivered_order
from tests.integration.test_experience import History

OPERATOR = Actor(0, "运营", "operator")
HELD = "六四折买的，很划算"  # a political term: comments, reviews and chat wait for a reviewer
BLOCKED = "出售气枪配件加我"  # weapons: refused everywhere
HLS = "/media/live/sunflower/index.m3u8"


@pytest.fixture
def delivered(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, stock=100)
    buyer = world.user("小林")
    _order_id, line_id = delivered_order(app, buyer, owner, sku, hours_ago=1)
    return {"shop_id": shop_id, "owner": owner, "buyer": buyer, "line_id": line_id}


def _review(app, buyer, line_id, body, stars=5):
    with app.uow.begin() as c:
        return reviews.post_review(
            c,
            buyer,
            line_id,
            reviews.ReviewIn(stars, body),
            book=app.rulebook,
            at=app.clock.now(),
            screen=app.comment_screen,
        )


def _product_of_review(app, review_id) -> int:
    with app.uow.read() as c:
        return c.execute(select(review_rows.c.product_id).where(review_rows.c.id == review_id)).scalar_one()


def _shown_reviews(app, product_id) -> tuple[int, list[int]]:
    with app.uow.read() as c:
        found = reviews.product_reviews(c, product_id)
    return found["count"], [r["id"] for r in found["reviews"]]


def _open_items(app) -> list[tuple[str, int | None, int]]:
    with app.uow.read() as c:
        return [(i["subject"], i["subject_id"], i["shop_id"]) for i in queries.queue(c, OPERATOR)]


def _decide(app, world, item_id, decision):
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        return governance.decide(
            c,
            operator,
            item_id,
            decision,
            note="核实",
            clause="moderation.prohibited.political",
            book=app.rulebook,
            at=app.clock.now(),
        )


def _item_of(app, subject: Subject, subject_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(
            select(governance_items.c.id).where(
                governance_items.c.subject == subject.value, governance_items.c.subject_id == subject_id
            )
        ).scalar_one()


def test_a_held_review_waits_in_the_queue_and_counts_once_a_reviewer_allows_it(app, world, delivered):
    review_id = _review(app, delivered["buyer"], delivered["line_id"], HELD)
    product_id = _product_of_review(app, review_id)
    assert _open_items(app) == [("review", review_id, delivered["shop_id"])]
    assert _shown_reviews(app, product_id) == (0, [])
    _decide(app, world, _item_of(app, Subject.REVIEW, review_id), Decision.ALLOW)
    assert _shown_reviews(app, product_id) == (1, [review_id])
    assert _open_items(app) == []


def test_a_held_review_a_reviewer_removes_stays_hidden(app, world, delivered):
    review_id = _review(app, delivered["buyer"], delivered["line_id"], HELD)
    _decide(app, world, _item_of(app, Subject.REVIEW, review_id), Decision.REMOVE)
    assert _shown_reviews(app, _product_of_review(app, review_id)) == (0, [])


def test_a_reported_review_that_is_shown_is_hidden_when_removed(app, world, delivered):
    review_id = _review(app, delivered["buyer"], delivered["line_id"], "花很新鲜")
    product_id = _product_of_review(app, review_id)
    assert _shown_reviews(app, product_id) == (1, [review_id])
    reporter = world.user("路人")
    with app.uow.begin() as c:
        item_id = governance.report(
            c,
            reporter,
            governance.Reported(Subject.REVIEW, review_id, "刷单好评"),
            at=app.clock.now(),
        )
    _decide(app, world, item_id, Decision.REMOVE)
    assert _shown_reviews(app, product_id) == (0, [])


def test_a_blocked_review_is_refused_and_recorded_blocked_at_once_and_counted(app, world, delivered):
    with pytest.raises(ContentRefused):
        _review(app, delivered["buyer"], delivered["line_id"], BLOCKED)
    with app.uow.read() as c:
        rows = c.execute(select(governance_items.c.subject, governance_items.c.status)).all()
        assert c.execute(select(review_rows.c.id)).first() is None
        day = app.clock.now().astimezone(ZoneInfo(app.rulebook.timezone)).date()
        counted = governance_report(c, day, day, app.rulebook.timezone).comments_blocked
    assert [tuple(r) for r in rows] == [("review", "blocked")]
    assert counted == 1


def test_held_review_stars_do_not_count_in_the_experience_score(world):
    h = History(world)
    h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00", stars=5)
    held = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00", stars=1)
    with world.app.uow.begin() as c:
        c.execute(update(review_rows).where(review_rows.c.order_id == held).values(moderation="review"))
    m = h.measures()
    assert (m["rated"], m["rating_sum"], m["bad_reviews"]) == (1, 5.0, 0)


@pytest.fixture
def conversation(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    buyer = world.user("小林")
    with app.uow.begin() as c:
        opened = chat.open_conversation(c, buyer, shop_id=shop_id, order_id=None, at=app.clock.now())
    return {"id": opened.conversation_id, "shop_id": shop_id, "owner": owner, "buyer": buyer}


def _say(app, actor, conversation_id, body):
    with app.uow.begin() as c:
        return chat.post_message(
            c, actor, conversation_id, body, at=app.clock.now(), screen=app.comment_screen
        )


def _seen_by(app, actor, conversation_id) -> list[int]:
    with app.uow.read() as c:
        return [m["id"] for m in chat_queries.conversation_view(c, actor, conversation_id)["messages"]]


def test_a_held_chat_message_reaches_the_shop_once_a_reviewer_allows_it(app, world, conversation):
    v = conversation
    message_id = _say(app, v["buyer"], v["id"], HELD)
    assert _open_items(app) == [("chat_message", message_id, v["shop_id"])]
    assert _seen_by(app, v["owner"], v["id"]) == []
    assert _seen_by(app, v["buyer"], v["id"]) == [message_id]
    _decide(app, world, _item_of(app, Subject.CHAT_MESSAGE, message_id), Decision.ALLOW)
    assert _seen_by(app, v["owner"], v["id"]) == [message_id]


def _conversation_row(app, conversation_id):
    with app.uow.read() as c:
        return c.execute(select(conversations).where(conversations.c.id == conversation_id)).one()


def test_a_held_buyer_message_opens_its_reply_round_when_a_reviewer_allows_it(app, world, conversation):
    """The shop could not read the message while it was held: the round (and the conversation)
    starts at the decision, and the response time counts from there (douyin:aJoPPkXuLRqc)."""
    v = conversation
    sent = app.clock.now()
    message_id = _say(app, v["buyer"], v["id"], HELD)
    held = _conversation_row(app, v["id"])
    assert (held.started_at, held.awaiting_reply_since) == (None, None)
    allowed = app.clock.advance(timedelta(hours=2))
    _decide(app, world, _item_of(app, Subject.CHAT_MESSAGE, message_id), Decision.ALLOW)
    shown = _conversation_row(app, v["id"])
    assert (shown.started_at, shown.awaiting_reply_since) == (allowed, allowed)
    app.clock.advance(timedelta(minutes=5))
    reply_id = _say(app, v["owner"], v["id"], "您好，在的")
    assert _conversation_row(app, v["id"]).awaiting_reply_since is None
    app.clock.advance(timedelta(minutes=1))  # the window ends after the reply
    with app.uow.read() as c:
        metrics = chat.measure_shop(
            c, v["shop_id"], book=app.rulebook, since=sent - timedelta(days=1), until=app.clock.now()
        )
        told = c.execute(select(notifications.c.cause).where(notifications.c.user_id == v["buyer"].user_id))
        assert f"chat-reply:{reply_id}" in told.scalars().all()
    assert (metrics.answered_rounds, metrics.response_ms_total) == (1, 5 * 60 * 1000)


def test_a_held_shop_reply_closes_the_round_and_tells_the_buyer_when_allowed(app, world, conversation):
    """The buyer reads the reply once allowed; the shop's response time counts to when it was
    sent (the review's delay is not the shop's)."""
    v = conversation
    _say(app, v["buyer"], v["id"], "请问今天能发货吗")
    app.clock.advance(timedelta(minutes=1))
    reply_id = _say(app, v["owner"], v["id"], HELD)
    assert _conversation_row(app, v["id"]).awaiting_reply_since is not None  # held: nobody read it
    app.clock.advance(timedelta(minutes=30))
    _decide(app, world, _item_of(app, Subject.CHAT_MESSAGE, reply_id), Decision.ALLOW)
    assert _conversation_row(app, v["id"]).awaiting_reply_since is None
    with app.uow.read() as c:
        metrics = chat.measure_shop(
            c,
            v["shop_id"],
            book=app.rulebook,
            since=app.clock.now() - timedelta(days=1),
            until=app.clock.now(),
        )
        told = c.execute(select(notifications.c.cause).where(notifications.c.user_id == v["buyer"].user_id))
        assert told.scalars().all() == [f"chat-reply:{reply_id}"]
    assert (metrics.answered_rounds, metrics.response_ms_total) == (1, 60 * 1000)


def test_a_reported_chat_message_is_hidden_when_removed_and_only_a_party_reports_it(app, world, conversation):
    v = conversation
    message_id = _say(app, v["buyer"], v["id"], "你好，在吗")
    stranger = world.user("路人")
    with pytest.raises(NotFound), app.uow.begin() as c:
        governance.report(
            c,
            stranger,
            governance.Reported(Subject.CHAT_MESSAGE, message_id, "骚扰"),
            at=app.clock.now(),
        )
    with app.uow.begin() as c:
        item_id = governance.report(
            c, v["owner"], governance.Reported(Subject.CHAT_MESSAGE, message_id, "骚扰"), at=app.clock.now()
        )
    _decide(app, world, item_id, Decision.REMOVE)
    assert _seen_by(app, v["owner"], v["id"]) == []
    assert _seen_by(app, v["buyer"], v["id"]) == [message_id]


def test_a_blocked_chat_message_is_refused_and_recorded_blocked(app, world, conversation):
    with pytest.raises(ContentRefused):
        _say(app, conversation["buyer"], conversation["id"], BLOCKED)
    with app.uow.read() as c:
        rows = c.execute(select(governance_items.c.subject, governance_items.c.status)).all()
    assert [tuple(r) for r in rows] == [("chat_message", "blocked")]


@pytest.fixture
def session(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="斗南花市", promise=Promise.parse("24h"), at=app.clock.now()
        )
        session_id = live.go_live(
            c, owner, room_id=room_id, playback_url=HLS, at=app.clock.now(), title="开播"
        )
    return {"id": session_id, "shop_id": shop_id}


def _comment(app, actor, session_id, text):
    with app.uow.begin() as c:
        return live.post_comment(
            c, actor, session_id=session_id, text=text, moderator=app.moderator, at=app.clock.now()
        )


def _comment_ids(app, session_id, viewer) -> list[int]:
    with app.uow.read() as c:
        return [v.id for v in live_queries.comments(c, session_id, viewer_id=viewer.user_id)]


def test_a_held_live_comment_names_the_comment_in_the_queue(app, world, session):
    comment = _comment(app, world.user("小林"), session["id"], HELD)
    assert _open_items(app) == [("comment", comment.id, session["shop_id"])]


def test_a_reported_live_comment_that_was_shown_is_hidden_for_everyone_when_removed(app, world, session):
    author, viewer = world.user("小林"), world.user("小周")
    comment = _comment(app, author, session["id"], "主播今天的花不错")
    assert _comment_ids(app, session["id"], viewer) == [comment.id]
    with app.uow.begin() as c:
        item_id = governance.report(
            c, viewer, governance.Reported(Subject.COMMENT, comment.id, "广告"), at=app.clock.now()
        )
    assert _open_items(app)[0][:2] == ("comment", comment.id)
    _decide(app, world, item_id, Decision.REMOVE)
    assert _comment_ids(app, session["id"], viewer) == []
    assert _comment_ids(app, session["id"], author) == [comment.id]
