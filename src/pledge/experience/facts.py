"""Per-shop, per-day facts of the experience score (issue 19): the daily snapshot sums 30 rows
per shop of `experience_shop_day_facts` instead of scanning every order of the window.

A fact row holds, for one shop, one platform day (the rulebook's zone) and one rule version,
the additive measures of pledge.experience.indicators (counts and sums, never ratios), each on
the day its indicator keys on:
    paid day       paid_orders, logistics_returns, damage_returns, escalated_orders, helped_orders
    pickup day     picked, pickup_seconds, pickup_points
    delivery day   delivered, rated, rating_sum, bad_reviews, quality_returns, next_day
    due day        due_waybills, on_time   (pickup + the route standard)
    refund day     reviewed_cases, review_seconds   (售后平均审核时长: the refund completed)
so the sum of a window's 30 rows is the window's measure. The chat measures (rounds left
unanswered at the window's end, the shop's own zone), the shipping-insurance port and the
incidents are not per-day sums: the snapshot keeps reading them as before.

`refresh` brings the facts of the days asked for up to date, incrementally: a day never
computed is computed for every shop; a day computed before is recomputed only for the shops
and days that orders touched since the last refresh attribute to — an order is touched when one
of its rows (the order, its cases and case events, reviews, compensations, conversations) is new
(an id above the last refresh's highest) or carries a timestamp from `REFRESH_MARGIN` before
the last refresh on. A case filed today on an order paid 20 days ago thus recomputes the fact
row of that order's paid day (and its pickup, delivery and due days). Rows are written with
INSERT ... ON CONFLICT DO UPDATE of absolute values, never increments: a rerun or a concurrent
run writes the same rows once. What no id or timestamp shows (a timestamp corrected
backwards, rows imported with lower ids) needs `refresh(..., full=True)`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal_column, or_, select, union
from sqlalchemy.engine import Connection

from pledge.aftersales.tables import case_events, cases
from pledge.catalog.tables import shops
from pledge.chat.tables import conversations
from pledge.compensation.tables import compensations
from pledge.experience import indicators, policy, services
from pledge.experience.insurance import SHIPPING_INSURANCE_FROM_AFTERSALES, ShippingInsurance
from pledge.experience.tables import fact_runs, shop_day_facts
from pledge.kernel import jsonutil
from pledge.kernel.clock import ensure_utc, zone
from pledge.kernel.db import dialect_insert
from pledge.orders.tables import orders
from pledge.reviews.tables import reviews
from pledge.rulebooks.loader import Rulebook

REVIEW_MEASURES = ("reviewed_cases", "review_seconds")
FACT_MEASURES = indicators.MEASURES + REVIEW_MEASURES
# An engineering allowance, not a rule figure: rows committed by transactions that were still
# open when the last refresh read (their timestamps fall shortly before it) are looked at again.
REFRESH_MARGIN = timedelta(hours=1)
SOURCES = (orders, cases, case_events, reviews, compensations, conversations)
EPOCH = date(1970, 1, 1)
CHUNK = 500


def window_days(book: Rulebook, day: date) -> list[date]:
    """The platform days of the window of the score shown on `day` (services.window_for)."""
    scheme = book.one("experience_scheme", day)
    return [day - timedelta(days=back) for back in range(scheme.get("window_days"), 0, -1)]


def _bounds(book: Rulebook, first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the rulebook's zone, as UTC."""
    tz = zone(book.timezone)
    return (
        ensure_utc(datetime.combine(first, time(0), tz)),
        ensure_utc(datetime.combine(last + timedelta(days=1), time(0), tz)),
    )


def _day_number(seconds, offset_s: int):
    """The platform day (days since 1970-01-01, local) of an epoch-seconds expression; the
    constants are inlined so that the SELECT and the GROUP BY name the same expression."""
    return (seconds + literal_column(str(int(offset_s)))) // literal_column(str(indicators.DAY))


@dataclass(frozen=True)
class Scope:
    """What one recomputation reads: the version's clauses, the days' bounds, maybe some shops."""

    book: Rulebook
    vday: date
    since: datetime
    until: datetime
    shop_ids: list[int] | None = None

    @property
    def offset_s(self) -> int:
        return services.platform_offset(self.book, self.until)


def _order_groups(scope: Scope) -> list:
    params = indicators.Params.of(scope.book, scope.vday)
    o = orders.c
    paid_range = [
        o.paid_at >= scope.since - timedelta(seconds=indicators.LOOKBACK_S),
        o.paid_at < scope.until,
    ]
    shops_only = [] if scope.shop_ids is None else [o.shop_id.in_(scope.shop_ids)]
    f = services.order_facts(params, *paid_range, *shops_only)
    return day_groups(
        f, params, offset_s=scope.offset_s, since=scope.since, until=scope.until, shop_ids=scope.shop_ids
    )


def day_groups(
    f, params: indicators.Params, *, offset_s: int, since: datetime, until: datetime, shop_ids=None
) -> list:
    """Over an order-facts relation `f` (see indicators): one GROUP BY shop, platform day per
    timestamp an indicator keys on, the days of [since, until); columns shop_id, day_number
    (days since 1970-01-01, local) and the measures keyed on that timestamp."""
    e = indicators.Exprs(f, params, offset_s, since, until)
    count, total = indicators.count_where, indicators.sum_where
    rated = f.c.stars.is_not(None)
    yes = literal_column("1") == literal_column("1")
    groups = [
        (
            e.paid,
            e.paid_in,
            {
                "paid_orders": count(yes),
                "logistics_returns": count(e.logistics_return),
                "damage_returns": count(e.reason_in(params.damage_reasons)),
                "escalated_orders": count(f.c.escalated == 1),
                "helped_orders": count(f.c.helped == 1),
            },
        ),
        (e.picked, e.picked_in, {"picked": count(yes), "pickup_seconds": total(yes, e.pickup_s)}),
        (e.due, e.due_in, {"due_waybills": count(yes), "on_time": count(e.on_time)}),
        (
            e.delivered,
            e.delivered_in,
            {
                "delivered": count(yes),
                "rated": count(rated),
                "rating_sum": total(rated, f.c.stars),
                "bad_reviews": count(and_(rated, f.c.stars <= 2)),
                "quality_returns": count(e.reason_in(params.quality_reasons)),
                "next_day": count(e.next_day),
            },
        ),
    ]
    groups[1][2]["pickup_points"] = total(yes, e.pickup_points)
    out = []
    for key_s, within, columns in groups:
        day = _day_number(key_s, offset_s)
        # Like the full scan's look-back: an event counts when the order was paid at most
        # LOOKBACK_S before the start of the event's platform day.
        day_start = day * literal_column(str(indicators.DAY)) - literal_column(str(offset_s))
        query = (
            select(f.c.shop_id, day.label("day_number"), *[c.label(k) for k, c in columns.items()])
            .where(within, e.paid < e.hi, e.paid >= day_start - literal_column(str(indicators.LOOKBACK_S)))
            .group_by(f.c.shop_id, day)
        )
        if shop_ids is not None:
            query = query.where(f.c.shop_id.in_(list(shop_ids)))
        out.append(query)
    return out


def _review_group(scope: Scope):
    """售后平均审核时长 by the platform day the refund completed (services.review_scope)."""
    clause = services.review_clause(scope.book, scope.vday)
    if clause is None:
        return None
    raw = services.review_seconds(scope.book, scope.vday, scope.until)
    seconds = case((raw < 0, 0), else_=raw)
    day = _day_number(indicators.epoch(cases.c.closed_at), scope.offset_s)
    query = (
        select(
            cases.c.shop_id,
            day.label("day_number"),
            func.count().label("reviewed_cases"),
            func.sum(seconds).label("review_seconds"),
        )
        .where(*services.review_scope(clause, scope.since, scope.until))
        .group_by(cases.c.shop_id, day)
    )
    if scope.shop_ids is not None:
        query = query.where(cases.c.shop_id.in_(scope.shop_ids))
    return query


def compute(conn: Connection, scope: Scope) -> dict[tuple[int, date], dict]:
    """The fact rows of the scope's days (and shops): {(shop_id, day): measures}."""
    queries = _order_groups(scope)
    review = _review_group(scope)
    if review is not None:
        queries.append(review)
    return rows_of(conn.execute(query).mappings() for query in queries)


def rows_of(results) -> dict[tuple[int, date], dict]:
    """{(shop_id, day): measures} from the rows of `day_groups`-shaped statements."""
    out: dict[tuple[int, date], dict] = {}
    for rows in results:
        for row in rows:
            key = (row["shop_id"], EPOCH + timedelta(days=int(row["day_number"])))
            measures = out.setdefault(key, _zeros())
            for name, value in row.items():
                if name in measures:
                    measures[name] = float(value or 0) if name == "rating_sum" else int(value or 0)
    return out


def _zeros() -> dict:
    return {name: 0.0 if name == "rating_sum" else 0 for name in FACT_MEASURES}


def _write(conn: Connection, version: str, rows: dict[tuple[int, date], dict], at: datetime) -> None:
    """Upsert absolute values in key order (concurrent writers lock rows in the same order)."""
    values = [
        {"shop_id": shop_id, "day": day, "version": version, **m, "refreshed_at": at}
        for (shop_id, day), m in sorted(rows.items())
    ]
    insert = dialect_insert(conn)
    for lo in range(0, len(values), CHUNK):
        stmt = insert(shop_day_facts).values(values[lo : lo + CHUNK])
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["shop_id", "day", "version"],
                set_={name: stmt.excluded[name] for name in (*FACT_MEASURES, "refreshed_at")},
            )
        )


def _marks(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.execute(select(func.max(t.c.id))).scalar() or 0) for t in SOURCES}


def _touched_orders(marks: dict[str, int], after: datetime):
    """The ids of orders with a row new since `marks` or a timestamp from `after` on."""

    def new_or_since(table, *stamps):
        return or_(table.c.id > marks.get(table.name, 0), *[s >= after for s in stamps])

    o, c, ev, r = orders.c, cases.c, case_events.c, reviews.c
    return union(
        select(o.id).where(new_or_since(orders, o.paid_at, o.shipped_at, o.picked_up_at, o.delivered_at)),
        select(c.order_id).where(new_or_since(cases, c.created_at, c.decided_at, c.closed_at)),
        select(c.order_id).join(case_events, ev.case_id == c.id).where(new_or_since(case_events, ev.at)),
        select(r.order_id).where(new_or_since(reviews, r.created_at, r.edited_at, r.moderated_at)),
        select(compensations.c.order_id).where(new_or_since(compensations, compensations.c.created_at)),
        select(conversations.c.order_id).where(
            conversations.c.order_id.is_not(None), new_or_since(conversations, conversations.c.created_at)
        ),
    ).subquery("touched")


def dirty_pairs(conn: Connection, book: Rulebook, vday: date, marks: dict[str, int], after: datetime) -> set:
    """(shop_id, day) of every day a touched order's measures sit on: paid, pickup, delivery,
    waybill due, and the completion day of its refunded cases."""
    tz = zone(book.timezone)
    route = timedelta(seconds=indicators.Params.of(book, vday).route_s)
    touched = _touched_orders(marks, after)
    pairs: set[tuple[int, date]] = set()
    o = orders.c
    for row in conn.execute(
        select(o.shop_id, o.paid_at, o.picked_up_at, o.delivered_at).where(o.id.in_(select(touched)))
    ):
        due = row.picked_up_at + route if row.picked_up_at is not None else None
        for at in (row.paid_at, row.picked_up_at, row.delivered_at, due):
            if at is not None:
                pairs.add((row.shop_id, at.astimezone(tz).date()))
    closed = select(cases.c.shop_id, cases.c.closed_at).where(
        cases.c.order_id.in_(select(touched)), cases.c.closed_at.is_not(None)
    )
    for shop_id, closed_at in conn.execute(closed):
        pairs.add((shop_id, closed_at.astimezone(tz).date()))
    return pairs


def _recompute_pairs(conn: Connection, book: Rulebook, vday: date, pairs: set) -> dict:
    """The fact rows of `pairs` (zeros where nothing is left), shops taken in chunks."""
    shops = sorted({shop for shop, _day in pairs})
    out: dict[tuple[int, date], dict] = {}
    for lo in range(0, len(shops), CHUNK):
        chunk = set(shops[lo : lo + CHUNK])
        mine = [key for key in pairs if key[0] in chunk]
        since, until = _bounds(book, min(d for _s, d in mine), max(d for _s, d in mine))
        found = compute(conn, Scope(book, vday, since, until, sorted(chunk)))
        out.update({key: found.get(key, _zeros()) for key in mine})
    return out


def refresh(
    conn: Connection, book: Rulebook, vday: date, days: Iterable[date], *, at: datetime, full: bool = False
) -> int:
    """Bring the facts of `days` (and of the days already covered) up to date under the version
    of `vday`; returns the number of fact rows written. Idempotent."""
    days = sorted(days)
    version = vday.isoformat()
    marks = _marks(conn)  # read first: whatever commits after this is new to the next refresh
    run = conn.execute(select(fact_runs).where(fact_runs.c.version == version)).first()
    first, last = days[0], days[-1]
    if run is not None:
        first, last = min(first, run.first_day), max(last, run.last_day)
    if run is None or full:
        rows = compute(conn, Scope(book, vday, *_bounds(book, first, last)))
    else:
        after = run.refreshed_at - REFRESH_MARGIN
        pairs = dirty_pairs(conn, book, vday, jsonutil.loads(run.marks), after)
        rows = _recompute_pairs(conn, book, vday, {p for p in pairs if run.first_day <= p[1] <= run.last_day})
        for lo, hi in _uncovered(first, last, run.first_day, run.last_day):
            rows.update(compute(conn, Scope(book, vday, *_bounds(book, lo, hi))))
    _write(conn, version, rows, at)
    _record_run(conn, version, first, last, at, marks)
    return len(rows)


def _uncovered(first: date, last: date, lo: date, hi: date) -> list[tuple[date, date]]:
    """The parts of [first, last] outside [lo, hi] (which lies inside it)."""
    out = []
    if first < lo:
        out.append((first, lo - timedelta(days=1)))
    if last > hi:
        out.append((hi + timedelta(days=1), last))
    return out


def _record_run(
    conn: Connection, version: str, first: date, last: date, at: datetime, marks: dict[str, int]
) -> None:
    values = {"first_day": first, "last_day": last, "refreshed_at": at, "marks": jsonutil.dumps(marks)}
    stmt = dialect_insert(conn)(fact_runs).values(version=version, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["version"], set_=values))


def window_query(table, version: str, first: date, last: date):
    """Each shop's sums of the fact rows of [first, last] in a facts-shaped `table`."""
    f = table.c
    return (
        select(f.shop_id, *[func.sum(f[name]).label(name) for name in FACT_MEASURES])
        .where(f.version == version, f.day >= first, f.day <= last)
        .group_by(f.shop_id)
    )


def window_measures(conn: Connection, book: Rulebook, vday: date, day: date) -> dict[int, dict]:
    """Every shop's additive measures over the window of the score shown on `day`: the sums of
    its fact rows (refresh them first)."""
    days = window_days(book, day)
    query = window_query(shop_day_facts, vday.isoformat(), days[0], days[-1])
    return {
        row["shop_id"]: {
            name: float(row[name] or 0) if name == "rating_sum" else int(row[name] or 0)
            for name in FACT_MEASURES
        }
        for row in conn.execute(query).mappings()
    }


def measure(
    conn: Connection,
    book: Rulebook,
    day: date,
    *,
    at: datetime,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> dict[int, dict]:
    """What services.measure answers for every shop, the additive measures summed from the
    per-day facts, brought up to date first (incrementally)."""
    vday = policy.version_day(book, None, day)
    refresh(conn, book, vday, window_days(book, day), at=at)
    ids = list(conn.execute(select(shops.c.id)).scalars())
    summed = window_measures(conn, book, vday, day)
    return services.with_the_rest(conn, book, vday, day, ids, insurance, [summed], None)
