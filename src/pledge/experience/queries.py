"""Read side of the score: the orders behind an indicator, worst first, with the same SQL
expressions the aggregate uses (pledge.experience.indicators), and what would raise it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.aftersales.tables import cases
from pledge.chat.tables import conversations
from pledge.experience import indicators, policy
from pledge.kernel.errors import NotFound
from pledge.rulebooks.loader import Rulebook


def _advice(result: policy.IndicatorResult | None) -> dict | None:
    if result is None or result.next_band is None:
        return None
    return {"value": result.next_band["value"], "points": result.next_band["points"], "unit": result.unit,
            "better": result.better}


def indicator_orders(conn: Connection, actor: Actor, shop_id: int, code: str, *, book: Rulebook, now: datetime,
                     version: str | None = None, limit: int = 50) -> dict:
    """The orders (or cases, conversations) that pull the indicator down, worst first."""
    from pledge.experience import services  # the use cases import this module too

    require_shop(actor, shop_id, read_only=True)
    day = services.local_today(book, now)
    vday = policy.version_day(book, version, day)
    clause = next((c for c in policy.indicators_in_force(book, vday) if c.get("code") == code), None)
    if clause is None:
        raise NotFound(f"no indicator {code!r} in score version {vday}")
    tz = services._shop_tz(conn, shop_id)
    since, until = services.window_for(book, day, tz)
    metric = clause.get("metric")
    if metric == "review_hours":
        items = _cases(conn, book, vday, shop_id, since, until, tz)
    elif metric in ("chat_response_seconds", "chat_dissatisfaction_rate"):
        items = _chats(conn, shop_id, since, until)
    else:
        items = _orders(conn, book, vday, metric, shop_id, since, until, tz)
    result = services.score_shop(conn, book, shop_id, day=day, version=version).indicator(code)
    return {"shop_id": shop_id, "code": code, "clause_id": clause.id, "source": clause.source, "text": clause.text,
            "text_en": clause.text_en, "unit": clause.get("unit"), "value": result.value if result else None,
            "points": result.points if result else None, "advice": _advice(result), "total": len(items),
            "orders": items[:limit], "since": since, "until": until}


def _orders(conn: Connection, book: Rulebook, vday, metric: str, shop_id: int, since: datetime, until: datetime,  # noqa: ANN001
            tz: str) -> list[dict]:
    params = indicators.Params.of(book, vday)
    f = services_facts()
    e = indicators.Exprs(f, params, services_offset(tz, until), since, until)
    best_pickup = params.pickup_bands_s[0][0]
    chosen = {
        "rating": (and_(e.delivered_in, f.c.stars.is_not(None), f.c.stars <= 3), f.c.stars, f.c.stars.asc()),
        "quality_return_rate": (and_(e.delivered_in, e.reason_in(params.quality_reasons)), f.c.first_reason, f.c.order_id),
        "pickup_score": (and_(e.picked_in, e.pickup_s > best_pickup), e.pickup_s, e.pickup_s.desc()),
        "pickup_hours": (and_(e.picked_in, e.pickup_s > best_pickup), e.pickup_s, e.pickup_s.desc()),
        "delivery_on_time_rate": (and_(e.due_in, ~e.on_time), e.due, e.due.asc()),
        "logistics_return_rate": (and_(e.paid_in, e.reason_in(params.logistics_reasons)), f.c.first_reason, f.c.order_id),
        "damage_return_rate": (and_(e.paid_in, e.reason_in(params.damage_reasons)), f.c.first_reason, f.c.order_id),
        "platform_help_rate": (and_(e.paid_in, f.c.escalated == 1), f.c.escalated, f.c.order_id),
    }.get(metric)
    if chosen is None:
        return []
    cond, value, order = chosen
    rows = conn.execute(select(f.c.order_id, f.c.paid_at, f.c.picked_up_at, f.c.delivered_at, f.c.stars,
                               f.c.first_reason, value.label("value"))
                        .where(f.c.shop_id == shop_id, cond).order_by(order, f.c.order_id)).all()
    out = []
    for r in rows:
        item = {"order_id": r.order_id, "paid_at": r.paid_at, "picked_up_at": r.picked_up_at,
                "delivered_at": r.delivered_at, "stars": None if r.stars is None else float(r.stars),
                "reason": r.first_reason}
        if metric.startswith("pickup"):
            item["pickup_hours"] = round(int(r.value) / 3600, 2)
        out.append(item)
    return out


def _cases(conn: Connection, book: Rulebook, vday, shop_id: int, since: datetime, until: datetime, tz: str) -> list[dict]:  # noqa: ANN001
    clause = next(c for c in policy.indicators_in_force(book, vday) if c.get("metric") == "review_hours")
    night = {c.get("applies_to"): c for c in book.in_force("experience_night_rule", vday)}["aftersales"]
    filed, decided = indicators.epoch(cases.c.created_at), indicators.epoch(cases.c.decided_at)
    start = indicators.night_start(filed, services_offset(tz, until), night.get("from_hour"), night.get("to_hour"))
    seconds = (decided - start).label("seconds")
    rows = conn.execute(select(cases.c.id, cases.c.order_id, cases.c.created_at, cases.c.decided_at, seconds)
                        .where(cases.c.shop_id == shop_id, cases.c.status == "refunded",
                               cases.c.case_type.in_(clause.get("case_types")), cases.c.decided_at >= since,
                               cases.c.decided_at < until)
                        .order_by(seconds.desc(), cases.c.id)).all()
    return [{"order_id": r.order_id, "case_id": r.id, "filed_at": r.created_at, "decided_at": r.decided_at,
             "review_hours": round(max(0, int(r.seconds)) / 3600, 2)} for r in rows]


def _chats(conn: Connection, shop_id: int, since: datetime, until: datetime) -> list[dict]:
    c = conversations.c
    rows = conn.execute(select(c.id, c.order_id, c.started_at, c.stars)
                        .where(c.shop_id == shop_id, c.started_at >= since, c.started_at < until,
                               c.stars.is_not(None), c.stars <= 3)
                        .order_by(c.stars, c.id)).all()
    return [{"order_id": r.order_id, "conversation_id": r.id, "started_at": r.started_at, "stars": r.stars} for r in rows]


def services_facts():  # noqa: ANN201
    from pledge.experience.services import order_facts
    return order_facts()


def services_offset(tz: str, at: datetime) -> int:
    from pledge.experience.services import offset_seconds
    return offset_seconds(tz, at)
