"""feed: what a feed request costs when it reads precomputed candidates (pledge.reach.serving.feed,
one indexed query) with 100 000 users x 100 candidates of 50 000 items on SQLite, against the bare
sqlite3 primary-key read of the same rows in the same run (the floor); and the factor model's
training time per epoch (implicit ALS, pledge.reach.factors) on synthetic events of those users
and items (Zipf-distributed popularity, 10 events per user on average).

    python -m bench --only feed [--feed-users 100000] [--feed-items 50000] [--feed-requests 20000]
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import create_engine

from bench import envelope, percentile, say, scratch_dir, write_result
from pledge.reach import factors
from pledge.reach.events import Behaviour, Event
from pledge.reach.matrix import interactions
from pledge.reach.serving import CANDIDATES_PER_USER, feed
from pledge.reach.tables import reach_candidates, reach_popular

NAME = "feed"
PAGE = 20
TRAINED_AT = datetime(2026, 9, 1, tzinfo=UTC)


def _candidates(path: str, users: int, items: int) -> float:
    """users x CANDIDATES_PER_USER rows written with executemany; returns the seconds it took."""
    engine = create_engine(f"sqlite:///{path}")
    reach_candidates.metadata.create_all(engine, tables=[reach_candidates, reach_popular])
    engine.dispose()
    rng = np.random.default_rng(16)
    started = time.perf_counter()
    with sqlite3.connect(path) as db:
        for first in range(1, users + 1, 5000):
            block = range(first, min(first + 5000, users + 1))
            picks = rng.integers(1, items + 1, size=(len(block), CANDIDATES_PER_USER))
            db.executemany(
                "INSERT INTO reach_candidates (user_id, rank, subject, subject_id, score, trained_at, reason)"
                " VALUES (?, ?, 'product', ?, ?, '2026-09-01 00:00:00.000000', 'viewed')",
                (
                    (user, rank + 1, int(picks[row, rank]), 1.0 - rank / 100)
                    for row, user in enumerate(block)
                    for rank in range(CANDIDATES_PER_USER)
                ),
            )
    return time.perf_counter() - started


def _timed(read, requests: list[tuple[int, int]]) -> dict:
    latencies = []
    started = time.perf_counter()
    for user, page in requests:
        t = time.perf_counter()
        read(user, page)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    return {
        "requests": len(requests),
        "per_second": round(len(requests) / elapsed),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
    }


def _serving(path: str, users: int, n: int) -> tuple[dict, dict]:
    rng = random.Random(16)
    requests = [(rng.randint(1, users), rng.randint(1, 5)) for _ in range(n)]
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        ours = _timed(lambda user, page: feed(conn, user, page, PAGE), requests)
    engine.dispose()
    with sqlite3.connect(path) as db:
        query = (
            "SELECT rank, subject, subject_id FROM reach_candidates"
            " WHERE user_id = ? ORDER BY rank LIMIT ? OFFSET ?"
        )
        bare = _timed(
            lambda user, page: db.execute(query, (user, PAGE, (page - 1) * PAGE)).fetchall(), requests
        )
    return ours, bare


def _events(users: int, items: int) -> list[list[Event]]:
    rng = np.random.default_rng(16)
    counts = rng.poisson(10, size=users) + 1
    popularity = rng.zipf(1.3, size=int(counts.sum())) % items + 1
    histories, at = [], 0
    for user in range(users):
        picked = popularity[at : at + counts[user]]
        at += counts[user]
        histories.append(
            [
                Event(user + 1, int(item), int(item) % 200, Behaviour.VIEW, 1_700_000_000 + n, n)
                for n, item in enumerate(picked)
            ]
        )
    return histories


def _training(users: int, items: int) -> dict:
    data = interactions(_events(users, items))
    settings = factors.AlsSettings(iterations=3)
    started = time.perf_counter()
    fitted = factors.fit(data, settings)
    return {
        "events": len(data.at),
        "source": fitted.source,
        "factors": settings.factors,
        "seconds_per_epoch": round(fitted.seconds_per_epoch, 3),
        "fit_seconds_with_setup": round(time.perf_counter() - started, 3),
    }


def run(users: int = 100_000, items: int = 50_000, requests: int = 20_000) -> dict:
    say(f"feed: {users:,} users x {CANDIDATES_PER_USER} candidates of {items:,} items on SQLite")
    with scratch_dir(NAME) as scratch:
        path = str(scratch / "feed.sqlite3")
        loaded = _candidates(path, users, items)
        say(f"  candidates written in {loaded:.1f} s")
        ours, bare = _serving(path, users, requests)
    say(f"  [serving.feed] {ours['per_second']:,} requests/s, p99 {ours['p99_ms']} ms")
    say(f"  [bare sqlite3] {bare['per_second']:,} requests/s, p99 {bare['p99_ms']} ms")
    training = _training(users, items)
    say(f"  ALS ({training['events']:,} events): {training['seconds_per_epoch']} s per epoch")
    result = envelope(
        NAME, None, users=users, items=items, page_size=PAGE, candidates_written_s=round(loaded, 1),
        serving_feed=ours, bare_sqlite3=bare, training=training,
    )  # fmt: skip
    write_result(NAME, result)
    return result
