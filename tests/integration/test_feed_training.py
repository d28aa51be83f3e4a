"""Training as a scheduled worker job (docs/reach.md, "Training"): the sweep pass retrains when
the last training is older than PLEDGE_REACH_TRAIN_EVERY_MINUTES and purges events past
PLEDGE_REACH_RETENTION_DAYS first; otherwise it leaves the feed alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from pledge.kernel.clock import FixedClock
from pledge.reach.recording import BehaviourEvent, EventKind, Subject
from pledge.reach.serving import feed
from pledge.reach.tables import reach_events
from pledge.worker import run_once
from tests.feed_support import products


def test_the_worker_trains_on_its_schedule_and_respects_the_retention(app, world):
    app.settings = replace_settings(app, reach_retention_days=30, reach_train_every_minutes=60)
    (product,) = products(world, 1)
    buyer = world.user()
    app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, world.now, buyer.user_id))
    old = world.now - timedelta(days=31)
    app.events.add(BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, product, old, buyer.user_id))
    assert run_once(app)["reach_trained_users"] == 1  # never trained: due now
    with app.uow.read() as c:
        assert [item.subject_id for item in feed(c, buyer.user_id)] == [product]
        assert c.execute(select(func.count()).select_from(reach_events)).scalar_one() == 1  # 31 days: purged
    assert run_once(app)["reach_trained_users"] == -1  # trained a moment ago
    app.clock = FixedClock(world.now + timedelta(minutes=61))
    assert run_once(app)["reach_trained_users"] == 1


def replace_settings(app, **changes):
    return app.settings.model_copy(update=changes)


def test_a_visitor_merged_by_two_concurrent_logins_goes_to_exactly_one_account(app, world):
    """The same cookie arriving with two logins at once (two tabs, a replay): each event is
    re-keyed once, all to one of the two users, never split or counted twice."""
    from pledge.reach.recording import EventBuffer, merge_visitor
    from tests.support import run_concurrently

    first, second, buffer = world.user(), world.user(), EventBuffer()
    for subject_id in range(1, 21):
        buffer.add(
            BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, subject_id, world.now, visitor_id="v-tabs")
        )
    with app.uow.begin() as c:
        buffer.flush(c)

    def merge(user_id: int):
        def call() -> int:
            with app.uow.begin() as c:
                return merge_visitor(c, "v-tabs", user_id)

        return call

    moved = run_concurrently([merge(first.user_id), merge(second.user_id)])
    assert sorted(moved) == [0, 20], moved
    with app.uow.read() as c:
        owners = c.execute(select(reach_events.c.user_id).distinct()).scalars().all()
    assert len(owners) == 1 and owners[0] in (first.user_id, second.user_id)


def test_a_traffic_support_change_is_a_new_version_with_its_snapshot(app, world):
    import json

    import pytest

    from pledge.feed import support
    from pledge.kernel.errors import Forbidden, InvalidInput
    from pledge.reach.tables import reach_support_versions

    operator, buyer = world.user("运营", platform_role="operator"), world.user()
    spec = support.SupportSpec(
        "good", "优质服务扶持", "Good service", "pledge:default", 9000, 0, 500, 1000, world.now
    )
    with app.uow.begin() as c:
        program = support.create(c, operator, spec, app.rulebook, at=world.now)
        assert (
            support.update(c, operator, program, app.rulebook, at=world.now, note="更高", boost_bp=1500) == 2
        )
    with app.uow.read() as c:
        rows = c.execute(select(reach_support_versions).order_by(reach_support_versions.c.version)).all()
    assert [json.loads(r.snapshot)["boost_bp"] for r in rows] == [1000, 1500]
    for change, error in (
        ({"boost_bp": 2001}, InvalidInput),  # above reach.support-bounds
        ({"code": "other"}, InvalidInput),  # the code never changes
    ):
        with app.uow.begin() as c, pytest.raises(error):
            support.update(c, operator, program, app.rulebook, at=world.now, note="", **change)
    with app.uow.begin() as c, pytest.raises(Forbidden):
        support.create(c, buyer, replace(spec, code="mine"), app.rulebook, at=world.now)
