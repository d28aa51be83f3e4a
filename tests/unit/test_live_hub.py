"""The live fan-out hub: one encoded frame to every viewer of a room (and only that room),
frames that piled up are written as one chunk, a viewer too far behind is dropped rather than
buffered without end, publishing from a worker thread reaches the loop, and a stream ends when
the room closes."""

from __future__ import annotations

import asyncio
import json
import threading

from pledge.live.hub import HEARTBEAT, Hub, sse_frame, stream


def parse(chunk: bytes) -> list[dict]:
    events = []
    for block in chunk.decode().split("\n\n"):
        if not block.strip() or block.startswith(":"):
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append({**fields, "data": json.loads(fields["data"])})
    return events


def test_an_sse_frame_is_one_event_with_json_data():
    frame = sse_frame("comment", {"text": "向日葵好漂亮\n第二行"}, "c42")
    assert frame.endswith(b"\n\n") and frame.count(b"\n") == 4  # the line break stays inside the JSON
    assert parse(frame) == [{"id": "c42", "event": "comment", "data": {"text": "向日葵好漂亮\n第二行"}}]


def test_every_viewer_of_the_room_gets_the_event_and_no_one_else():
    async def run():
        hub = Hub()
        a, b, elsewhere = hub.subscribe(1), hub.subscribe(1), hub.subscribe(2)
        hub.publish(1, "comment", {"text": "hi"}, "c1")
        hub.publish(1, "like", {"likes": 3})
        got_a, got_b = await a.next_chunk(), await b.next_chunk()
        hub.heartbeat()
        quiet = await elsewhere.next_chunk()
        return hub, got_a, got_b, quiet

    hub, got_a, got_b, quiet = asyncio.run(run())
    assert got_a == got_b  # the same bytes, encoded once
    assert [e["event"] for e in parse(got_a)] == ["comment", "like"]  # both in one chunk
    assert quiet == HEARTBEAT  # room 2 heard nothing but the heartbeat
    assert hub.viewers(1) == 2 and hub.viewers(2) == 1


def test_a_viewer_too_far_behind_is_dropped_not_buffered():
    async def run():
        hub = Hub(buffer=3)
        slow = hub.subscribe(7)
        for i in range(5):
            hub.publish(7, "comment", {"n": i})
        return hub, await slow.next_chunk()

    hub, chunk = asyncio.run(run())
    assert chunk is None and hub.viewers(7) == 0


def test_publishing_from_a_worker_thread_reaches_the_loop():
    async def run():
        hub = Hub()
        sub = hub.subscribe(3)
        worker = threading.Thread(target=hub.publish, args=(3, "order", {"who": "小林"}))
        worker.start()
        worker.join()
        return await asyncio.wait_for(sub.next_chunk(), 2)

    assert parse(asyncio.run(run()))[0]["data"] == {"who": "小林"}


def test_a_stream_replays_first_then_ends_when_the_room_closes():
    async def run():
        hub = Hub()
        sub = hub.subscribe(5)
        first = sse_frame("state", {"status": "live"})
        body = stream(hub, sub, first=first)
        chunks = [await body.__anext__()]
        hub.publish(5, "ended", {})
        chunks.append(await body.__anext__())
        hub.close_room(5)
        rest = [c async for c in body]
        return hub, chunks, rest

    hub, chunks, rest = asyncio.run(run())
    assert [parse(c)[0]["event"] for c in chunks] == ["state", "ended"]
    assert rest == [] and hub.viewers(5) == 0
