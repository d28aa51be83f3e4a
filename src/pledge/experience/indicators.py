"""The experience-score measures as set-based SQL: one GROUP BY over a relation of order facts,
the same statement on SQLite, PostgreSQL and DuckDB (benchmarks), so that live orders, imported
histories (`pledge backtest --scores`) and the benchmark all use one definition.

An order-facts relation has the columns
    shop_id, order_id, paid_at, picked_up_at, delivered_at  (UTC timestamps)
    stars         the order's product rating (average of its line reviews), NULL if none
    first_reason  the reason of the order's FIRST after-sales request, NULL if none
    escalated     1 if the buyer escalated it to the platform, else 0
    helped        1 if the buyer asked the shop for help (after-sales or chat), else 0
    pickup_forced    1 if the order's pickup points are forced (fraudulent shipping, abnormal-
                     tracking compensation: experience.pickup-forced), else 0
    waybill_failed   1 if its waybill counts as not delivered on time whatever the scans say
                     (abnormal-tracking compensation: experience.delivery-not-met), else 0
    logistics_judged 1 if the merchant was judged or compensated for a logistics fault that
                     makes a logistics-quality return count (发货物流品退率), else 0
Time arithmetic runs on integer epoch seconds, so the night rules (paid 18:00-06:00 counts from
06:00) are plain integer expressions in every engine. Local time = UTC + the offset of the
rulebook's zone (platform time, Asia/Shanghai for douyin), never the shop's own zone."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Integer, and_, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from pledge.kernel.clock import ensure_utc
from pledge.rulebooks.loader import Rulebook

DAY = 86_400
LOOKBACK_S = 90 * DAY


class epoch(FunctionElement):
    """Whole seconds since 1970-01-01 UTC of a timestamp column."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch)
def _epoch_default(element, compiler, **kw):
    # date_part gives a double precision; EXTRACT gives numeric on PostgreSQL 14+, several times slower
    return f"CAST(FLOOR(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # unixepoch() (SQLite 3.38+) is about twice as fast as strftime('%s'); both truncate to the second
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({compiler.process(element.clauses, **kw)})"
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def _int(value: int) -> ColumnElement:
    return literal(int(value), Integer)


def night_start(at_s: ColumnElement, offset_s: int, from_hour: int, to_hour: int) -> ColumnElement:
    """When a clock that does not run at night starts: `at` itself by day; the next `to_hour`
    for times from `from_hour` (evening) or before `to_hour` (early morning), local time."""
    sod = (at_s + _int(offset_s)) % _int(DAY)
    start_s, end_s = from_hour * 3600, to_hour * 3600
    return case(
        (sod >= _int(start_s), at_s + (_int(DAY + end_s) - sod)),
        (sod < _int(end_s), at_s + (_int(end_s) - sod)),
        else_=at_s,
    )


def _not_negative(x: ColumnElement) -> ColumnElement:
    return case((x < 0, _int(0)), else_=x)


def _banded(x: ColumnElement, bands: list, otherwise: int) -> ColumnElement:
    return case(*[(x <= _int(limit), _int(points)) for limit, points in bands], else_=_int(otherwise))


@dataclass(frozen=True)
class Params:
    """The clause values the SQL needs, read once from the rulebook at a version date."""

    pickup_from_hour: int
    pickup_to_hour: int
    pickup_bands_s: list  # [[seconds, points], ...]
    pickup_otherwise: int
    route_s: int
    quality_reasons: tuple[str, ...]
    logistics_reasons: tuple[str, ...]
    damage_reasons: tuple[str, ...]
    logistics_judgements: tuple[str, ...] = ()  # compensation kinds that make a logistics return count
    pickup_forced_points: int | None = None  # per-order pickup points of a forced order
    pickup_forced_kinds: tuple[str, ...] = ()  # compensation kinds that force them
    waybill_failed_kinds: tuple[str, ...] = ()  # compensation kinds that fail the waybill

    @classmethod
    def of(cls, book: Rulebook, at) -> Params:
        night = {c.get("applies_to"): c for c in book.in_force("experience_night_rule", at)}["pickup"]
        pickup = book.one("experience_pickup_points", at)
        route = book.one("experience_route_standard", at)
        indicator = {}
        for code in ("quality_return_rate", "logistics_return_rate", "damage_return_rate"):
            # Every measure is taken under every version (a retired or a not-yet-effective
            # indicator keeps its definition), so the versions can be compared on one window:
            # the latest definition in force, else the first one announced.
            found = sorted(
                (
                    c
                    for c in book.clauses
                    if c.kind == "experience_indicator" and c.get("code") == code and c.get("reasons")
                ),
                key=lambda c: c.effective,
            )
            in_force = [c for c in found if c.effective <= _day(at)]
            indicator[code] = in_force[-1] if in_force else (found[0] if found else None)

        def reasons(code: str) -> tuple[str, ...]:
            clause = indicator[code]
            return tuple(clause.get("reasons")) if clause is not None else ()

        forced = [c for c in book.in_force("experience_pickup_forced", at) if not c.get("retired")]
        failed = book.in_force("experience_delivery_not_met", at)
        judged = indicator["logistics_return_rate"]
        return cls(
            night.get("from_hour"),
            night.get("to_hour"),
            [[h * 3600, p] for h, p in pickup.get("bands")],
            pickup.get("otherwise"),
            route.get("hours") * 3600,
            reasons("quality_return_rate"),
            reasons("logistics_return_rate"),
            reasons("damage_return_rate"),
            tuple(judged.get("judgements", ())) if judged else (),
            forced[0].get("points") if forced else None,
            tuple(forced[0].get("compensations")) if forced else (),
            tuple(failed[0].get("compensations")) if failed else (),
        )


def _day(at):
    return at.date() if isinstance(at, datetime) else at


class Exprs:
    """Per-order expressions over a facts relation `f`, shared by the aggregate and the
    per-order listings behind an indicator."""

    def __init__(self, f, params: Params, offset_s: int, since: datetime, until: datetime) -> None:
        self.f, self.p = f, params
        self.lo, self.hi = _int(int(ensure_utc(since).timestamp())), _int(int(ensure_utc(until).timestamp()))
        self.paid = epoch(f.c.paid_at)
        self.picked = epoch(f.c.picked_up_at)
        self.delivered = epoch(f.c.delivered_at)
        self.offset = offset_s
        self.pickup_s = _not_negative(
            self.picked - night_start(self.paid, offset_s, params.pickup_from_hour, params.pickup_to_hour)
        )
        self.pickup_points = _banded(self.pickup_s, params.pickup_bands_s, params.pickup_otherwise)
        if params.pickup_forced_points is not None:
            self.pickup_points = case(
                (f.c.pickup_forced == 1, _int(params.pickup_forced_points)), else_=self.pickup_points
            )
        self.due = self.picked + _int(params.route_s)  # when the waybill should be signed for

    def within(self, x: ColumnElement) -> ColumnElement:
        return and_(x >= self.lo, x < self.hi)

    @property
    def paid_in(self) -> ColumnElement:
        return self.within(self.paid)

    @property
    def delivered_in(self) -> ColumnElement:
        return and_(self.f.c.delivered_at.is_not(None), self.within(self.delivered))

    @property
    def picked_in(self) -> ColumnElement:
        return and_(self.f.c.picked_up_at.is_not(None), self.within(self.picked))

    @property
    def due_in(self) -> ColumnElement:
        return and_(self.f.c.picked_up_at.is_not(None), self.within(self.due))

    @property
    def on_time(self) -> ColumnElement:
        return and_(
            self.f.c.delivered_at.is_not(None), self.delivered <= self.due, self.f.c.waybill_failed == 0
        )

    def reason_in(self, reasons: tuple[str, ...]) -> ColumnElement:
        return self.f.c.first_reason.in_(reasons) if reasons else literal(False)

    @property
    def logistics_return(self) -> ColumnElement:
        """Paid in the window, first reason a logistics-quality one and, where the clause asks
        for it, judged or compensated (判责或赔付)."""
        judged = [self.f.c.logistics_judged == 1] if self.p.logistics_judgements else []
        return and_(self.paid_in, self.reason_in(self.p.logistics_reasons), *judged)

    @property
    def next_day(self) -> ColumnElement:
        """Signed for by 23:59:59 local of the day after payment (明日达)."""
        local_paid, local_delivered = self.paid + _int(self.offset), self.delivered + _int(self.offset)
        return (local_delivered - local_delivered % _int(DAY)) <= (
            local_paid - local_paid % _int(DAY) + _int(DAY)
        )


def count_where(cond: ColumnElement) -> ColumnElement:
    return func.sum(case((cond, 1), else_=0))


def sum_where(cond: ColumnElement, x: ColumnElement) -> ColumnElement:
    return func.sum(case((cond, x), else_=0))


MEASURES = (
    "paid_orders",
    "delivered",
    "rated",
    "rating_sum",
    "bad_reviews",
    "quality_returns",
    "picked",
    "pickup_seconds",
    "pickup_points",
    "due_waybills",
    "on_time",
    "logistics_returns",
    "damage_returns",
    "escalated_orders",
    "helped_orders",
    "next_day",
)


def aggregate(f, params: Params, *, offset_s: int, since: datetime, until: datetime, shop_ids=None):
    """One row per shop with every order-based measure over [since, until): a single scan."""
    e = Exprs(f, params, offset_s, since, until)
    rated = and_(e.delivered_in, f.c.stars.is_not(None))
    columns = [
        count_where(e.paid_in).label("paid_orders"),
        count_where(e.delivered_in).label("delivered"),
        count_where(rated).label("rated"),
        sum_where(rated, f.c.stars).label("rating_sum"),
        count_where(and_(rated, f.c.stars <= 2)).label("bad_reviews"),
        count_where(and_(e.delivered_in, e.reason_in(params.quality_reasons))).label("quality_returns"),
        count_where(e.picked_in).label("picked"),
        sum_where(e.picked_in, e.pickup_s).label("pickup_seconds"),
        sum_where(e.picked_in, e.pickup_points).label("pickup_points"),
        count_where(e.due_in).label("due_waybills"),
        count_where(and_(e.due_in, e.on_time)).label("on_time"),
        count_where(e.logistics_return).label("logistics_returns"),
        count_where(and_(e.paid_in, e.reason_in(params.damage_reasons))).label("damage_returns"),
        count_where(and_(e.paid_in, f.c.escalated == 1)).label("escalated_orders"),
        count_where(and_(e.paid_in, f.c.helped == 1)).label("helped_orders"),
        count_where(and_(e.delivered_in, e.next_day)).label("next_day"),
    ]
    # Orders paid after the window are unseen; orders paid more than LOOKBACK before it cannot
    # be picked up, delivered or due in it any more (presale longer than that is not scored).
    query = (
        select(f.c.shop_id, *columns)
        .where(e.paid < e.hi, e.paid >= e.lo - _int(LOOKBACK_S))
        .group_by(f.c.shop_id)
    )
    if shop_ids is not None:
        query = query.where(f.c.shop_id.in_(list(shop_ids)))
    return query


def rows_to_measures(rows) -> dict:
    return {
        row.shop_id: {
            k: (float(getattr(row, k)) if k == "rating_sum" else int(getattr(row, k) or 0)) for k in MEASURES
        }
        for row in rows
    }
