"""The `pledge` command. Every command calls the same services as the web app."""

from __future__ import annotations

import functools
import json
import os
import threading

import typer

from pledge.cli import backtest as _backtest
from pledge.cli import calendar as _calendar
from pledge.cli import moderate as _moderate
from pledge.cli import quote as _quote
from pledge.cli import reach as _reach
from pledge.cli import report as _report
from pledge.cli import rulebook as _rulebook
from pledge.cli import search as _search
from pledge.cli import simulate as _simulate
from pledge.cli import wishes as _wishes
from pledge.cli.run import fail, run_domain
from pledge.config import Settings
from pledge.kernel.heap import freeze_startup_objects

app = typer.Typer(
    help="Pledge: a live-commerce platform engine in which every promise is enforced.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
clock_app = typer.Typer(help="The demo clock.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(clock_app, name="clock")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database (SQLite under var/ by default)."""
    from pledge.migrate import upgrade

    url = Settings().resolved_database_url()
    upgrade(url)
    typer.echo(f"database is at the latest schema: {url.split('@')[-1]}")


def require_real_secrets(settings: Settings) -> None:
    """Outside demo mode a server or worker never runs on a missing, shipped or short secret:
    with a public one anyone could sign a payment callback or a carrier event."""
    if settings.demo_mode:
        return
    from pledge.config import GENERATE_HINT, secret_problems
    from pledge.logistics.webhook import carrier_secret_problems

    problems = secret_problems(settings) + carrier_secret_problems()
    if problems:
        fail(
            "refusing to start outside demo mode: " + "; ".join(problems) + ". Generate each secret with "
            f"`{GENERATE_HINT}` and set it in the environment (docs/security.md), or run the demo "
            "with PLEDGE_DEMO_MODE=1."
        )


WORKERS_HELP = "App processes (default: one per CPU on PostgreSQL, 1 on SQLite)."


def worker_count(settings: Settings, asked: int | None) -> int:
    """How many app processes to start. SQLite serves from one: each process would keep its own
    live rooms' viewers, and only PostgreSQL carries live events between processes (docs/serving.md)."""
    on_sqlite = not settings.resolved_database_url().startswith("postgresql")
    if asked is None:
        return 1 if on_sqlite else (os.cpu_count() or 1)
    if asked < 1:
        fail("--workers is a whole number of processes, at least 1")
    if asked > 1 and on_sqlite:
        fail(
            f"--workers {asked} needs PostgreSQL (PLEDGE_DATABASE_URL=postgresql+psycopg://…): on SQLite "
            "Pledge serves from one process, because live-room events cross processes only through "
            "PostgreSQL. Run with --workers 1, or point PLEDGE_DATABASE_URL at PostgreSQL."
        )
    return asked


def _serve(settings: Settings, *, banner: str = "", workers: int | None = None) -> None:
    import uvicorn

    from pledge.bootstrap import build
    from pledge.web.app import create_app

    count = worker_count(settings, workers)
    pledge = run_domain(build, settings)  # fails early and readably; makes the demo's secrets once
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Pledge is serving at {url} with {count} process(es)  (API docs: {url}/docs)")
    if banner:
        typer.echo(banner)
    # X-Forwarded-* count only from PLEDGE_TRUSTED_PROXIES (pledge.web.security), not uvicorn's default list
    run = functools.partial(
        uvicorn.run, host=settings.host, port=settings.port, log_level="warning", proxy_headers=False
    )
    if count == 1:
        web = create_app(pledge)
        freeze_startup_objects()
        run(web)
        return
    pledge.uow.engine.dispose()
    # Each process builds its own app from the environment; live events cross them through PostgreSQL.
    os.environ["PLEDGE_LIVE_PG_BUS"] = "true"
    if settings.demo_mode:
        os.environ["PLEDGE_DEMO_MODE"] = "true"
    # uvicorn kills a process that has not answered its health ping within the timeout (5 s by
    # default), and a process importing the app on a busy machine can take longer than that.
    run("pledge.web.app:from_environment", factory=True, workers=count, timeout_worker_healthcheck=60)


@app.command()
def serve(workers: int | None = typer.Option(None, help=WORKERS_HELP)) -> None:
    """Serve the web app and API (port from PLEDGE_PORT, default 8000); the sweeps run inside."""
    settings = Settings()
    require_real_secrets(settings)
    _serve(settings, workers=workers)


@app.command()
def worker(
    once: bool = typer.Option(False, help="Run one pass and exit."),
    interval: float | None = typer.Option(None, help="Seconds between passes."),
) -> None:
    """Run the background work (unpaid cancellation, carrier events, late-ship sweep)."""
    from pledge.bootstrap import build
    from pledge.worker import run_forever, run_once

    settings = Settings()
    require_real_secrets(settings)
    pledge = run_domain(build, settings)
    if once:
        typer.echo(json.dumps(run_once(pledge)))
        return
    stop = threading.Event()
    freeze_startup_objects()
    typer.echo(
        f"worker running with rulebook {pledge.rulebook.name}@{pledge.rulebook.version}; Ctrl-C stops it"
    )
    try:
        run_forever(pledge, stop, interval or pledge.settings.sweep_interval_seconds)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def demo(
    reset: bool = typer.Option(True, help="Start from a fresh demo database."),
    serve_app: bool = typer.Option(True, "--serve/--no-serve", help="Serve after seeding."),
    workers: int | None = typer.Option(None, help=WORKERS_HELP),
) -> None:
    """Seed the demo merchants, buyers and a few days of orders, then serve in demo mode."""
    from pledge.demo.seed import ACCOUNTS, seed_demo

    settings = Settings(demo_mode=True)
    summary = run_domain(seed_demo, settings, reset=reset)
    lines = ["Demo accounts (password for all: pledge123):"]
    lines += [f"  {role:<10} {email}" for role, email in ACCOUNTS]
    lines.append(f"Seeded: {summary}")
    if not serve_app:
        typer.echo("\n".join(lines))
        return
    _serve(settings, banner="\n".join(lines), workers=workers)


@clock_app.command("advance")
def clock_advance(by: str = typer.Argument(..., help="How far, e.g. 2d, 36h, 90m.")) -> None:
    """Demo mode only: move the platform clock forward for every process on this database."""
    from pledge.bootstrap import advance_demo_clock, build
    from pledge.kernel.clock import parse_duration

    pledge = run_domain(build)
    offset = run_domain(advance_demo_clock, pledge, run_domain(parse_duration, by))
    typer.echo(f"clock is now {pledge.clock.now().isoformat()} (offset {offset})")


@clock_app.command("show")
def clock_show() -> None:
    from pledge.bootstrap import build

    typer.echo(run_domain(build).clock.now().isoformat())


app.add_typer(_quote.quote_app, name="quote")
app.add_typer(_rulebook.rulebook_app, name="rulebook")
app.add_typer(_moderate.moderate_app, name="moderate")
app.add_typer(_report.report_app, name="report")
app.add_typer(_calendar.calendar_app, name="calendar")
app.add_typer(_wishes.wishes_app, name="wishes")
app.add_typer(_reach.reach_app, name="reach")
app.add_typer(_search.search_app, name="search")
app.command("backtest")(_backtest.command)
app.command("simulate")(_simulate.command)
import_app = typer.Typer(help="Load data from elsewhere.", no_args_is_help=True)
import_app.command("history")(_backtest.import_command)
app.add_typer(import_app, name="import")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
