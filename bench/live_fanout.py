"""live_fanout: 2 000 viewers of one live room on Server-Sent Events over loopback, 20 comments a
second for 30 s, through three servers in the same run, each in its own uvicorn process:

- `app`: Pledge's web app on a seeded SQLite database: viewers read the room's public event
  stream (GET /api/v1/live/rooms/1/events) and 120 signed-in buyers POST the comments to
  /api/v1/live/rooms/1/comments in turn (each within the per-viewer pace: one every 6 s), so every
  comment is paced, moderated, stored and published as in production;
- `hub`: pledge.live.hub alone behind a bare route, to separate the hub's cost from the app's;
- `minimal`: the baseline broadcaster (plain Starlette, one asyncio.Queue per subscriber).

The viewers run in one client process of raw asyncio sockets (no HTTP library in the way), which
stamps every comment it receives: the publisher writes its send time into the comment's text.

Figures per server: delivery lag p50/p99/max (comment sent → seen by a viewer; for `app` this
includes the POST's own work), deliveries/s, missed deliveries, server CPU seconds per 1 000
deliveries; and the ratios to the baseline. Goal (issue 13): the app's p99 <= 1 s and its
deliveries/s >= 0.5 x the minimal broadcaster's.

    python -m bench --only live_fanout [--viewers 2000] [--comments-per-s 20] [--fanout-seconds 30]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import ROOT, envelope, say, scratch_dir, seed_buyers, write_result

NAME = "live_fanout"
STAMP = re.compile(rb"t=([0-9]+\.[0-9]+)")
COMMENTERS = 120  # buyers who take turns to comment: 20/s × 6 s between a buyer's comments
PUBLISHERS = (
    20  # connections the comments are sent on, each at rate/20: a slow POST does not hold back the others
)


@dataclass(frozen=True)
class Target:
    kind: str
    port: int
    events_path: str
    publish_path: str
    tokens: tuple[str, ...] = ()  # bearer tokens, used in turn (the app's comment route)
    database_url: str = ""

    def comment(self, n: int) -> bytes:
        body = json.dumps({"text": f"第{n}条评论：向日葵好漂亮 t={time.time():.6f}"}).encode()
        auth = f"Authorization: Bearer {self.tokens[n % len(self.tokens)]}\r\n" if self.tokens else ""
        return (
            f"POST {self.publish_path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"{auth}Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _viewer(
    target: Target, lags: list[float], ready: asyncio.Event, counter: list[int], n: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
    writer.write(
        f"GET {target.events_path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    counter[0] += 1
    if counter[0] == n:
        ready.set()
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.time()
            lags.extend(now - float(m) for m in STAMP.findall(chunk))
    finally:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length: *([0-9]+)", head)
    if length:
        await reader.readexactly(int(length.group(1)))
    return status


async def _publisher(target: Target, first: int, step: int, rate: int, seconds: float, refused: list) -> int:
    """Comments first, first + step, ... on one connection, at rate/step a second."""
    reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
    sent, n, start = 0, first, time.monotonic()
    while time.monotonic() - start < seconds:
        writer.write(target.comment(n))
        await writer.drain()
        status = await _read_response(reader)
        if status >= 300:
            refused.append(status)
        sent, n = sent + 1, n + step
        await asyncio.sleep(max(0.0, sent * step / rate - (time.monotonic() - start)))
    writer.close()
    return sent


async def _clients(target: Target, viewers: int, rate: int, seconds: float, server_pid: int) -> dict:
    lags: list[float] = []
    ready, counter = asyncio.Event(), [0]
    tasks = [asyncio.create_task(_viewer(target, lags, ready, counter, viewers)) for _ in range(viewers)]
    await asyncio.wait_for(ready.wait(), 180)
    cpu_before, started = _cpu_seconds(server_pid), time.monotonic()
    # The comments are sent from another process: this one's event loop is busy reading 2 000
    # streams and would otherwise fall behind the offered rate.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        sent, refused = await asyncio.to_thread(pool.apply, _publish, (target, rate, seconds))
    await asyncio.sleep(2.0)  # the last comments' deliveries
    wall, cpu = time.monotonic() - started, _cpu_seconds(server_pid) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    published = sent - refused
    return {"offered_per_s": rate, "published": published, "refused": refused} | _figures(
        lags, published * viewers, wall, cpu
    )


def _publish(target: Target, rate: int, seconds: float) -> tuple[int, int]:
    """(comments sent, comments refused) by PUBLISHERS connections together at `rate` a second."""

    async def together() -> tuple[int, int]:
        refused: list[int] = []
        sent = await asyncio.gather(
            *(_publisher(target, k, PUBLISHERS, rate, seconds, refused) for k in range(PUBLISHERS))
        )
        return sum(sent), len(refused)

    return asyncio.run(together())


def _figures(lags: list[float], expected: int, wall: float, cpu: float) -> dict:
    lags.sort()

    def pick(p: float) -> float:
        return round(lags[min(len(lags) - 1, int(p * len(lags)))] * 1000, 1) if lags else float("nan")

    return {
        "deliveries": len(lags),
        "missed": expected - len(lags),
        "lag_ms": {"p50": pick(0.50), "p99": pick(0.99), "max": pick(1.0)},
        "deliveries_per_s": round(len(lags) / wall, 1),
        "server_cpu_s_per_1000": round(cpu / max(1, len(lags)) * 1000, 4),
    }


def _serve(target: Target) -> subprocess.Popen:
    command = [sys.executable, "-m", "bench._live_server", target.kind, str(target.port)]
    server = subprocess.Popen(command + ([target.database_url] if target.database_url else []), cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", target.port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the {target.kind} server did not start")


def measure(target: Target, viewers: int, rate: int, seconds: float) -> dict:
    server = _serve(target)
    try:
        return asyncio.run(_clients(target, viewers, rate, seconds, server.pid))
    finally:
        server.terminate()
        server.wait(10)


def seed_room(url: str) -> tuple[str, ...]:
    """A migrated database with the florist live in room 1, and COMMENTERS buyers' API tokens."""
    from pledge.accounts import services as accounts
    from pledge.bootstrap import build
    from pledge.catalog import services as catalog
    from pledge.config import Settings
    from pledge.live import services as live
    from pledge.migrate import upgrade
    from pledge.promises.model import Promise

    upgrade(url)
    app, now = build(Settings(database_url=url)), datetime.now(UTC)
    try:
        with app.uow.begin() as c:
            shop_id = catalog.create_shop(c, name="小阿阮鲜花", slug="bench-florist", at=now)
            owner = accounts.create_user(
                c, email="florist@bench.example.cn", password="bench-password-1", display_name="阿阮", at=now
            )
            accounts.add_shop_member(c, shop_id=shop_id, user_id=owner, role="owner")
            actor = accounts.load_actor(c, owner)
            room_id = live.create_room(
                c, actor, shop_id=shop_id, title="昆明斗南花市直播", promise=Promise.parse("24h"), at=now
            )
            live.go_live(c, actor, room_id=room_id, playback_url="/media/live/sunflower/index.m3u8", at=now)
        assert room_id == 1, room_id
        emails = [f"viewer{n}@bench.example.cn" for n in range(COMMENTERS)]
        buyer_ids = seed_buyers(app, emails, "bench-password-1", now)
        with app.uow.begin() as c:
            return tuple(accounts.issue_api_token(c, user_id=user_id, at=now) for user_id in buyer_ids)
    finally:
        app.uow.engine.dispose()


def _ratio(a: dict, b: dict) -> float | None:
    return round(a["deliveries_per_s"] / b["deliveries_per_s"], 2) if b["deliveries_per_s"] else None


def run(*, viewers: int = 2000, rate: int = 20, seconds: float = 30.0) -> dict:
    say(f"live_fanout: {viewers} SSE viewers, {rate} comments/s for {seconds:g} s")
    with scratch_dir("pledge-fanout-") as work:
        url = f"sqlite:///{Path(work) / 'fanout.db'}"
        tokens = seed_room(url)
        app_target = Target(
            "app", 8773, "/api/v1/live/rooms/1/events", "/api/v1/live/rooms/1/comments", tokens, url
        )
        app = measure(app_target, viewers, rate, seconds)
    say(f"  pledge app (real routes): {app}")
    hub = measure(Target("hub", 8771, "/rooms/1/events", "/publish"), viewers, rate, seconds)
    say(f"  pledge hub alone:         {hub}")
    minimal = measure(Target("minimal", 8772, "/rooms/1/events", "/publish"), viewers, rate, seconds)
    say(f"  minimal broadcaster:      {minimal}")
    ratios = {"app_to_minimal": _ratio(app, minimal), "hub_to_minimal": _ratio(hub, minimal)}
    say(f"  ratios (deliveries per s): {ratios}; app p99 {app['lag_ms']['p99']} ms (goal <= 1000)")
    result = envelope(
        NAME,
        None,
        viewers=viewers,
        comments_per_s=rate,
        seconds=seconds,
        app=app,
        hub=hub,
        minimal=minimal,
        ratios_to_minimal=ratios,
        goal={"p99_ms_max": 1000, "ratio_min": 0.5, "measured_on": "app"},
    )
    write_result(NAME, result)
    return result
