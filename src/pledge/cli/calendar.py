"""`pledge calendar`: the operators' working-day calendar appeal deadlines count in
(pledge.governance.calendar). Pledge ships no dates: type each year's public holidays and make-up
workdays from the State Council's notice."""

from __future__ import annotations

from datetime import date

import typer

from pledge.cli.run import fail, run_domain

calendar_app = typer.Typer(
    help="Public holidays and make-up workdays (working-day deadlines).", no_args_is_help=True
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{value!r} is not a date (YYYY-MM-DD)")
        raise  # unreachable: fail exits


@calendar_app.command("add")
def add(
    day: str = typer.Argument(..., help="The day, YYYY-MM-DD (the platform's calendar)."),
    note: str = typer.Option(..., "--note", help="What the day is, e.g. 春节."),
    workday: bool = typer.Option(False, "--workday", help="A make-up workday (调休上班), not a holiday."),
) -> None:
    """Record a public holiday (or with --workday a make-up workday); again replaces it."""
    from pledge.bootstrap import build
    from pledge.governance.calendar import set_day

    when = _day(day)
    app = run_domain(build)
    with app.uow.begin() as conn:
        run_domain(set_day, conn, when, working=workday, note=note, at=app.clock.now())
    typer.echo(f"{when.isoformat()}: {'workday' if workday else 'holiday'} ({note.strip()})")


@calendar_app.command("remove")
def remove(day: str = typer.Argument(..., help="The day, YYYY-MM-DD.")) -> None:
    """Forget a recorded day."""
    from pledge.bootstrap import build
    from pledge.governance.calendar import remove_day

    when = _day(day)
    app = run_domain(build)
    with app.uow.begin() as conn:
        if not remove_day(conn, when):
            fail(f"{when.isoformat()} is not in the calendar")
    typer.echo(f"{when.isoformat()}: removed")


@calendar_app.command("list")
def list_days() -> None:
    """Every recorded day, oldest first."""
    from pledge.bootstrap import build
    from pledge.governance.calendar import listed

    app = run_domain(build)
    with app.uow.read() as conn:
        for row in listed(conn):
            kind = "workday" if row["working"] else "holiday"
            typer.echo(f"{row['day'].isoformat()}\t{kind}\t{row['note']}")
