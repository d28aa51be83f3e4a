"""Read side of after-sales: a case with its lines, evidence and timeline; the merchant queue
sorted by deadline; the operator's dispute queue."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.model import OPEN, CaseStatus
from pledge.aftersales.tables import case_events, case_evidence, case_lines, cases, refunds, shop_pledges
from pledge.catalog.tables import shops
from pledge.kernel import jsonutil
from pledge.kernel.errors import NotFound
from pledge.orders.tables import order_lines


def _with_shop():
    return select(cases, shops.c.name.label("shop_name"), shops.c.timezone).join(shops, shops.c.id == cases.c.shop_id)


def case_detail(conn: Connection, actor: Actor, case_id: int) -> dict:
    row = conn.execute(_with_shop().where(cases.c.id == case_id)).first()
    visible = row is not None and (row.buyer_id == actor.user_id or row.shop_id in actor.shops
                                   or actor.platform_role is not None)
    if not visible:
        raise NotFound(f"no after-sales case {case_id}")
    case = dict(row._mapping, inputs=jsonutil.loads(row.inputs))
    case["lines"] = [dict(r._mapping) for r in conn.execute(
        select(case_lines.c.units, order_lines.c.id, order_lines.c.title, order_lines.c.quantity)
        .join(order_lines, order_lines.c.id == case_lines.c.order_line_id).where(case_lines.c.case_id == case_id))]
    case["evidence"] = list(conn.execute(select(case_evidence.c.upload_id).where(case_evidence.c.case_id == case_id)).scalars())
    case["events"] = [dict(e._mapping, detail=jsonutil.loads(e.detail) or {}) for e in conn.execute(
        select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.at, case_events.c.id))]
    refund = conn.execute(select(refunds).where(refunds.c.case_id == case_id)).first()
    case["refund"] = dict(refund._mapping) if refund else None
    return case


def cases_for_order(conn: Connection, order_id: int) -> list[dict]:
    """For the order page; the caller has already been allowed to see the order."""
    return [dict(r._mapping) for r in conn.execute(select(cases).where(cases.c.order_id == order_id).order_by(cases.c.id))]


def buyer_cases(conn: Connection, actor: Actor) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(_with_shop().where(cases.c.buyer_id == actor.user_id)
                                                   .order_by(cases.c.id.desc()))]


def shop_queue(conn: Connection, actor: Actor, shop_id: int, *, open_only: bool = True) -> list[dict]:
    """Cases waiting on the shop, the nearest deadline first."""
    require_shop(actor, shop_id, read_only=True)
    query = _with_shop().where(cases.c.shop_id == shop_id)
    if open_only:
        query = query.where(cases.c.status.in_([s.value for s in OPEN]))
    return [dict(r._mapping) for r in conn.execute(query.order_by(cases.c.due_at.is_(None), cases.c.due_at, cases.c.id))]


def dispute_queue(conn: Connection, actor: Actor) -> list[dict]:
    require_platform(actor, "operator", "reviewer")
    return [dict(r._mapping) for r in conn.execute(_with_shop().where(cases.c.status == CaseStatus.ESCALATED.value)
                                                   .order_by(cases.c.id))]


def pledge_of(conn: Connection, shop_id: int) -> dict | None:
    row = conn.execute(select(shop_pledges).where(shop_pledges.c.shop_id == shop_id)).first()
    return dict(row._mapping) if row else None
