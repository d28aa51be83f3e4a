"""Frozen proceeds (冻结货款): a freeze moves a shop's money into shop:{id}:frozen, where it is
neither pending settlement nor payable, and back when it is released. Three rules freeze:

- every late-ship sanction freezes the violating (late) orders' proceeds 7 days
  (douyin:aJoPPkWZ7VQM 2.2, `freeze.late-ship`): each order's pending proceeds move
  proceeds → frozen (`freeze:late-ship:{order_id}`) and the order does not settle until released;
- out-of-stock violations, counted per calendar year (douyin:aHwHGWzbmk88 2.2,
  `freeze.out-of-stock`): a day with > 30 % and ≥ 30 orders judged out of stock freezes twice
  those orders' settlement amount (min 1 000 yuan) for 1, 1, 3, 5, 7 days, from the 6th twice
  the last 7 days' settled proceeds for 7 days;
- fraudulent shipping (douyin:aJo44CiDDaqb 3.2, `freeze.fraudulent-shipping`): ≥ 3 such orders
  in a day are one violation; twice the violating products' last 30 days' settlement amount
  (min 1 000 yuan) is frozen and settlement stops, 30 days (180 from the 4th violation).

An amount freeze takes what the available balance holds and the rest as later proceeds settle;
an order freeze follows its order's entries; each move is `freeze:{key}` then `freeze:{key}:{n}`.
Payouts never pay what a freeze holds or still waits for. Release moves the frozen
amount back where it came from once (`release:{key}`), claimed by a conditional update and, on
PostgreSQL, rows locked with SKIP LOCKED, so concurrent workers release each freeze once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.engine import Connection

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import refunds
from pledge.compensation.tables import compensations
from pledge.kernel import jsonutil
from pledge.kernel.clock import local_time
from pledge.kernel.db import claim_batch, dialect_insert
from pledge.ledger import services as ledger
from pledge.logistics.policy import day_bounds
from pledge.logistics.tables import sanctions
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.settlement.accounts import available, frozen, lock_shop
from pledge.settlement.policy import clauses_at
from pledge.settlement.tables import entries, fee_orders, freeze_runs, freezes

LATE_SHIP, OUT_OF_STOCK, FRAUD = "late_ship", "out_of_stock", "fraudulent_shipping"
SOURCES = {"proceeds": ledger.shop_proceeds, "available": available}


def _clause(book: Rulebook, kind: str, at: datetime) -> Clause | None:
    found = clauses_at(book, kind, at)
    return found[0] if found else None


def releases_at(book: Rulebook, basis_day: date, days: int) -> datetime:
    """N days from 00:00 after the day of the violation (freeze.counting, a Pledge default)."""
    return day_bounds(basis_day, book.timezone)[1] + timedelta(days=days)


def _claim(conn: Connection, key: str, now: datetime) -> bool:
    return (
        conn.execute(
            dialect_insert(conn)(freeze_runs)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(freeze_runs.c.key),
            {"key": key, "ran_at": now},
        ).first()
        is not None
    )


def _row(book: Rulebook, clause: Clause, **values) -> dict:
    return {
        "rulebook": book.name,
        "rulebook_version": book.version,
        "clause_id": clause.id,
        "clause_source": clause.source,
        "frozen_fen": 0,
        "moves": 0,
        "stops_settlement": False,
        "violation_no": None,
        **values,
    }


# ------------------------------------------------------------------ late-ship sanctions: the orders


def _violating_orders(conn: Connection, sanction, tz: str) -> list[int]:
    """The sanction's late orders: due on its basis day(s), paid, not cancelled, not picked up in time."""
    days = [
        date.fromisoformat(d["day"]) for d in (jsonutil.loads(sanction.inputs) or {}).get("days", [])
    ] or [sanction.basis_day]
    o = orders.c
    windows = [and_(o.ship_by >= day_bounds(d, tz)[0], o.ship_by < day_bounds(d, tz)[1]) for d in days]
    query = select(o.id).where(
        o.shop_id == sanction.shop_id,
        o.paid_at.is_not(None),
        o.status != OrderStatus.CANCELLED.value,
        o.picked_up_at.is_(None) | (o.picked_up_at > o.ship_by),
        or_(*windows),
    )
    if sanction.product_id is not None:
        query = query.where(
            o.id.in_(select(order_lines.c.order_id).where(order_lines.c.product_id == sanction.product_id))
        )
    return list(conn.execute(query.order_by(o.id)).scalars())


def _pending_of(conn: Connection, order_ids: list[int]) -> dict[int, int]:
    """Each order's pending proceeds: the net of its entries not settled yet."""
    if not order_ids:
        return {}
    e = entries.c
    return {
        r.order_id: int(r.net)
        for r in conn.execute(
            select(e.order_id, func.sum(e.amount_fen).label("net"))
            .where(e.order_id.in_(order_ids), e.settled_at.is_(None))
            .group_by(e.order_id)
        )
    }


def freeze_sanctioned_orders(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 50) -> int:
    """Sanctions not handled yet: claim each, then freeze each violating order once. Returns orders frozen."""
    s = sanctions.c
    handled = exists().where(freeze_runs.c.key == literal("sanction:") + cast(s.id, String))
    done = 0
    for sanction in conn.execute(select(sanctions).where(~handled).order_by(s.id).limit(batch)).all():
        if not _claim(conn, f"sanction:{sanction.id}", now):
            continue
        clause = _clause(book, "freeze_late_ship", sanction.starts_at)
        if clause is None:  # a sanction from before any freeze clause: nothing to freeze, looked at once
            continue
        order_ids = _violating_orders(conn, sanction, book.timezone)
        pending = _pending_of(conn, order_ids)
        until = releases_at(book, sanction.basis_day, int(clause.get("days")))
        rows = [
            _row(
                book,
                clause,
                idempotency_key=f"late-ship:{o}",
                shop_id=sanction.shop_id,
                order_id=o,
                cause=LATE_SHIP,
                source_account="proceeds",
                target_fen=max(pending.get(o, 0), 0),
                basis_day=sanction.basis_day,
                reason=f"order {o} shipped late on {sanction.basis_day.isoformat()} and the shop was "
                "sanctioned "
                f"({sanction.clause_id}): its proceeds are frozen {clause.get('days')} days",
                reason_zh=f"订单{o}于{sanction.basis_day.isoformat()}发货超时，店铺受到发货超时处置，"
                f"违规订单货款冻结{clause.get('days')}天",
                inputs=jsonutil.dumps({"sanction_id": sanction.id, "sanction_clause": sanction.clause_id}),
                starts_at=now,
                releases_at=until,
                created_at=now,
            )
            for o in order_ids
        ]
        done += _insert_and_take(conn, rows, now)
    return done


def _insert_and_take(conn: Connection, rows: list[dict], now: datetime) -> int:
    """Insert freeze rows (a key already there is skipped) and move the money of the ones won."""
    if not rows:
        return 0
    won = conn.execute(
        dialect_insert(conn)(freezes)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(freezes.c.id),
        rows,
    ).all()
    for row in conn.execute(
        select(freezes).where(freezes.c.id.in_([w.id for w in won])).order_by(freezes.c.id)
    ):
        _take(conn, row, now)
    return len(won)


def _take(conn: Connection, row, now: datetime) -> int:
    """Move what the freeze still waits for: an order freeze its order's pending proceeds, an
    amount freeze as much of its target as the available balance holds."""
    if row.source_account == "proceeds":
        return _move(conn, row, row.target_fen - row.frozen_fen, row.target_fen, now)
    lock_shop(conn, row.shop_id)
    amount = min(row.target_fen - row.frozen_fen, max(ledger.balance(conn, available(row.shop_id)), 0))
    return _move(conn, row, amount, row.target_fen, now) if amount > 0 else 0


def _move(conn: Connection, row, amount: int, target: int, now: datetime) -> int:
    """Move `amount` (negative: back) between the source account and frozen. The conditional
    update on `moves` is the claim, so two workers never move the same part; the n-th move's
    ledger key is freeze:{key} then freeze:{key}:{n}."""
    if amount == 0:
        return 0
    f = freezes.c
    won = conn.execute(
        freezes.update()
        .where(f.id == row.id, f.moves == row.moves, f.released_at.is_(None))
        .values(frozen_fen=row.frozen_fen + amount, target_fen=target, moves=row.moves + 1)
    ).rowcount
    if won != 1:
        return 0
    source, into = SOURCES[row.source_account](row.shop_id), frozen(row.shop_id)
    ledger.record(
        conn,
        key=f"freeze:{row.idempotency_key}" + (f":{row.moves + 1}" if row.moves else ""),
        kind="freeze",
        memo=f"{row.clause_id}: {row.reason}",
        at=now,
        postings=[
            ledger.Posting(source, into, amount) if amount > 0 else ledger.Posting(into, source, -amount)
        ],
    )
    return abs(amount)


# ------------------------------------------------------------------ violations counted per calendar year


def _violation_no(conn: Connection, shop_id: int, cause: str, day: date) -> int:
    f = freezes.c
    earlier = conn.execute(
        select(func.count(func.distinct(f.basis_day))).where(
            f.shop_id == shop_id, f.cause == cause, f.basis_day >= date(day.year, 1, 1), f.basis_day < day
        )
    ).scalar_one()
    return int(earlier) + 1


def _ladder(clause: Clause, n: int, last_key: str) -> int:
    steps = [int(d) for d in clause.get("days_by_violation")]
    return steps[n - 1] if n <= len(steps) else int(clause.get(last_key))


def _settlement_amount(conn: Connection, order_ids: list[int]) -> int:
    """What the buyers paid for the orders less what was refunded (成交金额剔除退款)."""
    if not order_ids:
        return 0
    paid = conn.execute(
        select(func.coalesce(func.sum(orders.c.paid_fen), 0)).where(orders.c.id.in_(order_ids))
    ).scalar_one()
    back = conn.execute(
        select(func.coalesce(func.sum(refunds.c.amount_fen), 0)).where(
            refunds.c.order_id.in_(order_ids), refunds.c.status == RefundStatus.SUCCEEDED.value
        )
    ).scalar_one()
    return max(int(paid) - int(back), 0)


def _amount_target(clause: Clause, basis_fen: int) -> int:
    return max(basis_fen * int(clause.get("multiple_bp")) // 10_000, int(clause.get("min_fen")))


def _compensated(conn: Connection, kind: str, day: date, tz: str) -> dict[int, list[int]]:
    """Orders of each shop judged under a logistics rule (a compensation of that kind) on `day`."""
    start, end = day_bounds(day, tz)
    found: dict[int, list[int]] = defaultdict(list)
    k = compensations.c
    for r in conn.execute(
        select(k.shop_id, k.order_id)
        .where(k.kind == kind, k.created_at >= start, k.created_at < end)
        .order_by(k.order_id)
    ):
        found[r.shop_id].append(r.order_id)
    return found


def _due_orders(conn: Connection, shop_ids: list[int], day: date, tz: str) -> dict[int, int]:
    start, end = day_bounds(day, tz)
    o = orders.c
    return {
        r.shop_id: int(r.n)
        for r in conn.execute(
            select(o.shop_id, func.count().label("n"))
            .where(
                o.shop_id.in_(shop_ids),
                o.ship_by >= start,
                o.ship_by < end,
                o.paid_at.is_not(None),
                o.status != OrderStatus.CANCELLED.value,
            )
            .group_by(o.shop_id)
        )
    }


def _settled_last_7_days(conn: Connection, shop_id: int, now: datetime) -> int:
    ids = list(
        conn.execute(
            select(fee_orders.c.order_id).where(
                fee_orders.c.shop_id == shop_id, fee_orders.c.settled_at >= now - timedelta(days=7)
            )
        ).scalars()
    )
    return _settlement_amount(conn, ids)


def count_out_of_stock(conn: Connection, book: Rulebook, day: date, *, now: datetime) -> int:
    """A finished day's out-of-stock violations (> 30 % of the orders due that day and ≥ 30
    judged out of stock that day); each freezes proceeds by the year's ladder. Once per day."""
    clause = _clause(book, "freeze_out_of_stock", day_bounds(day, book.timezone)[0])
    if clause is None or not _claim(conn, f"out-of-stock:{day.isoformat()}", now):
        return 0
    judged = _compensated(conn, "out_of_stock", day, book.timezone)
    due = _due_orders(conn, list(judged), day, book.timezone)
    rows = []
    for shop_id, order_ids in sorted(judged.items()):
        n_due = due.get(shop_id, 0)  # a share needs orders due that day: none due, no share, no violation
        if (
            len(order_ids) < int(clause.get("min_orders"))
            or not n_due
            or len(order_ids) * 10_000 <= int(clause.get("min_rate_over_bp")) * n_due
        ):
            continue
        lock_shop(conn, shop_id)
        n = _violation_no(conn, shop_id, OUT_OF_STOCK, day)
        days = _ladder(clause, n, "days_from_6th")
        basis = (
            _settled_last_7_days(conn, shop_id, now)
            if n > len(clause.get("days_by_violation"))
            else _settlement_amount(conn, order_ids)
        )
        rows.append(
            _row(
                book,
                clause,
                idempotency_key=f"out-of-stock:{shop_id}:{day.isoformat()}",
                shop_id=shop_id,
                order_id=None,
                cause=OUT_OF_STOCK,
                source_account="available",
                target_fen=_amount_target(clause, basis),
                violation_no=n,
                basis_day=day,
                starts_at=now,
                releases_at=releases_at(book, day, days),
                created_at=now,
                reason=f"out-of-stock violation {n} of {day.year}: {len(order_ids)} orders judged out of "
                f"stock on {day.isoformat()}, "
                f"{n_due} due that day; proceeds frozen {days} days",
                reason_zh=f"{day.year}年第{n}次缺货违规：{day.isoformat()}判定缺货{len(order_ids)}单，当日应发{n_due}单"
                f"（占比超过30%且不少于30单），冻结货款{days}天",
                inputs=jsonutil.dumps({"orders": order_ids, "due": n_due, "basis_fen": basis, "days": days}),
            )
        )
    return _insert_and_take(conn, rows, now)


def count_fraudulent_shipping(conn: Connection, book: Rulebook, day: date, *, now: datetime) -> int:
    """Shops with ≥ 3 fraudulent-shipping findings on `day` (so far): one violation each, once."""
    clause = _clause(book, "freeze_fraudulent_shipping", day_bounds(day, book.timezone)[0])
    if clause is None:
        return 0
    found = _compensated(conn, "fraudulent_shipping", day, book.timezone)
    rows = []
    for shop_id, order_ids in sorted(found.items()):
        key = f"fraudulent-shipping:{shop_id}:{day.isoformat()}"
        if (
            len(order_ids) < int(clause.get("min_orders"))
            or conn.execute(select(freezes.c.id).where(freezes.c.idempotency_key == key)).first()
        ):
            continue
        lock_shop(conn, shop_id)
        n = _violation_no(conn, shop_id, FRAUD, day)
        days = _ladder(clause, n, "days_from_4th")
        basis = _settlement_amount(conn, _orders_of_products(conn, order_ids, since=now - timedelta(days=30)))
        rows.append(
            _row(
                book,
                clause,
                idempotency_key=key,
                shop_id=shop_id,
                order_id=None,
                cause=FRAUD,
                source_account="available",
                target_fen=_amount_target(clause, basis),
                violation_no=n,
                stops_settlement=bool(clause.get("stops_settlement")),
                basis_day=day,
                starts_at=now,
                releases_at=releases_at(book, day, days),
                created_at=now,
                reason=f"fraudulent-shipping violation {n} of {day.year}: {len(order_ids)} orders on "
                f"{day.isoformat()}; "
                f"proceeds frozen and settlement stopped for {days} days",
                reason_zh=f"{day.year}年第{n}次欺诈发货违规：{day.isoformat()}欺诈发货{len(order_ids)}单（每日不少于3单计1次），"
                f"冻结货款并停止结算{days}天",
                inputs=jsonutil.dumps({"orders": order_ids, "basis_fen": basis, "days": days}),
            )
        )
    return _insert_and_take(conn, rows, now)


def _orders_of_products(conn: Connection, order_ids: list[int], *, since: datetime) -> list[int]:
    """Orders paid since `since` of the products in `order_ids` (the violating products)."""
    product_ids = select(order_lines.c.product_id).where(order_lines.c.order_id.in_(order_ids))
    return list(
        conn.execute(
            select(order_lines.c.order_id)
            .distinct()
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(order_lines.c.product_id.in_(product_ids), orders.c.paid_at >= since)
        ).scalars()
    )


# ------------------------------------------------------------------ top-ups, release, reading


def top_up(conn: Connection, *, now: datetime) -> int:
    """Active freezes catch up: an amount freeze still short takes what has become available
    since; an order freeze follows its order's entries (a fee charged or a deduction booked after
    the freeze), so it always holds exactly the order's pending proceeds."""
    f = freezes.c
    moved = 0
    for row in conn.execute(
        select(freezes)
        .where(f.released_at.is_(None), f.source_account == "available", f.frozen_fen < f.target_fen)
        .order_by(f.id)
    ).all():
        moved += _take(conn, row, now)
    held = conn.execute(
        select(freezes).where(f.released_at.is_(None), f.source_account == "proceeds").order_by(f.id)
    ).all()
    pending = _pending_of(conn, [r.order_id for r in held])
    for row in held:
        now_pending = max(pending.get(row.order_id, 0), 0)
        if now_pending != row.frozen_fen:
            moved += _move(conn, row, now_pending - row.frozen_fen, now_pending, now)
    return moved


def release_due(conn: Connection, *, now: datetime, batch: int = 500) -> int:
    """Freezes past their release time go back where they came from, each exactly once."""
    f = freezes.c
    query = select(freezes).where(f.released_at.is_(None), f.releases_at <= now).order_by(f.id).limit(batch)
    released = 0
    for row in claim_batch(conn, query):
        won = conn.execute(
            freezes.update()
            .where(f.id == row.id, f.released_at.is_(None))
            .values(released_at=now)
            .returning(f.frozen_fen)
        ).first()
        if won is None:
            continue
        released += 1
        if won.frozen_fen > 0:
            ledger.record(
                conn,
                key=f"release:{row.idempotency_key}",
                kind="freeze_release",
                at=now,
                memo=f"{row.clause_id}: released after {row.reason}",
                postings=[
                    ledger.Posting(
                        frozen(row.shop_id), SOURCES[row.source_account](row.shop_id), won.frozen_fen
                    )
                ],
            )
    return released


def held_order():
    """SQL: the order (fee_orders row) has a freeze not released yet, or its shop's settlement is stopped."""
    f = freezes.c
    return exists().where(
        f.released_at.is_(None),
        (f.order_id == fee_orders.c.order_id)
        | (f.stops_settlement.is_(True) & (f.shop_id == fee_orders.c.shop_id)),
    )


def waiting_fen(conn: Connection, shop_id: int) -> int:
    """What active amount freezes of the shop still wait for: never paid out."""
    f = freezes.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(f.target_fen - f.frozen_fen), 0)).where(
                f.shop_id == shop_id, f.released_at.is_(None), f.source_account == "available"
            )
        ).scalar_one()
    )


def shop_freezes(conn: Connection, shop_id: int, *, now: datetime, limit: int = 100) -> list[dict]:
    """The shop's freezes, active first, each with its clause, amount and release time."""
    f = freezes.c
    rows = conn.execute(
        select(freezes)
        .where(f.shop_id == shop_id)
        .order_by(f.released_at.is_not(None), f.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "cause": r.cause,
            "order_id": r.order_id,
            "frozen_fen": r.frozen_fen,
            "target_fen": r.target_fen,
            "waiting_fen": r.target_fen - r.frozen_fen if r.released_at is None else 0,
            "violation_no": r.violation_no,
            "stops_settlement": r.stops_settlement,
            "clause_id": r.clause_id,
            "clause_source": r.clause_source,
            "reason": r.reason,
            "reason_zh": r.reason_zh,
            "starts_at": r.starts_at,
            "releases_at": r.releases_at,
            "released_at": r.released_at,
            "active": r.released_at is None,
        }
        for r in rows
    ]


def active_freezes(conn: Connection, *, limit: int = 200) -> list[dict]:
    """Finance's view: every freeze not released yet, soonest release first, with its shop."""
    from pledge.catalog.tables import shops

    f = freezes.c
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(
                f.id,
                f.shop_id,
                shops.c.name.label("shop_name"),
                f.cause,
                f.order_id,
                f.frozen_fen,
                f.target_fen,
                f.clause_id,
                f.reason,
                f.reason_zh,
                f.releases_at,
                f.stops_settlement,
            )
            .join(shops, shops.c.id == f.shop_id)
            .where(f.released_at.is_(None))
            .order_by(f.releases_at, f.id)
            .limit(limit)
        )
    ]


def run_step(uow, book: Rulebook, clock) -> dict:
    """Freeze for new sanctions and violations (yesterday's out-of-stock day, today's and
    yesterday's fraudulent shipping), and release what is due. Safe in concurrent workers."""
    report = {"frozen": 0, "released": 0}
    now = clock.now()
    today = local_time(now, book.timezone).date()
    with uow.begin() as conn:
        report["frozen"] += freeze_sanctioned_orders(conn, book, now=now)
    for day in (today - timedelta(days=2), today - timedelta(days=1)):
        with uow.begin() as conn:
            report["frozen"] += count_out_of_stock(conn, book, day, now=now)
    for day in (today - timedelta(days=1), today):
        with uow.begin() as conn:
            report["frozen"] += count_fraudulent_shipping(conn, book, day, now=now)
    while True:
        with uow.begin() as conn:
            n = release_due(conn, now=clock.now())
        report["released"] += n
        if n < 500:
            break
    return report
