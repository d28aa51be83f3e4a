"""Two app processes serving one room share its events through PostgreSQL LISTEN/NOTIFY: a
comment published through one hub reaches the viewers of the other (and its own), in order."""

from __future__ import annotations

import asyncio
import json

import pytest

from pledge.live.bus import PgBus
from pledge.live.hub import Hub

pytestmark = pytest.mark.postgres


def conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_an_event_published_in_one_process_reaches_viewers_of_both(postgres_url):
    async def run():
        first, second = Hub(), Hub()
        buses = [PgBus(conninfo(postgres_url), hub) for hub in (first, second)]
        for bus in buses:
            bus.start()
        await asyncio.wait_for(asyncio.gather(*(b.listening.wait() for b in buses)), 10)
        here, there, elsewhere = first.subscribe(9), second.subscribe(9), second.subscribe(10)
        for n in range(3):  # from a worker thread, as the web layer does after commit
            await asyncio.to_thread(first.publish, 9, "comment", {"text": f"第{n}条"})
        got = {}
        for name, sub in (("here", here), ("there", there)):
            chunks = b""
            while chunks.count(b"\n\n") < 3:
                chunks += await asyncio.wait_for(sub.next_chunk(), 10)
            got[name] = [
                json.loads(line[6:]) for line in chunks.decode().split("\n") if line.startswith("data: ")
            ]
        await asyncio.sleep(0.2)
        quiet = elsewhere.pending  # the other room heard nothing
        for bus in buses:
            await bus.stop()
        return got, quiet

    got, quiet = asyncio.run(run())
    assert got["here"] == got["there"] == [{"text": "第0条"}, {"text": "第1条"}, {"text": "第2条"}]
    assert quiet == 0
