"""`pledge rulebook ...`: read a rulebook as a whole (coverage report) and find a clause's code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pledge.cli.run import run_domain
from pledge.policies import reader_of
from pledge.rulebooks.coverage import render_markdown
from pledge.rulebooks.loader import load

rulebook_app = typer.Typer(help="Read a rulebook as a whole.", no_args_is_help=True)
DEFAULT_DOC = Path("docs/rules-coverage.md")


@rulebook_app.command("coverage")
def coverage(
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
    write: bool = typer.Option(
        False, "--write", help=f"Write the report to {DEFAULT_DOC} instead of printing it."
    ),
    out: Annotated[Path, typer.Option(help="Where --write puts the report.")] = DEFAULT_DOC,
) -> None:
    """Every clause with its source and status (sourced, pledge:default, secondary), and the
    platform rules not modelled yet, as Markdown."""
    report = render_markdown(run_domain(load, rulebook))
    if not write:
        typer.echo(report, nl=False)
        return
    out.write_text(report, encoding="utf-8")
    typer.echo(f"wrote {out}")


@rulebook_app.command("where")
def where(
    clause_id: str = typer.Argument(..., help="A clause id, e.g. late-ship.le48h."),
    rulebook: str = typer.Option("douyin", help="Rulebook name."),
) -> None:
    """The function that applies a clause and the parameters it reads (pledge/policies.py)."""
    clause = run_domain(lambda: load(rulebook).clause(clause_id))
    reader = reader_of(clause)
    if reader is None:
        typer.echo(f"{clause.id} ({clause.kind}): no function applies this kind", err=True)
        raise typer.Exit(1)
    typer.echo(f"{clause.id} ({clause.kind}) -> {reader.where}")
    for name in sorted(reader.reads):
        typer.echo(f"  reads {name} = {clause.get(name)!r}")
    for name in sorted(reader.fixed):
        typer.echo(f"  fixed {name} = {clause.get(name)!r}")
