"""`make bench`: every benchmark in turn, sharing one PostgreSQL server."""

from __future__ import annotations

import argparse
import os
import time

from bench import (
    feed,
    flash_sale,
    hot_queries,
    late_ship_sweep,
    live_fanout,
    moderation,
    pg_server,
    place_order,
    say,
    score,
    search,
    settlement,
    webhooks,
    wishes,
)
from bench.http_load import HTTP_CLIENTS, choose_client

BENCHES = (
    "place_order",
    "late_ship_sweep",
    "score",
    "flash_sale",
    "settlement",
    "live_fanout",
    "moderation",
    "wishes",
    "search",
    "feed",
    "webhooks",
    "hot_queries",
)


def _sweep_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sweep-orders", type=int, default=100_000, help="late_ship_sweep: overdue orders on SQLite"
    )
    parser.add_argument(
        "--pg-sweep-orders",
        type=int,
        default=None,
        help="late_ship_sweep: overdue orders on PostgreSQL (default: as many as on SQLite, "
        "fewer if the run is short of time)",
    )
    parser.add_argument(
        "--batch", type=int, default=500, help="late_ship_sweep: batch size passed to sweep_late_ship"
    )
    parser.add_argument(
        "--sweep-threads",
        type=int,
        default=None,
        help="late_ship_sweep: threads sweeping at once (default as the worker: 2 on PostgreSQL)",
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", choices=BENCHES, action="append", help="run only this benchmark (repeatable)"
    )
    parser.add_argument(
        "--orders", type=int, default=2000, help="place_order: orders per database and per method"
    )
    parser.add_argument("--clients", type=int, default=8, help="place_order: concurrent client threads")
    parser.add_argument(
        "--serve-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="place_order and flash_sale: on PostgreSQL, also run against this many server processes "
        "(1: only one)",
    )
    parser.add_argument(
        "--http-client",
        choices=sorted(HTTP_CLIENTS),
        default="stdlib",
        help="place_order and flash_sale: the load generator's HTTP client (stdlib: http.client "
        "keep-alive, the lighter; httpx: the client of the rounds before the fifth)",
    )
    _sweep_options(parser)
    parser.add_argument(
        "--time-budget",
        type=float,
        default=420.0,
        help="seconds the whole run aims to stay under (the PostgreSQL sweep shrinks to fit)",
    )
    parser.add_argument("--score-shops", type=int, default=10_000, help="score: shops")
    parser.add_argument("--score-orders", type=int, default=3_000_000, help="score: orders over the 30 days")
    parser.add_argument("--flash-units", type=int, default=1000, help="flash_sale: units of the deal")
    parser.add_argument("--flash-buyers", type=int, default=200, help="flash_sale: concurrent buyers")
    parser.add_argument("--settlement-orders", type=int, default=20_000, help="settlement: delivered orders")
    parser.add_argument("--viewers", type=int, default=2000, help="live_fanout: SSE viewers of one room")
    parser.add_argument(
        "--comments-per-s", type=int, default=20, help="live_fanout: comments published a second"
    )
    parser.add_argument("--wish-comments", type=int, default=20_000, help="wishes: comments read")
    parser.add_argument("--fanout-seconds", type=float, default=30.0, help="live_fanout: seconds of comments")
    parser.add_argument(
        "--moderation-comments", type=int, default=20_000, help="moderation: comments checked per pass"
    )
    parser.add_argument("--search-products", type=int, default=100_000, help="search: product documents")
    parser.add_argument("--search-queries", type=int, default=1000, help="search: searches timed per engine")
    parser.add_argument("--feed-users", type=int, default=100_000, help="feed: users with candidates")
    parser.add_argument("--feed-items", type=int, default=50_000, help="feed: items")
    parser.add_argument("--webhook-events", type=int, default=2000, help="webhooks: events delivered")
    parser.add_argument(
        "--big-orders", type=int, default=10_000_000, help="hot_queries: orders over a year (PostgreSQL)"
    )
    parser.add_argument("--big-shops", type=int, default=10_000, help="hot_queries: shops")
    parser.add_argument("--feed-requests", type=int, default=20_000, help="feed: requests timed")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    choose_client(args.http_client)
    chosen = args.only or list(BENCHES)
    started = time.monotonic()
    with pg_server() as pg:
        if "place_order" in chosen:
            place_order.run(pg, n=args.orders, clients=args.clients, workers=args.serve_workers)
        if "late_ship_sweep" in chosen:
            late_ship_sweep.run(
                pg,
                n=args.sweep_orders,
                pg_n=args.pg_sweep_orders,
                batch=args.batch,
                threads=args.sweep_threads,
                deadline=started + args.time_budget,
            )
        if "score" in chosen:
            score.run(pg, shops=args.score_shops, orders=args.score_orders)
        if "flash_sale" in chosen:
            flash_sale.run(pg, units=args.flash_units, buyers=args.flash_buyers, workers=args.serve_workers)
        if "settlement" in chosen:
            settlement.run(pg, n=args.settlement_orders)
        if "live_fanout" in chosen:
            live_fanout.run(viewers=args.viewers, rate=args.comments_per_s, seconds=args.fanout_seconds)
        if "moderation" in chosen:
            moderation.run(comments=args.moderation_comments)
        if "search" in chosen:
            search.run(pg, products=args.search_products, n_queries=args.search_queries)
        if "webhooks" in chosen:
            webhooks.run(pg, n=args.webhook_events)
        if "hot_queries" in chosen:
            hot_queries.run(pg, n=args.big_orders, shops=args.big_shops)
    if "wishes" in chosen:
        wishes.run(n=args.wish_comments)
    if "feed" in chosen:
        feed.run(users=args.feed_users, items=args.feed_items, requests=args.feed_requests)
    say(f"bench: done in {time.monotonic() - started:.0f} s; results in bench/results/")


if __name__ == "__main__":
    main()
