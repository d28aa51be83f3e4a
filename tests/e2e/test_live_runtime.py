"""The live-room background work of a web process (SQLite and PostgreSQL): the viewer sampler
records viewers now for every live session watched in this process (and keeps the peak), skips
rooms that are not live, and the viewers push reaches each watched room's subscribers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from pledge.live import events
from pledge.live import services as live
from pledge.live.hub import Hub
from pledge.live.runtime import push_viewers, sample_viewers
from pledge.live.tables import live_sessions, live_viewer_samples
from pledge.promises.model import Promise
from tests.e2e.test_live_api import HLS


def bound_hub() -> Hub:
    """A hub as the web process has it, bound to an event loop (here one that never runs)."""
    hub = Hub()
    hub.bind(asyncio.new_event_loop())
    return hub


def rooms(app, world) -> tuple[int, int, int]:
    shop_id, owner = world.shop()
    with app.uow.begin() as c:
        on_air, idle = (
            live.create_room(
                c, owner, shop_id=shop_id, title=t, promise=Promise.parse("48h"), at=app.clock.now()
            )
            for t in ("直播间", "空闲")
        )
        session_id = live.go_live(c, owner, room_id=on_air, playback_url=HLS, at=app.clock.now())
    return on_air, idle, session_id


def test_the_sampler_records_viewers_of_live_sessions_only(app, world, clock):
    on_air, idle, session_id = rooms(app, world)
    hub = bound_hub()
    subs = [hub.subscribe(on_air) for _ in range(3)] + [hub.subscribe(idle)]
    assert sample_viewers(hub, app.uow, clock) == 1
    hub.unsubscribe(subs[0])
    clock.advance(timedelta(seconds=30))
    assert sample_viewers(hub, app.uow, clock) == 1
    with app.uow.read() as c:
        samples = c.execute(
            select(live_viewer_samples.c.session_id, live_viewer_samples.c.viewers).order_by(
                live_viewer_samples.c.id
            )
        ).all()
        peak = c.execute(
            select(live_sessions.c.peak_viewers).where(live_sessions.c.id == session_id)
        ).scalar_one()
    assert [tuple(s) for s in samples] == [(session_id, 3), (session_id, 2)]
    assert peak == 3
    assert sample_viewers(Hub(), app.uow, clock) == 0  # nobody watching: nothing written


def test_the_viewers_push_reaches_each_watched_room():
    hub = bound_hub()
    here, there = hub.subscribe(1), hub.subscribe(2)
    also_here = hub.subscribe(1)
    push_viewers(hub)
    assert here.pending == also_here.pending == there.pending == 1
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(here.next_chunk()) == b'event: viewers\ndata: {"viewers":2}\n\n'
        assert loop.run_until_complete(there.next_chunk()) == b'event: viewers\ndata: {"viewers":1}\n\n'
    finally:
        loop.close()


def test_an_order_notice_names_the_buyer_masked():
    hub = bound_hub()
    sub = hub.subscribe(7)
    events.publish_order(hub, 7, "王奶奶", "A级向日葵 12枝")
    loop = asyncio.new_event_loop()
    try:
        chunk = loop.run_until_complete(sub.next_chunk())
    finally:
        loop.close()
    assert chunk == 'event: order\ndata: {"buyer":"王*","product":"A级向日葵 12枝"}\n\n'.encode()
    assert "奶奶" not in chunk.decode()
