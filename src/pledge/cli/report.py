"""`pledge report governance`: the transparency report for a period, from the same query module
as the public /transparency page (pledge.governance.report)."""

from __future__ import annotations

import json
from datetime import date

import typer

from pledge.cli.run import fail, run_domain

report_app = typer.Typer(help="Reports counted from the platform's records.", no_args_is_help=True)


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r} is not a date (YYYY-MM-DD)")
        raise  # unreachable: fail exits


@report_app.command("governance")
def governance(
    start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD (the platform's calendar)."),
    end: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of lines."),
) -> None:
    """Listings and comments blocked, sessions cut, creators removed, shops suspended, appeals
    filed and upheld, and the median time to a reviewer's decision."""
    from pledge.bootstrap import build
    from pledge.governance.report import governance_report

    first, last = _day(start, "--from"), _day(end, "--to")
    app = run_domain(build)
    with app.uow.read() as conn:
        figures = run_domain(governance_report, conn, first, last, app.rulebook.timezone).as_json()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
        return
    for key, value in figures.items():
        typer.echo(f"{key}: {value}")
