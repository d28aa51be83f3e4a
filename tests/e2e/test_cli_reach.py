"""`pledge reach train` as an operator runs it on a schedule: a subprocess on the configured
database, JSON out, a bad retention refused with a readable message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from pledge.reach.recording import BehaviourEvent, EventBuffer, EventKind, Subject
from pledge.reach.serving import feed
from tests.conftest import migrated_sqlite
from tests.e2e.test_cli import assert_readable_failure, run
from tests.feed_support import products
from tests.support import World


@pytest.fixture
def var_dir(tmp_path, sqlite_template) -> Path:
    migrated_sqlite(sqlite_template, tmp_path)
    return tmp_path


def test_reach_train_purges_old_events_and_precomputes_the_feed(var_dir):
    now = datetime.now(UTC)
    app = build(Settings(var_dir=var_dir), clock=FixedClock(now))
    world = World(app)
    buyer, buffer, p = world.user(), EventBuffer(), products(world, 3)
    for days, product in [(200, p[2]), (2, p[0]), (1, p[1]), (0, p[0])]:
        buffer.add(
            BehaviourEvent(
                EventKind.VIEW, Subject.PRODUCT, product, now - timedelta(days=days), buyer.user_id
            )
        )
    with app.uow.begin() as c:
        buffer.flush(c)

    result = run("reach", "train", var_dir=var_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"users": 1, "purged_events": 1}
    with app.uow.read() as c:
        assert [item.subject_id for item in feed(c, buyer.user_id)] == [p[0], p[1]]
    app.uow.engine.dispose()


def test_reach_train_refuses_a_retention_under_a_day(var_dir):
    assert_readable_failure(
        run("reach", "train", "--retention-days", "0", var_dir=var_dir), "at least one day"
    )
