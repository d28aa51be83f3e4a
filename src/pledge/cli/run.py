"""What every `pledge` command shares: a domain error becomes a readable message on stderr and
exit code 2, never a traceback. Its own module so that main and the command modules it
registers (quote, rulebook, backtest) import it without importing each other."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from pledge.kernel.errors import DomainError

err = Console(stderr=True)


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code=2)


def run_domain(fn, *args, **kwargs):
    """Domain errors become a readable message and exit code 2, never a traceback."""
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        fail(exc.detail)
