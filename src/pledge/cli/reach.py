"""`pledge reach ...`: the recommender measured offline on a behaviour CSV, with no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pledge.cli.run import run_domain

reach_app = typer.Typer(
    help="Recommendations: train the feed, measure it on behaviour data.", no_args_is_help=True
)


@reach_app.command("evaluate")
def evaluate(
    events: Annotated[Path, typer.Option("--events", help="Taobao UserBehavior CSV (docs/reach.md).")],
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report."),
) -> None:
    """Recall@20 and nDCG@20 of the model and the popularity, recency and item-kNN baselines on
    each user's last 20 % of events (docs/reach.md, "Protocol")."""
    from pledge.reach.evaluation import report
    from pledge.reach.events import read_events

    result = run_domain(report, run_domain(read_events, events))
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{result['users']} users, {result['items']} items, {result['events']} events")
    for metric in ("recall_at_20", "ndcg_at_20"):
        scores = result[metric]
        assert isinstance(scores, dict)
        typer.echo(f"{metric}: " + ", ".join(f"{name} {value:.4f}" for name, value in scores.items()))


@reach_app.command("train")
def train_command(
    retention_days: int | None = typer.Option(
        None, help="Delete behaviour events older than this many days (default PLEDGE_REACH_RETENTION_DAYS)."
    ),
) -> None:
    """Purge events past the retention, then precompute every user's feed candidates (one
    transaction); prints {"users", "purged_events"}. Run it on a schedule."""
    from pledge.bootstrap import build
    from pledge.feed.training import train
    from pledge.reach.recording import purge

    pledge = run_domain(build)
    now = pledge.clock.now()
    with pledge.uow.begin() as conn:
        keep = pledge.settings.reach_retention_days if retention_days is None else retention_days
        purged = run_domain(purge, conn, now, keep)
        users = run_domain(train, conn, pledge.rulebook, now)
    typer.echo(json.dumps({"users": users, "purged_events": purged}))
