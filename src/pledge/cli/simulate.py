"""`pledge simulate`: drive the platform through its services on a simulated clock (docs/simulate.md)."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from pledge.cli.run import fail, run_domain
from pledge.config import Settings
from pledge.kernel.money import format_yuan


def _start(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--start is a date like 2026-09-01, not {value!r}")
        raise


def _report(summary) -> str:
    s = summary
    return (
        f"{s.shops} shops × {s.days} days × {s.orders_per_day} orders a day: "
        f"{s.orders} orders, {s.paid} paid, "
        f"{s.shipped_late} of {s.shipped} picked up late, {s.compensations} compensations "
        f"({format_yuan(s.compensation_fen)} yuan), {s.cases} after-sales cases, {s.refunds} refunds "
        f"({format_yuan(s.refund_fen)} yuan), {s.payouts} payouts ({format_yuan(s.payout_fen)} yuan), "
        f"{s.score_snapshots} score snapshots, {s.steps_refused} steps refused; "
        f"{s.wall_seconds} s, {s.orders_per_second} orders/s"
    )


def command(
    shops: int = typer.Option(
        5, "--shops", help="Shops to create (florists, fruit sellers, umbrella factories)."
    ),
    days: int = typer.Option(7, "--days", help="Simulated days (at most 366)."),
    orders_per_day: int = typer.Option(20, "--orders-per-day", help="Orders each shop receives a day."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same run."),
    late_share: float = typer.Option(
        0.12, "--late-share", help="Share of orders picked up after their ship-by time (0 to 1)."
    ),
    start: str = typer.Option("2026-09-01", "--start", help="The first simulated day (Beijing)."),
    database: str = typer.Option(
        "", "--database", help="Database URL (default: PLEDGE_DATABASE_URL, else the SQLite file under var/)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Simulate shops, buyers and days of orders through the services, for load tests and demos."""
    from pledge.simulation.config import SimConfig
    from pledge.simulation.service import simulate

    config = run_domain(SimConfig, shops, days, orders_per_day, seed, _start(start), late_share)
    settings = Settings(database_url=database) if database else Settings()
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=as_json) as progress:
        task = progress.add_task("orders", total=config.total_orders)
        summary = run_domain(simulate, settings, config, progress=lambda n: progress.advance(task, n))
    typer.echo(json.dumps(summary.as_json(), ensure_ascii=False) if as_json else _report(summary))
