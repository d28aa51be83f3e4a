"""Read side of the score: the orders behind an indicator, worst first, with the same SQL
expressions the aggregate uses (pledge.experience.indicators), and what would raise it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor, require_shop
from pledge.aftersales.tables import cases
from pledge.chat.tables import conversations
from pledge.experience import indicators, policy, services
from pledge.experience.insurance import SHIPPING_INSURANCE_FROM_AFTERSALES, ShippingInsurance
from pledge.experience.tables import snapshots
from pledge.kernel.errors import NotFound
from pledge.rulebooks.loader import Rulebook


def _advice(result: policy.IndicatorResult | None) -> dict | None:
    if result is None or result.next_band is None:
        return None
    return {
        "value": result.next_band["value"],
        "points": result.next_band["points"],
        "unit": result.unit,
        "better": result.better,
    }


def indicator_orders(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    code: str,
    *,
    book: Rulebook,
    now: datetime,
    version: str | None = None,
    limit: int = 50,
) -> dict:
    """The orders (or cases, conversations) that pull the indicator down, worst first."""
    require_shop(actor, shop_id, read_only=True)
    day = services.local_today(book, now)
    vday = policy.version_day(book, version, day)
    clause = next((c for c in policy.indicators_in_force(book, vday) if c.get("code") == code), None)
    if clause is None:
        raise NotFound(f"no indicator {code!r} in score version {vday}")
    services.require_shop_exists(conn, shop_id)
    since, until = services.window_for(book, day)
    metric = clause.get("metric")
    if metric == "review_hours":
        items = _cases(conn, book, vday, shop_id, since, until)
    elif metric in ("chat_response_seconds", "chat_dissatisfaction_rate"):
        items = _chats(conn, shop_id, since, until)
    else:
        items = _orders(conn, book, vday, metric, shop_id, since, until)
    result = services.score_shop(conn, book, shop_id, day=day, version=version).indicator(code)
    return {
        "shop_id": shop_id,
        "code": code,
        "clause_id": clause.id,
        "source": clause.source,
        "text": clause.text,
        "text_en": clause.text_en,
        "unit": clause.get("unit"),
        "value": result.value if result else None,
        "points": result.points if result else None,
        "advice": _advice(result),
        "total": len(items),
        "orders": items[:limit],
        "since": since,
        "until": until,
    }


def _orders(
    conn: Connection,
    book: Rulebook,
    vday,
    metric: str,
    shop_id: int,
    since: datetime,
    until: datetime,
) -> list[dict]:
    params = indicators.Params.of(book, vday)
    f = services.order_facts(params)
    e = indicators.Exprs(f, params, services.platform_offset(book, until), since, until)
    best_pickup = params.pickup_bands_s[0][0]
    below_best = (
        or_(e.pickup_s > best_pickup, f.c.pickup_forced == 1)
        if params.pickup_forced_points is not None
        else e.pickup_s > best_pickup
    )
    chosen = {
        "rating": (and_(e.delivered_in, f.c.stars.is_not(None), f.c.stars <= 3), [f.c.stars.asc()]),
        "quality_return_rate": (and_(e.delivered_in, e.reason_in(params.quality_reasons)), []),
        "pickup_score": (and_(e.picked_in, below_best), [e.pickup_points.asc(), e.pickup_s.desc()]),
        "pickup_hours": (and_(e.picked_in, e.pickup_s > best_pickup), [e.pickup_s.desc()]),
        "delivery_on_time_rate": (and_(e.due_in, ~e.on_time), [e.due.asc()]),
        "logistics_return_rate": (e.logistics_return, []),
        "damage_return_rate": (and_(e.paid_in, e.reason_in(params.damage_reasons)), []),
        "platform_help_rate": (and_(e.paid_in, f.c.escalated == 1), []),
    }.get(metric)
    if chosen is None:
        return []
    cond, order = chosen
    rows = conn.execute(
        select(
            f.c.order_id,
            f.c.paid_at,
            f.c.picked_up_at,
            f.c.delivered_at,
            f.c.stars,
            f.c.first_reason,
            f.c.pickup_forced,
            f.c.waybill_failed,
            e.pickup_s.label("pickup_s"),
            e.pickup_points.label("pickup_points"),
        )
        .where(f.c.shop_id == shop_id, cond)
        .order_by(*order, f.c.order_id)
    ).all()
    return [_order_item(r, metric) for r in rows]


def _order_item(r: Row, metric: str) -> dict:
    """One order behind an indicator, with what the metric judged it on."""
    item = {
        "order_id": r.order_id,
        "paid_at": r.paid_at,
        "picked_up_at": r.picked_up_at,
        "delivered_at": r.delivered_at,
        "stars": None if r.stars is None else float(r.stars),
        "reason": r.first_reason,
    }
    if metric.startswith("pickup"):
        item["pickup_hours"] = round(int(r.pickup_s) / 3600, 2)
    if metric == "pickup_score":
        item["pickup_points"] = int(r.pickup_points)
        item["forced"] = bool(r.pickup_forced)  # fraudulent shipping / abnormal-tracking compensation
    if metric == "delivery_on_time_rate":
        item["forced"] = bool(r.waybill_failed)  # abnormal-tracking compensation
    return item


def _cases(
    conn: Connection, book: Rulebook, vday, shop_id: int, since: datetime, until: datetime
) -> list[dict]:
    """The cases behind 售后平均审核时长, the same scope and seconds as the measure."""
    clause = services.review_clause(book, vday)
    seconds = services.review_seconds(book, vday, until).label("seconds")
    rows = conn.execute(
        select(cases.c.id, cases.c.order_id, cases.c.created_at, cases.c.decided_at, seconds)
        .where(cases.c.shop_id == shop_id, *services.review_scope(clause, since, until))
        .order_by(seconds.desc(), cases.c.id)
    ).all()
    return [
        {
            "order_id": r.order_id,
            "case_id": r.id,
            "filed_at": r.created_at,
            "decided_at": r.decided_at,
            "review_hours": round(max(0, int(r.seconds)) / 3600, 2),
        }
        for r in rows
    ]


def _chats(conn: Connection, shop_id: int, since: datetime, until: datetime) -> list[dict]:
    c = conversations.c
    rows = conn.execute(
        select(c.id, c.order_id, c.started_at, c.stars)
        .where(
            c.shop_id == shop_id,
            c.started_at >= since,
            c.started_at < until,
            c.stars.is_not(None),
            c.stars <= 3,
        )
        .order_by(c.stars, c.id)
    ).all()
    return [
        {"order_id": r.order_id, "conversation_id": r.id, "started_at": r.started_at, "stars": r.stars}
        for r in rows
    ]


def compare_versions(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    *,
    book: Rulebook,
    now: datetime,
    base: str | None = None,
    target: str | None = None,
    limit: int = 20,
    insurance: ShippingInsurance = SHIPPING_INSURANCE_FROM_AFTERSALES,
) -> dict:
    """The same window under two versions (default: the one in force against the latest
    announced), per indicator, with the orders behind each loss."""
    base = base or policy.version_day(book, None, services.local_today(book, now)).isoformat()
    target = target or policy.version_dates(book)[-1].isoformat()
    old = services.shop_score(conn, actor, shop_id, book=book, now=now, version=base, insurance=insurance)
    new = services.shop_score(conn, actor, shop_id, book=book, now=now, version=target, insurance=insurance)
    rows = policy.diff(old, new)
    for row in rows:
        row["orders"], row["orders_total"] = [], 0
        if row["change"] < 0:  # the orders that count against it, under the version that has it
            behind = indicator_orders(
                conn,
                actor,
                shop_id,
                row["code"],
                book=book,
                now=now,
                version=target if row["in_new"] else base,
                limit=limit,
            )
            row["orders"], row["orders_total"] = behind["orders"], behind["total"]
    return {
        "shop_id": shop_id,
        "base": old.as_dict(),
        "target": new.as_dict(),
        "indicators": rows,
        "adjustments": policy.reconcile(old, new, rows),  # with the rows, they add up to the change
        "score_change": round(new.score - old.score, 2),
    }


def shown_score(conn: Connection, shop_id: int) -> float | None:
    """The score buyers see on the shop page (4.6 of 5), from the latest daily snapshot; None
    before the first snapshot."""
    s = snapshots.c
    tenths = conn.execute(
        select(s.shown_tenths).where(s.shop_id == shop_id).order_by(s.day.desc(), s.id.desc()).limit(1)
    ).scalar()
    return None if tenths is None else tenths / 10
