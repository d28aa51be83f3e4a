"""Viewers now summed over server processes (live.presence, issue 19), on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pledge.live import presence
from pledge.live import services as live
from pledge.live.hub import Hub
from pledge.live.runtime import SharedViewers
from pledge.live.tables import live_sessions, live_viewer_presence, live_viewer_samples
from pledge.promises.model import Promise
from tests.integration.test_live import HLS

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FRESH = timedelta(seconds=15)


def _room(world, app, *, on_air: bool = False) -> int:
    shop_id, owner = world.shop()
    with app.uow.begin() as c:
        room_id = live.create_room(
            c,
            owner,
            shop_id=shop_id,
            title="昆明斗南花市直播",
            promise=Promise.parse("24h"),
            at=app.clock.now(),
        )
        if on_air:
            live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=app.clock.now())
    return room_id


def test_each_rooms_total_is_the_sum_over_the_processes_seen_recently(app, world):
    room, other = _room(world, app), _room(world, app)
    with app.uow.begin() as conn:
        presence.share(conn, key="a", watched={room: 3}, at=T0, fresh_after=T0 - FRESH)
        presence.share(conn, key="c", watched={room: 1, other: 4}, at=T0, fresh_after=T0 - FRESH)
        totals = presence.share(
            conn, key="b", watched={room: 2}, at=T0 + timedelta(seconds=1), fresh_after=T0 - FRESH
        )
    assert {r: (t.viewers, t.leader) for r, t in totals.items()} == {room: (6, "a"), other: (4, "c")}


def test_a_process_not_heard_from_stops_counting_and_one_that_stops_leaves(app, world):
    room = _room(world, app)
    with app.uow.begin() as conn:
        presence.share(conn, key="a", watched={room: 3}, at=T0, fresh_after=T0 - FRESH)
        later = T0 + timedelta(seconds=30)
        totals = presence.share(conn, key="b", watched={room: 2}, at=later, fresh_after=later - FRESH)
        assert totals[room].viewers == 2 and totals[room].leader == "b"
        presence.share(conn, key="b", watched={}, at=later, fresh_after=later - FRESH)  # its viewers left
        presence.leave(conn, key="a")
        left = conn.execute(select(func.count()).select_from(live_viewer_presence)).scalar_one()
    assert left == 0


def test_only_the_leader_writes_the_sessions_sample_with_the_total(app, world):
    room = _room(world, app, on_air=True)
    processes = [SharedViewers(Hub(), app.uow, app.clock, push_seconds=5) for _ in range(2)]
    processes.sort(key=lambda p: p.key)  # the first is the leader: the smallest key
    hubs = [p.hub for p in processes]
    loop = asyncio.new_event_loop()  # the hubs' subscribers belong to a loop; none runs here
    for hub in hubs:
        hub.bind(loop)
    hubs[0].subscribe(room)
    hubs[1].subscribe(room)
    hubs[1].subscribe(room)
    for process in processes:
        process.share()
    processes[0].share()  # the leader reads the others' counts too
    assert [hub.viewers(room) for hub in hubs] == [3, 3]
    assert [process.sample() for process in processes] == [1, 0]
    with app.uow.read() as conn:
        samples = conn.execute(select(live_viewer_samples.c.viewers)).scalars().all()
        peak = conn.execute(
            select(live_sessions.c.peak_viewers).where(live_sessions.c.room_id == room)
        ).scalar()
    assert samples == [3] and peak == 3
    loop.close()
