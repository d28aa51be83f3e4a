"""The rules of idempotency keys (pledge.integrations.idempotency) on both databases: a key is
taken once; while its first request runs a retry is told to wait; a request that died is retried
after ABANDONED_AFTER; a released key runs again; on PostgreSQL concurrent claims of one key let
exactly one request run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledge.integrations import idempotency as keys
from tests.conftest import make_app
from tests.support import run_concurrently

CALLER, KEY = "c" * 64, "order-7"
FP = keys.digest(b"POST", b"/api/v1/checkout", b"", b"{}")


def _claim(app, fingerprint=FP):
    with app.uow.begin() as c:
        return keys.claim(c, CALLER, KEY, fingerprint, at=app.clock.now())


def test_a_key_runs_once_and_then_replays_its_answer(app):
    assert _claim(app) is None
    with pytest.raises(keys.KeyInUse):
        _claim(app)
    with app.uow.begin() as c:
        keys.keep(c, CALLER, KEY, keys.Answer(201, "application/json", b'{"id": 1}'))
    assert _claim(app) == keys.Answer(201, "application/json", b'{"id": 1}')
    with pytest.raises(keys.KeyReused):
        _claim(app, keys.digest(b"POST", b"/api/v1/checkout", b"", b'{"a": 1}'))


def test_a_request_that_died_is_run_again_after_the_lock_is_abandoned(app, clock):
    assert _claim(app) is None
    clock.advance(keys.ABANDONED_AFTER - timedelta(seconds=1))
    with pytest.raises(keys.KeyInUse):
        _claim(app)
    clock.advance(timedelta(seconds=1))
    assert _claim(app) is None


def test_a_released_key_runs_again_and_a_kept_one_is_not_released(app):
    assert _claim(app) is None
    with app.uow.begin() as c:
        keys.release(c, CALLER, KEY)
    assert _claim(app) is None
    with app.uow.begin() as c:
        keys.keep(c, CALLER, KEY, keys.Answer(200, "", b""))
        keys.release(c, CALLER, KEY)  # a kept answer stays
    assert _claim(app) == keys.Answer(200, "", b"")


@pytest.mark.parametrize("key", ["", "k" * 256, "键", "a b"])
def test_a_key_is_1_to_255_visible_ascii_characters(key):
    with pytest.raises(keys.InvalidInput):
        keys.check_key(key)


@pytest.mark.postgres
def test_concurrent_claims_of_one_key_let_exactly_one_request_run(postgres_url, clock):
    apps = [make_app(postgres_url, clock) for _ in range(4)]
    try:
        results = run_concurrently([lambda a=a: _claim(a) for a in apps])
    finally:
        for a in apps:
            a.uow.engine.dispose()
    ran = [r for r in results if r is None]
    waited = [r for r in results if isinstance(r, keys.KeyInUse)]
    assert len(ran) == 1 and len(waited) == 3, results


def test_rate_windows_count_per_minute_and_are_purged_after_an_hour(app, clock):
    from pledge.integrations import ratelimits

    with app.uow.begin() as c:
        counts = [ratelimits.count(c, "app:1", app.clock.now()) for _ in range(3)]
    assert counts == [1, 2, 3]
    clock.advance(ratelimits.WINDOW)
    with app.uow.begin() as c:
        assert ratelimits.count(c, "app:1", app.clock.now()) == 1  # a new window
    clock.advance(ratelimits.KEPT)
    with app.uow.begin() as c:
        assert ratelimits.purge(c, at=app.clock.now()) == 1  # the first window; the second is an hour old
