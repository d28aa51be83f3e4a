"""`pledge search ...`: rebuild the search documents; ask a question from the command line."""

from __future__ import annotations

import json

import typer

from pledge.cli.run import run_domain

search_app = typer.Typer(help="Search: rebuild the index, try a query.", no_args_is_help=True)


@search_app.command("reindex")
def reindex_command() -> None:
    """Write every search document again from the catalog and the videos (one transaction; on
    SQLite the FTS5 index is rebuilt too); prints {"product", "shop", "video"} counts."""
    from pledge.bootstrap import build
    from pledge.search.services import reindex

    pledge = run_domain(build)
    with pledge.uow.begin() as conn:
        counts = run_domain(reindex, conn, pledge.rulebook, at=pledge.clock.now())
    typer.echo(json.dumps(counts))


@search_app.command("query")
def query_command(
    text: str = typer.Argument("", help="The words to find (Chinese is segmented)."),
    kind: str = typer.Option("product", help="product, shop or video."),
) -> None:
    """Print the first page of results, one `kind id title` per line."""
    from pledge.bootstrap import build
    from pledge.kernel.indexing import Indexed
    from pledge.search.model import Query
    from pledge.search.services import search

    pledge = run_domain(build)
    if kind not in {k.value for k in Indexed}:
        typer.echo(f"error: kind is one of {', '.join(k.value for k in Indexed)}", err=True)
        raise typer.Exit(2)
    query = run_domain(Query, text, Indexed(kind))
    with pledge.uow.read() as conn:
        results = run_domain(search, conn, query)
    for hit in results.hits:
        typer.echo(f"{hit.kind.value} {hit.subject_id} {hit.title}")
