"""live_fanout: 2 000 viewers of one live room on Server-Sent Events over loopback, 20 comments a
second for 30 s, through Pledge's fan-out hub (pledge.live.hub) and, in the same run, through a
minimal broadcaster (plain Starlette, one asyncio.Queue per subscriber) as the baseline. Each
server runs in its own uvicorn process; the viewers run in one client process of raw asyncio
sockets (no HTTP library in the way), which stamps every comment it receives.

Figures per server: delivery lag p50/p99/max (comment published → seen by a viewer), deliveries/s,
missed deliveries, server CPU seconds per 1 000 deliveries; and the hub's ratio to the baseline.
Goal (issue 13): p99 <= 1 s and deliveries/s >= 0.5 x the minimal broadcaster's.

    python -m bench --only live_fanout [--viewers 2000] [--rate 20] [--seconds 30]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time

from bench import ROOT, envelope, say, write_result

NAME = "live_fanout"
SENT = re.compile(rb'"sent":([0-9.]+)')


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _viewer(port: int, lags: list[float], ready: asyncio.Event, counter: list[int], n: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /rooms/1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
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
            lags.extend(now - float(m) for m in SENT.findall(chunk))
    finally:
        writer.close()


async def _publisher(port: int, rate: int, seconds: float) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        body = json.dumps({"text": f"第{sent}条评论：向日葵好漂亮", "sent": time.time()}).encode()
        writer.write(
            b"POST /publish HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        sent += 1
        await asyncio.sleep(max(0.0, sent / rate - (time.monotonic() - start)))
    writer.close()
    return sent


async def _clients(port: int, viewers: int, rate: int, seconds: float, server_pid: int) -> dict:
    lags: list[float] = []
    ready, counter = asyncio.Event(), [0]
    tasks = [asyncio.create_task(_viewer(port, lags, ready, counter, viewers)) for _ in range(viewers)]
    await asyncio.wait_for(ready.wait(), 120)
    cpu_before, started = _cpu_seconds(server_pid), time.monotonic()
    published = await _publisher(port, rate, seconds)
    await asyncio.sleep(2.0)  # the last comments' deliveries
    wall, cpu = time.monotonic() - started, _cpu_seconds(server_pid) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return _figures(lags, published * viewers, wall, cpu)


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


def _serve(kind: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "bench._live_server", kind, str(port)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the {kind} server did not start")


def measure(kind: str, port: int, viewers: int, rate: int, seconds: float) -> dict:
    server = _serve(kind, port)
    try:
        return asyncio.run(_clients(port, viewers, rate, seconds, server.pid))
    finally:
        server.terminate()
        server.wait(10)


def run(*, viewers: int = 2000, rate: int = 20, seconds: float = 30.0) -> dict:
    say(f"live_fanout: {viewers} SSE viewers, {rate} comments/s for {seconds:g} s")
    hub = measure("hub", 8771, viewers, rate, seconds)
    say(f"  pledge hub:          {hub}")
    minimal = measure("minimal", 8772, viewers, rate, seconds)
    say(f"  minimal broadcaster: {minimal}")
    ratio = (
        round(hub["deliveries_per_s"] / minimal["deliveries_per_s"], 2)
        if minimal["deliveries_per_s"]
        else None
    )
    say(
        f"  ratio (hub / minimal deliveries per s): {ratio}; hub p99 {hub['lag_ms']['p99']} ms (goal <= 1000)"
    )
    result = envelope(
        NAME,
        None,
        viewers=viewers,
        comments_per_s=rate,
        seconds=seconds,
        hub=hub,
        minimal=minimal,
        ratio_to_minimal=ratio,
        goal={"p99_ms_max": 1000, "ratio_min": 0.5},
    )
    write_result(NAME, result)
    return result
