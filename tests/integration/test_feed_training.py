"""Training as a scheduled worker job (docs/reach.md, "Training"): the sweep pass retrains when
the last training is older than PLEDGE_REACH_TRAIN_EVERY_MINUTES and purges events past
PLEDGE_REACH_RETENTION_DAYS first; otherwise it leaves the feed alone."""

from __future__ import annotations

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
