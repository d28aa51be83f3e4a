"""web.threads.ThreadValve: one thread runs requests; another opens only when every thread in use
is held by a slow request while others wait, and the extra threads close once nobody waits."""

from __future__ import annotations

import anyio
from anyio import CapacityLimiter, Event

from pledge.web.threads import ThreadValve


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_slow_request_gets_a_thread_of_its_own_until_it_ends():
    async def scenario() -> list[tuple[str, int]]:
        limiter, clock, seen = CapacityLimiter(40), Clock(), []
        valve = ThreadValve(limiter, least=1, most=3, slow_after=0.05, clock=clock)
        done = {name: Event() for name in "abcd"}

        async def request(name: str) -> None:
            async with limiter:
                await done[name].wait()

        async def look(what: str, at: float) -> None:
            clock.now = at
            valve.look()
            seen.append((what, int(limiter.total_tokens)))
            await anyio.sleep(0.01)  # a waiting request takes a thread that opened

        async with anyio.create_task_group() as tg:
            for name in "abcd":
                tg.start_soon(request, name)
            await anyio.sleep(0.01)  # a holds the one thread; b, c and d wait
            await look("a just started", 0.0)
            await look("a not slow yet", 0.04)
            await look("a slow: b gets a thread", 0.06)
            await look("b not slow yet", 0.08)
            await look("a and b slow: c gets a thread", 0.2)
            await look("at most three", 0.5)
            done["a"].set()
            done["b"].set()
            await anyio.sleep(0.01)  # d takes a's or b's thread
            await look("a and b ended: c is slow, d is new", 0.6)
            done["c"].set()
            done["d"].set()
            await anyio.sleep(0.01)
            await look("all done", 0.7)
        return seen

    assert anyio.run(scenario) == [
        ("a just started", 1),
        ("a not slow yet", 1),
        ("a slow: b gets a thread", 2),
        ("b not slow yet", 2),
        ("a and b slow: c gets a thread", 3),
        ("at most three", 3),
        ("a and b ended: c is slow, d is new", 2),
        ("all done", 1),
    ]


def test_a_fixed_setting_keeps_its_threads():
    limiter = CapacityLimiter(40)
    valve = ThreadValve(limiter, least=3, most=3)
    valve.look()
    assert limiter.total_tokens == 3
