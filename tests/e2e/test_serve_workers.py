"""`pledge serve --workers 2` as a real command against PostgreSQL: both processes answer
requests; a live comment posted through one process reaches a viewer connected to the other
(the room's SSE stream, through PostgreSQL LISTEN/NOTIFY); exactly one process holds the
sweeper lease at any time; behaviour events buffered in each process are written when the
command stops; it stops cleanly on Ctrl-C; and in demo mode the clock moved through one process
is the clock of the other on its next request. On SQLite the command refuses several processes
with a readable message."""

from __future__ import annotations

import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from pledge.cli.main import app as cli
from pledge.kernel.clock import FixedClock
from pledge.kernel.lease import SWEEP_LOCK
from pledge.reach.tables import reach_events
from tests.conftest import make_app
from tests.e2e.conftest import email_of
from tests.e2e.test_live_api import HLS
from tests.e2e.test_live_stream import Events, token
from tests.serve_support import Served, alive, client_port, serving_process
from tests.support import World

VIEWS = 40


def connected_to(served: Served, workers: set[int], want: int) -> httpx.Client:
    """A client whose kept-alive connection is served by process `want`."""
    for _ in range(200):
        http = httpx.Client(base_url=served.url, timeout=10)
        response = http.get("/api/v1/health")
        if serving_process(served.port, client_port(response), workers) == want:
            return http
        http.close()
    raise AssertionError(f"no connection reached process {want}")


def now_in(served: Served, workers: set[int], pid: int) -> datetime:
    """The clock of process `pid`, as its health check reports it."""
    for _ in range(200):
        with httpx.Client(base_url=served.url, timeout=10) as http:
            response = http.get("/api/v1/health")
            if serving_process(served.port, client_port(response), workers) == pid:
                return datetime.fromisoformat(response.json()["now"])
    raise AssertionError(f"no connection reached process {pid}")


def lease_holders(app) -> int:
    with app.uow.read() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
            ),
            {"high": SWEEP_LOCK >> 32, "low": SWEEP_LOCK & 0xFFFF_FFFF},
        ).scalar_one()


@pytest.mark.postgres
def test_two_processes_share_live_comments_one_sweeper_and_flush_their_events(postgres_url, tmp_path):
    app = make_app(postgres_url, FixedClock(datetime.now(UTC)))
    world = World(app)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    viewer = world.user("看客")
    served = Served(postgres_url, tmp_path, workers=2, sweep_interval_seconds="3600")
    try:
        served.wait_ready()
        workers = served.workers()
        assert len(workers) == 2
        seen = set()
        for _ in range(30):  # many short connections: the kernel hands them to both processes
            with httpx.Client(base_url=served.url, timeout=10) as http:
                seen.add(serving_process(served.port, client_port(http.get("/api/v1/health")), workers))
        assert seen == workers
        first, second = sorted(workers)

        with closing(connected_to(served, workers, first)) as http_a:
            host, me = (
                token(http_a, email_of(app, owner.user_id)),
                token(http_a, email_of(app, viewer.user_id)),
            )
            room = http_a.post(
                f"/api/v1/shops/{shop_id}/live/rooms", json={"title": "花房", "promise": "48h"}, headers=host
            ).json()["id"]
            assert http_a.post(
                f"/api/v1/live/rooms/{room}/start", json={"playback_url": HLS}, headers=host
            ).is_success
            with closing(connected_to(served, workers, second)) as http_b:
                with http_b.stream("GET", f"/api/v1/live/rooms/{room}/events") as stream:
                    assert serving_process(served.port, client_port(stream), workers) == second
                    events = Events(stream)
                    events.wait_for("state")
                    posted = http_a.post(
                        f"/api/v1/live/rooms/{room}/comments", json={"text": "跨进程"}, headers=me
                    )
                    assert posted.status_code == 201
                    (comment,) = events.wait_for("comment")
                    assert comment["data"]["text"] == "跨进程" and comment["id"] == str(posted.json()["id"])

            for _ in range(VIEWS):  # buffered in whichever process answers, written at shutdown
                with httpx.Client(base_url=served.url, timeout=10) as http:
                    accepted = http.post(
                        "/api/v1/reach/events",
                        json={"kind": "view", "subject": "product", "subject_id": sku},
                        headers=me,
                    )
                    assert accepted.status_code == 202, accepted.text
            time.sleep(1)
            assert lease_holders(app) == 1
    finally:
        code = served.stop()
    assert code == 0, served.log.read_text()
    assert not any(alive(pid) for pid in workers)
    assert lease_holders(app) == 0
    with app.uow.read() as conn:
        written = conn.execute(
            select(func.count()).where(reach_events.c.subject == "product", reach_events.c.kind == "view")
        ).scalar_one()
    assert written == VIEWS
    app.uow.engine.dispose()


def test_sqlite_refuses_several_processes_with_a_readable_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'pledge.sqlite3'}")
    monkeypatch.setenv("PLEDGE_DEMO_MODE", "true")
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code != 0
    assert "--workers 2 needs PostgreSQL" in result.output and "--workers 1" in result.output


@pytest.mark.postgres
def test_the_demo_clock_moved_through_one_process_is_the_clock_of_the_other(postgres_url, tmp_path):
    app = make_app(postgres_url, FixedClock(datetime.now(UTC)))
    user = World(app).user()
    served = Served(postgres_url, tmp_path, workers=2, demo_mode="true")
    try:
        served.wait_ready()
        workers = served.workers()
        assert len(workers) == 2
        first, second = sorted(workers)
        before = now_in(served, workers, second)
        with closing(connected_to(served, workers, first)) as http:
            moved = http.post(
                "/api/v1/demo/clock/advance",
                json={"by": "2d"},
                headers=token(http, email_of(app, user.user_id)),
            )
            assert moved.status_code == 200, moved.text
        assert now_in(served, workers, second) - before >= timedelta(days=2)
    finally:
        code = served.stop()
    assert code == 0, served.log.read_text()
    app.uow.engine.dispose()


def _viewers_reach(events: Events, want: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e["event"] == "viewers" and e["data"]["viewers"] == want for e in events.items):
            return
        time.sleep(0.05)
    seen = [e["data"]["viewers"] for e in events.items if e["event"] == "viewers"]
    raise AssertionError(f"viewers never reached {want}: {seen}")


@pytest.mark.postgres
def test_viewers_now_and_the_sessions_samples_count_the_viewers_of_every_process(postgres_url, tmp_path):
    """One viewer on each of the two processes: both see 2 watching, the room's JSON says 2, and
    the session's samples are written once per interval (by one process) with the total."""
    app = make_app(postgres_url, FixedClock(datetime.now(UTC)))
    world = World(app)
    shop_id, owner = world.shop()
    served = Served(
        postgres_url,
        tmp_path,
        workers=2,
        sweep_interval_seconds="3600",
        live_viewers_push_seconds="1",
        live_viewer_sample_seconds="2",
    )
    try:
        served.wait_ready()
        workers = served.workers()
        first, second = sorted(workers)
        with closing(connected_to(served, workers, first)) as http_a:
            host = token(http_a, email_of(app, owner.user_id))
            room = http_a.post(
                f"/api/v1/shops/{shop_id}/live/rooms", json={"title": "花房", "promise": "48h"}, headers=host
            ).json()["id"]
            assert http_a.post(
                f"/api/v1/live/rooms/{room}/start", json={"playback_url": HLS}, headers=host
            ).is_success
            with (
                closing(connected_to(served, workers, second)) as http_b,
                closing(connected_to(served, workers, first)) as http_c,
                http_b.stream("GET", f"/api/v1/live/rooms/{room}/events") as on_second,
                http_c.stream("GET", f"/api/v1/live/rooms/{room}/events") as on_first,
            ):
                assert serving_process(served.port, client_port(on_second), workers) == second
                assert serving_process(served.port, client_port(on_first), workers) == first
                seen_second, seen_first = Events(on_second), Events(on_first)
                _viewers_reach(seen_second, 2)
                _viewers_reach(seen_first, 2)
                assert http_a.get(f"/api/v1/live/rooms/{room}").json()["viewers"] == 2
                time.sleep(5)  # two sample intervals at least
        with app.uow.read() as conn:
            samples = conn.execute(
                text(
                    "SELECT s.at, s.viewers FROM live_viewer_samples s JOIN live_sessions l "
                    "ON l.id = s.session_id WHERE l.room_id = :room ORDER BY s.at"
                ),
                {"room": room},
            ).all()
            peak = conn.execute(
                text("SELECT peak_viewers FROM live_sessions WHERE room_id = :room"), {"room": room}
            ).scalar_one()
        assert peak == 2
        assert samples and max(v for _, v in samples) == 2
        gaps = [(b - a).total_seconds() for (a, _), (b, _) in zip(samples, samples[1:], strict=False)]
        assert all(gap >= 1 for gap in gaps), f"two processes wrote a sample each: {samples}"
    finally:
        code = served.stop()
    assert code == 0, served.log.read_text()
    with app.uow.read() as conn:
        left = conn.execute(text("SELECT count(*) FROM live_viewer_presence")).scalar_one()
    assert left == 0  # each process withdrew its counts when it stopped
    app.uow.engine.dispose()
