"""Behaviour events and the feed (docs/reach.md, "Events and the feed"): buffered writes in
one batch, a visitor's events merged at login, retention, training into precomputed candidates
and a paged feed read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.feed.training import train
from pledge.kernel.errors import InvalidInput
from pledge.reach.recording import (
    FLUSH_AFTER,
    BehaviourEvent,
    EventBuffer,
    EventKind,
    Subject,
    merge_visitor,
    purge,
)
from pledge.reach.serving import Reason, feed
from pledge.reach.tables import reach_events
from pledge.worker import run_once
from tests.feed_support import products


def count(app, *where) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(reach_events).where(*where)).scalar_one()


def event(world, kind=EventKind.VIEW, subject_id=1, minutes=0, **who) -> BehaviourEvent:
    return BehaviourEvent(kind, Subject.PRODUCT, subject_id, world.now + timedelta(minutes=minutes), **who)


def test_events_wait_in_the_buffer_and_are_written_in_one_flush(app, world):
    buyer, buffer = world.user(), EventBuffer()
    for subject_id in (1, 2, 3):
        assert buffer.add(event(world, subject_id=subject_id, user_id=buyer.user_id)) is False
    assert count(app) == 0
    with app.uow.begin() as c:
        assert buffer.flush(c) == 3
    with app.uow.begin() as c:
        assert buffer.flush(c) == 0
    assert count(app) == 3


def test_a_visitors_events_become_the_users_at_login(app, world):
    buyer, buffer = world.user(), EventBuffer()
    buffer.add(event(world, visitor_id="v-123"))
    buffer.add(event(world, visitor_id="v-other"))
    with app.uow.begin() as c:
        buffer.flush(c)
        assert merge_visitor(c, "v-123", buyer.user_id) == 1
    assert count(app, reach_events.c.user_id == buyer.user_id) == 1
    assert count(app, reach_events.c.user_id.is_(None)) == 1


def test_events_past_the_retention_are_purged(app, world):
    buyer, buffer = world.user(), EventBuffer()
    buffer.add(event(world, minutes=-(181 * 24 * 60), user_id=buyer.user_id))
    buffer.add(event(world, minutes=-(179 * 24 * 60), user_id=buyer.user_id))
    with app.uow.begin() as c:
        buffer.flush(c)
        assert purge(c, world.now, retention_days=180) == 1
    assert count(app) == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({}, "signed-in user or a visitor id"),
        ({"visitor_id": "x" * 41}, "visitor id is 1 to 40"),
        ({"user_id": 1, "subject_id": 0}, "positive whole number"),
        ({"user_id": 1, "kind": EventKind.CLICK, "watch_ms": 5}, "watch time goes with a view"),
    ],
)
def test_bad_events_are_refused_before_the_buffer(world, change, says):
    change = dict(change)  # the parameters are shared by the SQLite and PostgreSQL runs
    kind = change.pop("kind", EventKind.VIEW)
    with pytest.raises(InvalidInput, match=says):
        event(world, kind, **change)


def test_training_precomputes_the_feed_and_pages_read_it(app, world):
    buyer, other, buffer = world.user(), world.user(), EventBuffer()
    p = [0, *products(world, 4)]  # p[1]..p[4], real products of one shop
    for minute, (kind, product) in enumerate(
        [
            (EventKind.VIEW, 1),
            (EventKind.VIEW, 2),
            (EventKind.CART, 1),
            (EventKind.VIEW, 3),
            (EventKind.VIEW, 1),
        ]
    ):
        buffer.add(event(world, kind, p[product], minute, user_id=buyer.user_id))
    buffer.add(event(world, EventKind.IMPRESSION, p[4], 9, user_id=buyer.user_id))  # exposure, not interest
    for minute, product in enumerate([1, 4, 2]):
        buffer.add(event(world, EventKind.VIEW, p[product], minute, user_id=other.user_id))
    with app.uow.begin() as c:
        buffer.flush(c)
        assert train(c, app.rulebook, world.now) == 2
    with app.uow.read() as c:
        first = feed(c, buyer.user_id, page=1, size=2)
        second = feed(c, buyer.user_id, page=2, size=2)
        newcomer = feed(c, world.user().user_id)
    carted = first[0]  # carted and viewed most: first, because the buyer met it
    assert (carted.rank, carted.subject_id, carted.reason, carted.reason_id) == (1, p[1], Reason.VIEWED, p[1])
    shown = [item.subject_id for item in first + second]
    assert set(shown) >= {p[1], p[2], p[3]}
    assert [item.reason for item in newcomer][:1] == [Reason.POPULAR]  # cold start: the popular list
    assert newcomer[0].subject_id == p[1]  # met 4 times in all


def test_training_leaves_out_items_that_do_not_exist(app, world):
    buyer, buffer = world.user(), EventBuffer()
    real = products(world, 1)[0]
    for minute, product in enumerate([real, 987654, real]):
        buffer.add(event(world, EventKind.VIEW, product, minute, user_id=buyer.user_id))
    with app.uow.begin() as c:
        buffer.flush(c)
        train(c, app.rulebook, world.now)
    with app.uow.read() as c:
        assert [item.subject_id for item in feed(c, buyer.user_id)] == [real]
        assert [item.subject_id for item in feed(c, None)] == [real]


@pytest.mark.parametrize(("page", "size"), [(1, 0), (1, 51), (0, 20), (10**9, 20)])
def test_huge_or_empty_pages_are_refused(app, world, page, size):
    with app.uow.read() as c, pytest.raises(InvalidInput, match="a page holds 1 to 50"):
        feed(c, 1, page=page, size=size)
    with app.uow.read() as c, pytest.raises(InvalidInput, match="a page holds 1 to 50"):
        feed(c, None, page=page, size=size)


def test_the_sweep_pass_flushes_the_apps_buffer(app, world):
    app.events.add(event(world, user_id=world.user().user_id))
    assert count(app) == 0
    assert run_once(app)["reach_events_written"] == 1
    assert count(app) == 1 and run_once(app)["reach_events_written"] == 0


def test_a_flush_is_due_once_the_oldest_pending_event_waited_ten_seconds(world):
    """A quiet site's events do not sit in the buffer until the 500th arrives."""
    buffer, who = EventBuffer(), {"visitor_id": "v-quiet"}
    at = world.now
    assert buffer.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, 1, at, **who)) is False
    later = at + FLUSH_AFTER - timedelta(seconds=1)
    assert buffer.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, 2, later, **who)) is False
    assert buffer.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, 3, at + FLUSH_AFTER, **who)) is True
