"""`pledge quote ...`: answer a rule question from the rulebook alone, no database."""
from __future__ import annotations

import json
from datetime import timedelta

import typer

from pledge.guarantees.policy import Promise, quote_late_ship, ship_by
from datetime import datetime

from pledge.kernel.clock import UTC, parse_duration, parse_iso, zone
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_yuan, parse_yuan
from pledge.rulebooks.loader import load

quote_app = typer.Typer(help="Quote what a rulebook says, without touching the database.", no_args_is_help=True)


def _emit(as_json: bool, data: dict, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


def _guard(fn):  # noqa: ANN001, ANN202
    from pledge.cli.main import run_domain
    return lambda *a, **k: run_domain(fn, *a, **k)


@quote_app.command("ship-by")
def quote_ship_by(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD"),
    paid_at: str = typer.Option(..., "--paid-at", help="ISO-8601; without offset = the timezone below."),
    timezone: str = typer.Option("Asia/Shanghai", "--tz", help="The shop's timezone."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """When must an order paid at --paid-at ship?"""
    @_guard
    def run() -> None:
        book = load(rulebook)
        paid = parse_iso(paid_at, timezone)
        deadline, clause = ship_by(book, Promise.parse(promise), paid, timezone)
        local = deadline.astimezone(zone(timezone))
        _emit(as_json, {"ship_by": local.isoformat(), "clause": clause.id},
              f"ship by {local.isoformat()} ({clause.id}, {clause.source})")
    run()


@quote_app.command("late-ship")
def quote_late(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    promise: str = typer.Option(..., help="The promise span, e.g. 48h or 72h."),
    paid: str = typer.Option(..., help="Amount the buyer paid, in yuan (e.g. 150.00)."),
    late: str = typer.Option(..., help="How late it shipped, e.g. 50h or 2d."),
    at: str = typer.Option("", help="When it was paid (ISO-8601), to pick the clauses in force; default now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What compensation does an order shipped --late after its deadline earn?"""
    @_guard
    def run() -> None:
        book = load(rulebook)
        span = Promise.parse(promise)
        if span.kind != "hours":
            raise InvalidInput("for a late-ship quote give the promise as hours, e.g. 48h or 72h")
        paid_fen = parse_yuan(paid)
        if paid_fen <= 0:
            raise InvalidInput("--paid must be a positive amount")
        late_by = parse_duration(late)
        paid_at = parse_iso(at) if at else datetime.now(UTC)
        deadline = paid_at + timedelta(hours=span.hours)
        quote = quote_late_ship(book, paid_fen=paid_fen, paid_at=paid_at, ship_by_at=deadline,
                                shipped_at=deadline + late_by, now=deadline + late_by)
        if quote is None:
            data = {"amount_fen": 0, "clause": "", "explanation": "shipped on time: no compensation"}
        else:
            data = {"amount_fen": quote.amount_fen, "clause": quote.clause.id if quote.clause else "",
                    "explanation": quote.explanation_en}
        _emit(as_json, data, f"{format_yuan(data['amount_fen'])} yuan — {data['explanation']}")
    run()
