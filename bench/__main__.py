"""`make bench`: every benchmark in turn, sharing one PostgreSQL server."""
from __future__ import annotations

import argparse
import time

from bench import late_ship_sweep, pg_server, place_order, say

BENCHES = ("place_order", "late_ship_sweep")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--orders", type=int, default=2000, help="place_order: orders per database and per method")
    parser.add_argument("--clients", type=int, default=8, help="place_order: concurrent client threads")
    parser.add_argument("--sweep-orders", type=int, default=100_000, help="late_ship_sweep: overdue orders on SQLite")
    parser.add_argument("--pg-sweep-orders", type=int, default=None,
                        help="late_ship_sweep: overdue orders on PostgreSQL (default: as many as on SQLite, "
                             "fewer if the run is short of time)")
    parser.add_argument("--batch", type=int, default=500, help="late_ship_sweep: batch size passed to sweep_late_ship")
    parser.add_argument("--time-budget", type=float, default=420.0,
                        help="seconds the whole run aims to stay under (the PostgreSQL sweep shrinks to fit)")
    args = parser.parse_args()
    chosen = args.only or list(BENCHES)
    started = time.monotonic()
    with pg_server() as pg:
        if "place_order" in chosen:
            place_order.run(pg, n=args.orders, clients=args.clients)
        if "late_ship_sweep" in chosen:
            late_ship_sweep.run(pg, n=args.sweep_orders, pg_n=args.pg_sweep_orders, batch=args.batch,
                                deadline=started + args.time_budget)
    say(f"bench: done in {time.monotonic() - started:.0f} s; results in bench/results/")


if __name__ == "__main__":
    main()
