"""What a long-running process (a server process, `pledge worker`) does once start-up is over:
collect the garbage, then hand every object still alive (modules, the app, table metadata,
rulebooks, compiled statements) to gc.freeze, so that the cyclic collector's full passes stop
walking them again and again.

A sweep allocates a few dicts per order, so the collector's full pass runs every few thousand
orders, and each pass walked the ~170 000 objects start-up had built: 76 ms each, 13–16 % of
the late-ship sweep's CPU on PostgreSQL (docs/benchmarks.md, the sixth round). Frozen objects are
never collected, so only what lives for the whole process is frozen, after a collection, and the
tests, which build many short-lived apps in one process, do not freeze."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect, then freeze what is alive; returns how many objects are frozen now."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
