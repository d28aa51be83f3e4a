"""The `pledge` command. Every command calls the same services as the web app."""

from __future__ import annotations

import json
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
from pledge.cli import wishes as _wishes
from pledge.cli.run import fail, run_domain
from pledge.config import Settings

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


def _serve(settings: Settings, *, banner: str = "") -> None:
    import uvicorn

    from pledge.bootstrap import build
    from pledge.web.app import create_app

    web = create_app(run_domain(build, settings))
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Pledge is serving at {url}  (API docs: {url}/docs)")
    if banner:
        typer.echo(banner)
    # X-Forwarded-* count only from PLEDGE_TRUSTED_PROXIES (pledge.web.security), not uvicorn's default list
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="warning", proxy_headers=False)


@app.command()
def serve() -> None:
    """Serve the web app and API (port from PLEDGE_PORT, default 8000); the sweeps run inside."""
    settings = Settings()
    require_real_secrets(settings)
    _serve(settings)


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
    _serve(settings, banner="\n".join(lines))


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
import_app = typer.Typer(help="Load data from elsewhere.", no_args_is_help=True)
import_app.command("history")(_backtest.import_command)
app.add_typer(import_app, name="import")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
