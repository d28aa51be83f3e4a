"""`pledge backtest`: replay a rulebook's late-ship clauses over an order history CSV."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pledge.cli.run import run_domain
from pledge.history.backtest import BacktestResult, backtest
from pledge.history.csvfile import read_history
from pledge.kernel.clock import UTC, parse_iso, zone
from pledge.kernel.money import format_yuan
from pledge.rulebooks.loader import load


def _report(results: list[BacktestResult], top: int) -> None:
    console = Console()
    for r in results:
        console.print(
            f"[bold]{r.rulebook}@{r.version}[/]: {r.orders} orders, {r.late} late, "
            f"compensation {format_yuan(r.compensation_fen)} yuan (as of {r.as_of.isoformat()}, "
            f"rules in force {r.rules_at.date().isoformat()})"
        )
    table = Table(title=f"Top {top} shops by compensation")
    table.add_column("shop")
    table.add_column("orders", justify="right")
    for r in results:
        table.add_column(f"late ({r.rulebook})", justify="right")
        table.add_column(f"yuan ({r.rulebook})", justify="right")
    first = results[0]
    ranked = sorted(first.by_shop, key=lambda s: (-max(r.by_shop[s].compensation_fen for r in results), s))
    for shop in ranked[:top]:
        cells = [shop, str(first.by_shop[shop].orders)]
        for r in results:
            cells += [str(r.by_shop[shop].late), format_yuan(r.by_shop[shop].compensation_fen)]
        table.add_row(*cells)
    console.print(table)


def _scores(book, history, result: BacktestResult) -> dict:
    from pledge.experience.history import history_scores

    return history_scores(book, history, as_of=result.as_of, rules_at=result.rules_at)


def command(
    rulebook: Annotated[str, typer.Option(help="Rulebook to replay, e.g. douyin.")],
    orders: Annotated[Path, typer.Option("--orders", help="Order history CSV (docs/order-history-csv.md).")],
    as_of: str = typer.Option(
        "",
        "--as-of",
        help="Orders not picked up by then are late as of then; default: the file's latest time.",
    ),
    rules_at: str = typer.Option(
        "", "--rules-at", help="Apply the clauses in force at this time; default: now."
    ),
    compare: str | None = typer.Option(
        None, help="A second rulebook to run over the same file, side by side."
    ),
    tz: str = typer.Option("Asia/Shanghai", "--tz", help="Timezone of times written without an offset."),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Leave out bad rows instead of refusing the file."
    ),
    top: int = typer.Option(10, help="Shops in the readable report."),
    as_json: bool = typer.Option(False, "--json"),
    scores: bool = typer.Option(False, "--scores", help="Also print experience-score indicators per shop."),
) -> None:
    """What would this rulebook have paid on this history?"""

    def run() -> None:
        zone(tz)
        history, skipped = read_history(orders, tz, skip_bad_rows=skip_bad_rows)
        when = parse_iso(rules_at, tz) if rules_at else datetime.now(UTC)
        cutoff = parse_iso(as_of, tz) if as_of else None
        books = [load(rulebook)] + ([load(compare)] if compare else [])
        results = [backtest(book, history, rules_at=when, as_of=cutoff, tz=tz) for book in books]
        if as_json:
            payload = results[0].as_json()
            if compare:
                payload = {"rulebooks": [r.as_json() for r in results]}
            if scores:
                payload["scores"] = _scores(books[0], history, results[0])
            if skipped:
                payload["skipped_rows"] = [{"row": e.row, "reason": e.reason} for e in skipped]
            typer.echo(json.dumps(payload, ensure_ascii=False))
        else:
            _report(results, top)
            if scores:
                for shop, found in _scores(books[0], history, results[0]).items():
                    marks = ", ".join(
                        f"{code} {v['value']}→{v['points']}" for code, v in found["indicators"].items()
                    )
                    typer.echo(
                        f"{shop}: {found['score']:g} ({found['stage']}, rule {found['version']}): {marks}"
                    )
            for e in skipped:
                typer.echo(f"skipped row {e.row}: {e.reason}", err=True)

    run_domain(run)


def import_command(
    file: Annotated[Path, typer.Argument(help="Order history CSV (docs/order-history-csv.md).")],
    tz: str = typer.Option("Asia/Shanghai", "--tz", help="Timezone of times written without an offset."),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Import the good rows and list the bad ones."
    ),
) -> None:
    """Load an external order history into the database: all of it, or nothing."""
    from rich.progress import Progress

    from pledge.bootstrap import build
    from pledge.history.services import import_history

    def run() -> None:
        zone(tz)
        history, skipped = read_history(file, tz, skip_bad_rows=skip_bad_rows)
        app = build()
        with Progress(console=Console(stderr=True)) as progress, app.uow.begin() as conn:
            task = progress.add_task(f"importing {file.name}", total=len(history))
            import_id = import_history(
                conn,
                history,
                filename=file.name,
                skipped=len(skipped),
                at=app.clock.now(),
                progress=lambda n: progress.advance(task, n),
            )
        for e in skipped:
            typer.echo(f"skipped row {e.row}: {e.reason}", err=True)
        typer.echo(f"import {import_id}: {len(history)} orders imported, {len(skipped)} bad rows skipped")

    run_domain(run)
