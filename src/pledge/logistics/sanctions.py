"""Sanctions from daily late rates (douyin:aJoPPkWZ7VQM 2.2): a product banned from sale, a
shop limited to 100 or 0 orders a day for 7 days; lifted the day after the late orders that
existed before the sanction are all picked up. Computed once a day (the sanction_runs row of
the day is the claim, so several workers compute it once) and enforced at checkout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products
from pledge.kernel import jsonutil
from pledge.kernel.clock import local_time
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import Conflict
from pledge.logistics.policy import DayRate, day_bounds, next_local_midnight, sanction_reason
from pledge.logistics.tables import sanction_runs, sanctions
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook


class SalesRestricted(Conflict):
    code = "sales_restricted"
    title = "Sales restricted by a sanction"


@dataclass
class SanctionResult:
    days: int = 0
    applied: int = 0
    lifted: int = 0


def _late():
    """An order due that day is late unless the carrier picked it up by its ship-by time."""
    return case((orders.c.picked_up_at.is_(None) | (orders.c.picked_up_at > orders.c.ship_by), 1), else_=0)


def _counted():
    return [orders.c.paid_at.is_not(None), orders.c.status != OrderStatus.CANCELLED.value]


def day_rates(
    conn: Connection, day: date, tz: str
) -> tuple[dict[int, DayRate], dict[tuple[int, int], DayRate]]:
    """Per shop and per (shop, product): orders due that day and how many of them were late."""
    start, end = day_bounds(day, tz)
    o = orders.c
    in_day = [o.ship_by >= start, o.ship_by < end, *_counted()]
    shops = {
        r.shop_id: DayRate(int(r.due), int(r.late))
        for r in conn.execute(
            select(o.shop_id, func.count().label("due"), func.sum(_late()).label("late"))
            .where(*in_day)
            .group_by(o.shop_id)
        )
    }
    lines = select(order_lines.c.order_id, order_lines.c.product_id).distinct().subquery()
    per_product = {
        (r.shop_id, r.product_id): DayRate(int(r.due), int(r.late))
        for r in conn.execute(
            select(o.shop_id, lines.c.product_id, func.count().label("due"), func.sum(_late()).label("late"))
            .join(lines, lines.c.order_id == o.id)
            .where(*in_day)
            .group_by(o.shop_id, lines.c.product_id)
        )
    }
    return shops, per_product


def _by_subject(
    rates: tuple[dict[int, DayRate], dict[tuple[int, int], DayRate]], *, per_shop: bool
) -> dict[tuple[int, int | None], DayRate]:
    """A day's rates keyed by (shop, product), the product None for a shop-wide clause."""
    by_shop, by_product = rates
    if per_shop:
        return {(shop_id, None): rate for shop_id, rate in by_shop.items()}
    return {(shop_id, product_id): rate for (shop_id, product_id), rate in by_product.items()}


def _apply_day(conn: Connection, book: Rulebook, day: date, now: datetime) -> int:
    clauses = book.in_force("late_sanction", day)
    if not clauses:
        return 0
    tz = book.timezone
    running = max(c.get("days_running", 1) for c in clauses)
    rates = {day - timedelta(days=i): day_rates(conn, day - timedelta(days=i), tz) for i in range(running)}
    starts_at = day_bounds(day, tz)[1]
    rows = []
    for clause in clauses:
        days = [day - timedelta(days=i) for i in reversed(range(clause.get("days_running", 1)))]
        per_shop = clause.get("scope") == "shop"
        for shop_id, product_id in _by_subject(rates[day], per_shop=per_shop):
            series = [
                (d, _by_subject(rates[d], per_shop=per_shop).get((shop_id, product_id), DayRate(0, 0)))
                for d in days
            ]
            if not all(r.meets(clause) for _, r in series):
                continue
            reason, reason_zh = sanction_reason(clause, series)
            duration = clause.get("duration_days")
            rows.append(
                {
                    "idempotency_key": f"sanction:{clause.id}:{shop_id}:{product_id or 0}:{day.isoformat()}",
                    "shop_id": shop_id,
                    "product_id": product_id,
                    "kind": clause.get("sanction"),
                    "daily_limit": clause.get("daily_limit"),
                    "timezone": tz,
                    "basis_day": day,
                    "rulebook": book.name,
                    "rulebook_version": book.version,
                    "clause_id": clause.id,
                    "clause_source": clause.source,
                    "reason": reason,
                    "reason_zh": reason_zh,
                    "inputs": jsonutil.dumps(
                        {
                            "days": [{"day": d, "due": r.due, "late": r.late} for d, r in series],
                            "min_rate_bp": clause.get("min_rate_bp"),
                            "min_late": clause.get("min_late"),
                        }
                    ),
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(days=duration) if duration else None,
                    "created_at": now,
                }
            )
    if not rows:
        return 0
    return len(
        conn.execute(
            dialect_insert(conn)(sanctions)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(sanctions.c.id),
            rows,
        ).all()
    )


def _backlog_filter(sanction):
    """Orders late before the sanction started, of its shop (and product)."""
    o = orders.c
    where = [
        o.shop_id == sanction.shop_id,
        o.ship_by < sanction.starts_at,
        *_counted(),
        o.picked_up_at.is_(None) | (o.picked_up_at > o.ship_by),
    ]
    if sanction.product_id is not None:
        where.append(
            o.id.in_(select(order_lines.c.order_id).where(order_lines.c.product_id == sanction.product_id))
        )
    return where


def _lift(conn: Connection, now: datetime) -> int:
    """Sanctions whose backlog has all been picked up are lifted at the next local midnight
    after the last pickup (and not before a day of the sanction has run)."""
    s = sanctions.c
    lifted = 0
    active = conn.execute(
        select(sanctions).where(
            s.lifted_at.is_(None), s.starts_at <= now, s.ends_at.is_(None) | (s.ends_at > now)
        )
    ).all()
    for sanction in active:
        where = _backlog_filter(sanction)
        waiting, last = conn.execute(
            select(
                func.sum(case((orders.c.picked_up_at.is_(None), 1), else_=0)), func.max(orders.c.picked_up_at)
            ).where(*where)
        ).one()
        if waiting:
            continue
        lift_at = next_local_midnight(max(last or sanction.starts_at, sanction.starts_at), sanction.timezone)
        lifted += conn.execute(
            sanctions.update().where(s.id == sanction.id, s.lifted_at.is_(None)).values(lifted_at=lift_at)
        ).rowcount
    return lifted


def evaluate_sanctions(uow, book: Rulebook, clock) -> SanctionResult:
    """The daily step: yesterday's late rates (and the day before's, if no worker ran then)
    make sanctions; sanctions whose backlog has been picked up are lifted. Idempotent."""
    result = SanctionResult()
    now = clock.now()
    today = local_time(now, book.timezone).date()
    for day in (today - timedelta(days=2), today - timedelta(days=1)):
        with uow.begin() as conn:
            won = conn.execute(
                dialect_insert(conn)(sanction_runs)
                .on_conflict_do_nothing(index_elements=["day"])
                .returning(sanction_runs.c.day),
                {"day": day, "ran_at": now},
            ).first()
            if won is None:
                continue
            result.days += 1
            result.applied += _apply_day(conn, book, day, now)
            result.lifted += _lift(conn, now)
    return result


def _active(at: datetime | ColumnElement[datetime]):
    s = sanctions.c
    return [
        s.starts_at <= at,
        s.ends_at.is_(None) | (s.ends_at > at),
        s.lifted_at.is_(None) | (s.lifted_at > at),
    ]


def may_refuse_sale(
    shop_id: ColumnElement[int], product_id: ColumnElement[int], at: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """assert_can_sell's probe (catalog.guards.Probed): a sanction of the shop is active at `at`."""
    return select(sanctions.c.id).where(sanctions.c.shop_id == shop_id, *_active(at)).exists()


def assert_can_sell(conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None:
    """A SaleGuard for checkout: a banned product or a shop at its daily order limit cannot be
    bought (409)."""
    if not shop_products:
        return
    s = sanctions.c
    query = select(sanctions).where(s.shop_id.in_(list(shop_products)), *_active(at)).order_by(s.id)
    found = conn.execute(query).all()
    for sanction in found:
        if sanction.kind == "product_ban" and sanction.product_id in shop_products[sanction.shop_id]:
            title = conn.execute(
                select(products.c.title).where(products.c.id == sanction.product_id)
            ).scalar()
            raise SalesRestricted(
                f"{title} is banned from sale until the shop's late orders are shipped: {sanction.reason}",
                sanction_id=sanction.id,
                clause_id=sanction.clause_id,
            )
    limits = [x for x in found if x.kind == "order_limit"]
    for shop_id in sorted({x.shop_id for x in limits}):
        binding = min((x for x in limits if x.shop_id == shop_id), key=lambda x: (x.daily_limit, x.id))
        if conn.dialect.name == "postgresql":  # checkouts of a limited shop take turns, so the count holds
            conn.execute(select(s.id).where(s.id == binding.id).with_for_update())
        day_start = day_bounds(local_time(at, binding.timezone).date(), binding.timezone)[0]
        taken = conn.execute(
            select(func.count())
            .select_from(orders)
            .where(
                orders.c.shop_id == shop_id,
                orders.c.created_at >= day_start,
                orders.c.status != OrderStatus.CANCELLED.value,
            )
        ).scalar_one()
        if taken >= binding.daily_limit:
            until = binding.ends_at.isoformat(timespec="minutes") if binding.ends_at else "further notice"
            what = (
                "takes no orders"
                if binding.daily_limit == 0
                else f"takes at most {binding.daily_limit} orders a day"
            )
            raise SalesRestricted(
                f"this shop {what} until {until} ({taken} today): {binding.reason}",
                sanction_id=binding.id,
                clause_id=binding.clause_id,
            )


def shop_sanctions(conn: Connection, actor: Actor, shop_id: int, *, now: datetime) -> dict:
    """The merchant's view: every sanction with its reason and clause, active ones first."""
    require_shop(actor, shop_id, read_only=True)
    s = sanctions.c
    rows = conn.execute(
        select(sanctions, products.c.title.label("product_title"))
        .outerjoin(products, products.c.id == s.product_id)
        .where(s.shop_id == shop_id)
        .order_by(s.id.desc())
        .limit(200)
    ).all()
    items = []
    for r in rows:
        item = dict(r._mapping, inputs=jsonutil.loads(r.inputs))
        item["active"] = (
            r.starts_at <= now
            and (r.ends_at is None or now < r.ends_at)
            and (r.lifted_at is None or now < r.lifted_at)
        )
        items.append(item)
    items.sort(key=lambda i: not i["active"])
    return {"items": items, "active": [i for i in items if i["active"]]}


def active_for_shop(conn: Connection, shop_id: int, *, at: datetime) -> list[dict]:
    """A shop's sanctions in force at `at` (public: the buyer sees why an order is refused)."""
    s = sanctions.c
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(
                s.id,
                s.kind,
                s.daily_limit,
                s.product_id,
                s.clause_id,
                s.clause_source,
                s.reason,
                s.reason_zh,
                s.ends_at,
                products.c.title.label("product_title"),
            )
            .outerjoin(products, products.c.id == s.product_id)
            .where(s.shop_id == shop_id, *_active(at))
            .order_by(s.id)
        )
    ]
