"""`pledge rulebook ...`: read a rulebook as a whole (coverage report)."""

from __future__ import annotations

from pathlib import Path

import typer

from pledge.cli.run import run_domain
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
    out: Path = typer.Option(DEFAULT_DOC, help="Where --write puts the report."),
) -> None:
    """Every clause with its source and status (sourced, pledge:default, secondary), and the
    platform rules not modelled yet, as Markdown."""
    report = render_markdown(run_domain(load, rulebook))
    if not write:
        typer.echo(report, nl=False)
        return
    out.write_text(report, encoding="utf-8")
    typer.echo(f"wrote {out}")
