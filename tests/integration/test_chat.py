"""Customer-service chat through the services on SQLite and PostgreSQL: one open conversation per
buyer + shop + order, rounds and the open-round marker, a final rating that ends the
conversation, tenancy, and the shop's metrics measured from stored history on the clock
(business hours in the shop's timezone, the 10-minute unanswered round, 1-3 stars)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.accounts import services as accounts
from pledge.chat import queries
from pledge.chat import services as chat
from pledge.chat.tables import conversations, messages
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import make_app
from tests.e2e.conftest import snapshot
from tests.support import World

SH = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, second, tzinfo=SH)


@pytest.fixture
def florist(world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝")
    buyer = world.user("小林")
    order_id = world.paid_order(buyer, sku)
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "buyer": buyer, "order_id": order_id}


def open_chat(app, actor, shop_id: int, order_id: int | None = None) -> chat.Opened:
    with app.uow.begin() as c:
        return chat.open_conversation(c, actor, shop_id=shop_id, order_id=order_id, at=app.clock.now())


def say(app, actor, conversation_id: int, body: str) -> int:
    with app.uow.begin() as c:
        return chat.post_message(c, actor, conversation_id, body, at=app.clock.now())


def rate(app, actor, conversation_id: int, stars) -> None:
    with app.uow.begin() as c:
        chat.rate_conversation(c, actor, conversation_id, stars, at=app.clock.now())


def view(app, actor, conversation_id: int, after: int | None = None) -> dict:
    with app.uow.read() as c:
        return queries.conversation_view(c, actor, conversation_id, after=after)


def metrics(app, actor, shop_id: int, **window):
    with app.uow.read() as c:
        return chat.shop_chat_metrics(c, actor, shop_id, book=app.rulebook, now=app.clock.now(), **window)


def row(app, conversation_id: int):
    with app.uow.read() as c:
        return c.execute(select(conversations).where(conversations.c.id == conversation_id)).one()


# --- conversations -------------------------------------------------------------------------------


def test_one_open_conversation_per_buyer_shop_and_order(app, world, florist):
    f = florist
    about_order = open_chat(app, f["buyer"], f["shop_id"], f["order_id"])
    general = open_chat(app, f["buyer"], f["shop_id"])
    assert about_order.created and general.created and about_order.conversation_id != general.conversation_id
    assert open_chat(app, f["buyer"], f["shop_id"], f["order_id"]) == chat.Opened(
        about_order.conversation_id, False
    )
    assert open_chat(app, f["buyer"], f["shop_id"]) == chat.Opened(general.conversation_id, False)
    other_buyer = world.user()
    assert open_chat(app, other_buyer, f["shop_id"]).conversation_id not in (
        about_order.conversation_id,
        general.conversation_id,
    )
    c = row(app, about_order.conversation_id)
    assert (c.status, c.order_id, c.started_at, c.awaiting_reply_since, c.stars) == (
        "open",
        f["order_id"],
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "case", ["unknown shop", "someone else's order", "order of another shop", "own shop"]
)
def test_opening_a_conversation_refuses_and_changes_nothing(app, world, florist, case):
    f = florist
    other_shop, _other_owner = world.shop("大乐水果")
    stranger = world.user()
    expected, actor, shop_id, order_id = {
        "unknown shop": (NotFound, f["buyer"], 999_999, None),
        "someone else's order": (NotFound, stranger, f["shop_id"], f["order_id"]),
        "order of another shop": (InvalidInput, f["buyer"], other_shop, f["order_id"]),
        "own shop": (Forbidden, f["owner"], f["shop_id"], None),
    }[case]
    before = snapshot(app)
    with pytest.raises(expected):
        open_chat(app, actor, shop_id, order_id)
    assert snapshot(app) == before


def test_messages_mark_the_start_and_the_open_round(app, clock, florist):
    f = florist
    cid = open_chat(app, f["buyer"], f["shop_id"], f["order_id"]).conversation_id
    clock.advance(timedelta(seconds=5))
    first = say(app, f["buyer"], cid, "  向日葵什么时候发货？ ")
    asked_at = clock.now()
    clock.advance(timedelta(seconds=20))
    say(app, f["buyer"], cid, "明天要用")
    c = row(app, cid)
    assert (c.started_at, c.awaiting_reply_since, c.last_message_at) == (asked_at, asked_at, clock.now())
    clock.advance(timedelta(seconds=40))
    reply = say(app, f["owner"], cid, "今天16点前发顺丰，明天到")
    c = row(app, cid)
    assert (c.started_at, c.awaiting_reply_since) == (asked_at, None)

    whole = view(app, f["buyer"], cid)
    assert [(m["sender"], m["body"]) for m in whole["messages"]] == [
        ("buyer", "向日葵什么时候发货？"),
        ("buyer", "明天要用"),
        ("shop", "今天16点前发顺丰，明天到"),
    ]
    assert whole["role"] == "buyer" and whole["last_message_id"] == reply
    newer = view(app, f["owner"], cid, after=first)
    assert [m["body"] for m in newer["messages"]] == ["明天要用", "今天16点前发顺丰，明天到"] and newer[
        "role"
    ] == "shop"
    assert view(app, f["owner"], cid, after=reply)["messages"] == []
    assert view(app, f["owner"], cid, after=reply)["last_message_id"] == reply


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_bad_messages_change_nothing(app, florist, body):
    f = florist
    cid = open_chat(app, f["buyer"], f["shop_id"]).conversation_id
    before = snapshot(app)
    with pytest.raises(InvalidInput):
        say(app, f["buyer"], cid, body)
    assert snapshot(app) == before
    say(app, f["buyer"], cid, "x" * 2000)  # exactly the limit is fine


def test_any_member_of_the_shop_answers_for_it(app, world, florist):
    f = florist
    staff = world.user("店员")
    with app.uow.begin() as c:
        accounts.add_shop_member(c, shop_id=f["shop_id"], user_id=staff.user_id, role="staff")
        staff = accounts.load_actor(c, staff.user_id)
    cid = open_chat(app, f["buyer"], f["shop_id"]).conversation_id
    say(app, f["buyer"], cid, "有粉色的吗？")
    say(app, staff, cid, "有的，20枝39.8")
    got = view(app, f["buyer"], cid)["messages"]
    assert [m["sender"] for m in got] == ["buyer", "shop"] and got[1]["author_name"] == staff.display_name


# --- tenancy -------------------------------------------------------------------------------------


def test_other_shops_and_other_buyers_can_neither_read_nor_write(app, world, florist):
    f = florist
    cid = open_chat(app, f["buyer"], f["shop_id"], f["order_id"]).conversation_id
    say(app, f["buyer"], cid, "花蔫了怎么办")
    other_shop, other_owner = world.shop("大乐水果")
    other_buyer = world.user()
    before = snapshot(app)
    for intruder in (other_owner, other_buyer):
        with pytest.raises(NotFound):
            view(app, intruder, cid)
        with pytest.raises(NotFound):
            say(app, intruder, cid, "我也来说两句")
        with pytest.raises(NotFound):
            rate(app, intruder, cid, 1)
    with pytest.raises(Forbidden):
        metrics(app, other_owner, f["shop_id"])
    with app.uow.read() as c:
        with pytest.raises(Forbidden):
            queries.shop_inbox(c, other_owner, f["shop_id"])
        mine = queries.my_conversations(c, other_owner)
        assert mine == {"as_buyer": [], "as_shop": []}
    assert snapshot(app) == before


def test_platform_staff_read_any_conversation_but_write_in_none(app, world, clock, florist):
    f = florist
    cid = open_chat(app, f["buyer"], f["shop_id"]).conversation_id
    say(app, f["buyer"], cid, "发票怎么开")
    clock.advance(timedelta(seconds=1))  # the window [since, until) ends at now
    operator = world.user("运营", platform_role="operator")
    assert view(app, operator, cid)["role"] == "platform"
    assert metrics(app, operator, f["shop_id"]).conversations == 1
    before = snapshot(app)
    with pytest.raises(Forbidden):
        say(app, operator, cid, "平台介入")
    with pytest.raises(Forbidden):
        rate(app, operator, cid, 5)
    assert snapshot(app) == before


# --- rating --------------------------------------------------------------------------------------


def test_the_buyer_rates_once_which_ends_the_conversation(app, clock, florist):
    f = florist
    cid = open_chat(app, f["buyer"], f["shop_id"], f["order_id"]).conversation_id
    with pytest.raises(InvalidInput):  # nothing to rate before the buyer has written
        rate(app, f["buyer"], cid, 5)
    say(app, f["buyer"], cid, "包装破了")
    say(app, f["owner"], cid, "抱歉，马上补发")
    with pytest.raises(Forbidden):
        rate(app, f["owner"], cid, 5)  # the shop does not rate itself
    for bad in (0, 6, -3, None, "5"):
        before = snapshot(app)
        with pytest.raises(InvalidInput):
            rate(app, f["buyer"], cid, bad)
        assert snapshot(app) == before
    rate(app, f["buyer"], cid, 4)
    c = row(app, cid)
    assert (c.stars, c.rated_at, c.status, c.closed_at, c.open_key) == (
        4,
        clock.now(),
        "closed",
        clock.now(),
        None,
    )

    before = snapshot(app)
    with pytest.raises(Conflict, match="final"):
        rate(app, f["buyer"], cid, 1)
    with pytest.raises(Conflict):
        say(app, f["buyer"], cid, "还有个问题")
    with pytest.raises(Conflict):
        say(app, f["owner"], cid, "补充一下")
    assert snapshot(app) == before

    again = open_chat(app, f["buyer"], f["shop_id"], f["order_id"])
    assert again.created and again.conversation_id != cid
    say(app, f["buyer"], again.conversation_id, "还有个问题")


# --- the merchant inbox --------------------------------------------------------------------------


def test_inbox_lists_unanswered_conversations_first_longest_waiting_on_top(app, world, clock, florist):
    f = florist
    buyers = [world.user(n) for n in ("甲", "乙", "丙", "丁")]
    ids = [open_chat(app, b, f["shop_id"]).conversation_id for b in buyers]
    say(app, buyers[0], ids[0], "answered")
    clock.advance(timedelta(seconds=10))
    say(app, f["owner"], ids[0], "ok")
    clock.advance(timedelta(seconds=10))
    say(app, buyers[1], ids[1], "waiting longest")
    clock.advance(timedelta(seconds=10))
    say(app, buyers[2], ids[2], "waiting")
    with app.uow.read() as c:
        inbox = queries.shop_inbox(c, f["owner"], f["shop_id"])
        mine = queries.my_conversations(c, f["owner"])
    assert [r["id"] for r in inbox] == [ids[1], ids[2], ids[0], ids[3]]
    assert [r["last_preview"] for r in inbox] == ["waiting longest", "waiting", "ok", ""]
    assert [r["id"] for r in mine["as_shop"]] == [r["id"] for r in inbox] and mine["as_buyer"] == []
    with app.uow.read() as c:
        assert [r["id"] for r in queries.my_conversations(c, buyers[1])["as_buyer"]] == [ids[1]]


# --- metrics from stored history -----------------------------------------------------------------


def _conversation(
    app,
    clock,
    buyer,
    owner,
    shop_id: int,
    start: datetime,
    reply_after: timedelta | None,
    stars: int | None = None,
) -> int:
    clock.set(start)
    cid = open_chat(app, buyer, shop_id).conversation_id
    say(app, buyer, cid, "在吗")
    if reply_after is not None:
        clock.advance(reply_after)
        say(app, owner, cid, "在的")
    if stars is not None:
        clock.advance(timedelta(seconds=1))
        rate(app, buyer, cid, stars)
    return cid


def test_metrics_follow_the_rulebook_at_the_edges(app, world, clock, florist):
    """22:59:59 counts, 23:00:00 does not; an unanswered round counts 10 minutes; 1-3 stars is
    dissatisfied; only conversations started in the last 30 days count."""
    f = florist
    owner, shop = f["owner"], f["shop_id"]
    b = [world.user(f"买家{i}") for i in range(7)]
    _conversation(app, clock, b[0], owner, shop, sh(1, 22, 59, 59), timedelta(seconds=30), stars=2)  # counted
    _conversation(app, clock, b[1], owner, shop, sh(1, 23, 0, 0), timedelta(seconds=5), stars=1)  # night
    _conversation(app, clock, b[2], owner, shop, sh(2, 8, 0, 0), timedelta(seconds=90), stars=5)  # counted
    _conversation(app, clock, b[3], owner, shop, sh(2, 7, 59, 59), None, stars=1)  # night
    _conversation(app, clock, b[4], owner, shop, sh(2, 10, 0, 0), None)  # never answered: 600 s
    _conversation(
        app, clock, b[5], owner, shop, sh(2, 11, 0, 0), timedelta(minutes=20), stars=4
    )  # late: 1200 s
    clock.set(sh(3, 9, 0, 0))
    last = open_chat(app, b[6], shop).conversation_id
    say(app, b[6], last, "still waiting")  # pending: only 30 s have passed at `now`
    clock.advance(timedelta(seconds=30))

    m = metrics(app, owner, shop)
    assert (m.conversations, m.outside_hours) == (5, 2)
    assert (m.rounds, m.answered_rounds, m.unanswered_rounds, m.pending_rounds) == (4, 3, 1, 1)
    assert m.response_ms_total == (30 + 90 + 600 + 1200) * 1000 and m.average_response_seconds == 480.0
    assert (m.rated_conversations, m.dissatisfied_conversations, m.dissatisfaction_bp) == (3, 1, 3333)
    assert m.clause_ids == ("chat.response-time", "chat.dissatisfaction") and m.sources == (
        "douyin:aJoPPkXuLRqc",
    )
    assert (m.until, m.since, m.timezone, m.shop_id) == (
        clock.now(),
        clock.now() - timedelta(days=30),
        "Asia/Shanghai",
        shop,
    )

    clock.advance(timedelta(seconds=570))  # 10 minutes after the last question: it is unanswered now
    m = metrics(app, owner, shop)
    assert (m.rounds, m.unanswered_rounds, m.pending_rounds) == (5, 2, 0)

    clock.set(sh(1, 22, 59, 59) + timedelta(days=30, seconds=1))  # the first conversation left the window
    m = metrics(app, owner, shop)
    assert (m.conversations, m.rated_conversations, m.dissatisfied_conversations) == (4, 2, 0)


def test_metrics_read_business_hours_in_the_shop_timezone(app, world, clock):
    shop_id, owner = world.shop("东京雨伞", timezone="Asia/Tokyo")
    buyer = world.user()
    start = sh(1, 22, 30)  # 23:30 in Tokyo
    _conversation(app, clock, buyer, owner, shop_id, start, timedelta(seconds=10))
    clock.advance(timedelta(hours=1))
    m = metrics(app, owner, shop_id)
    assert (m.conversations, m.outside_hours, m.rounds, m.timezone) == (0, 1, 0, "Asia/Tokyo")


def test_metrics_windows_are_checked(app, clock, florist):
    f = florist
    now = clock.now()
    for window in (
        {"until": now + timedelta(seconds=1)},
        {"since": now, "until": now},
        {"since": now - timedelta(days=400)},
    ):
        with pytest.raises(InvalidInput):
            metrics(app, f["owner"], f["shop_id"], **window)
    m = metrics(app, f["owner"], f["shop_id"], since=now - timedelta(days=1), until=now - timedelta(hours=1))
    assert (m.since, m.until) == (now - timedelta(days=1), now - timedelta(hours=1))
    with app.uow.read() as c:
        with pytest.raises(NotFound):
            chat.measure_shop(c, 999_999, book=app.rulebook, since=now - timedelta(days=1), until=now)


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_concurrent_opens_make_one_conversation(postgres_url, clock):
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, _owner = world.shop()
        buyer = world.user()
        racers = 8
        barrier = threading.Barrier(racers)
        out: list = [None] * racers

        def race(i: int) -> None:
            barrier.wait()
            out[i] = open_chat(app, buyer, shop_id)

        threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({o.conversation_id for o in out}) == 1 and sum(o.created for o in out) == 1
        with app.uow.read() as c:
            assert c.execute(select(func.count()).select_from(conversations)).scalar() == 1
            assert c.execute(select(func.count()).select_from(messages)).scalar() == 0
    finally:
        app.uow.engine.dispose()
