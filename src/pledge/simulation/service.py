"""Run a simulation into a migrated database and sum up what it did."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from pledge.kernel.db import make_engine
from pledge.kernel.errors import InvalidInput
from pledge.migrate import alembic_config
from pledge.simulation.config import SimConfig
from pledge.simulation.engine import Simulation
from pledge.simulation.summary import Summary, tally
from pledge.simulation.world import build_world


def require_latest_schema(url: str) -> None:
    """A simulation writes through the services, so the schema must be the code's: refuse a
    missing or unmigrated database instead of failing halfway."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        raise InvalidInput(f"there is no database at {parsed.database}; run `pledge db upgrade` first")
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if current != heads:
        at = ", ".join(sorted(current)) or "no schema"
        raise InvalidInput(
            f"the database is not at the latest schema ({at}; the code needs {', '.join(sorted(heads))}); "
            "run `pledge db upgrade` first"
        )


def simulate(
    settings: Settings, config: SimConfig, *, progress: Callable[[int], None] = lambda n: None
) -> Summary:
    url = settings.resolved_database_url()
    require_latest_schema(url)
    clock = FixedClock(config.starts_at)
    app = build(settings.model_copy(update={"database_url": url}), clock=clock)
    started = time.perf_counter()
    try:
        world = build_world(app, config, clock.now())
        run = Simulation(app, clock, config, world)
        run.run(progress)
        with app.uow.read() as conn:
            counts = tally(conn, [s.shop_id for s in world.shops])
    finally:
        app.uow.engine.dispose()
    wall = time.perf_counter() - started
    return Summary(
        shops=config.shops,
        days=config.days,
        orders_per_day=config.orders_per_day,
        seed=config.seed,
        steps_refused=run.refused,
        wall_seconds=round(wall, 2),
        orders_per_second=round(counts["orders"] / wall, 1) if wall > 0 else 0.0,
        **counts,
    )
