"""Score indicators of an imported order history (`pledge backtest --scores`): the CSV rows go
into an in-memory SQLite table shaped as order facts, and the same aggregate statement and
the same evaluation as the live score run over it (pledge.experience.indicators, .policy).
The window is the 30 whole platform days (the rulebook's zone) up to and including the day of
`as_of`; rows carry no chat or after-sales review times, so the service indicators without data
are left out, and no compensations, so no order is forced to 50 pickup points or a failed
waybill and no logistics-quality return is judged (发货物流品退率 counts only returns "判责或赔付")."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table, create_engine

from pledge.experience import indicators, policy
from pledge.experience.services import platform_offset, window_for
from pledge.history.csvfile import HistoryOrder
from pledge.kernel.clock import local_time
from pledge.kernel.db import UtcDateTime
from pledge.rulebooks.loader import Rulebook

_meta = MetaData()
_facts = Table(
    "history_facts",
    _meta,
    Column("shop_key", String(100)),
    Column("shop_id", BigInteger),
    Column("order_id", BigInteger),
    Column("paid_at", UtcDateTime()),
    Column("picked_up_at", UtcDateTime()),
    Column("delivered_at", UtcDateTime()),
    Column("stars", Float),
    Column("first_reason", String(20)),
    Column("escalated", Integer),
    Column("helped", Integer),
    Column("pickup_forced", Integer),
    Column("waybill_failed", Integer),
    Column("logistics_judged", Integer),
)


def history_scores(
    book: Rulebook, orders: list[HistoryOrder], *, as_of: datetime, rules_at: datetime
) -> dict[str, dict]:
    day = local_time(as_of, book.timezone).date() + timedelta(days=1)
    vday = policy.version_day(book, None, local_time(rules_at, book.timezone).date())
    since, until = window_for(book, day)
    shops = {key: n for n, key in enumerate(sorted({o.shop_id for o in orders}), start=1)}
    engine = create_engine("sqlite://")
    try:
        _meta.create_all(engine)
        with engine.begin() as conn:
            if orders:
                conn.execute(
                    _facts.insert(),
                    [
                        {
                            "shop_key": o.shop_id,
                            "shop_id": shops[o.shop_id],
                            "order_id": n,
                            "paid_at": o.paid_at,
                            "picked_up_at": o.picked_up_at,
                            "delivered_at": o.delivered_at,
                            "stars": o.review_score,
                            "first_reason": o.after_sale or None,
                            "escalated": 0,
                            "helped": 1 if o.after_sale else 0,
                            "pickup_forced": 0,
                            "waybill_failed": 0,
                            "logistics_judged": 0,
                        }
                        for n, o in enumerate(orders, start=1)
                    ],
                )
            rows = conn.execute(
                indicators.aggregate(
                    _facts,
                    indicators.Params.of(book, vday),
                    offset_s=platform_offset(book, until),
                    since=since,
                    until=until,
                )
            )
            measures = indicators.rows_to_measures(rows)
    finally:
        engine.dispose()
    out = {}
    for key, n in shops.items():
        result = policy.evaluate(book, vday, measures.get(n, {}))
        out[key] = {
            "version": result.version,
            "stage": result.stage,
            "score": result.score,
            "shown": result.shown,
            "window": [since.isoformat(), until.isoformat()],
            "indicators": {i.code: {"value": i.value, "points": i.points} for i in result.indicators},
        }
    return out
