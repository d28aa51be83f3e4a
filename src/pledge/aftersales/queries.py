"""Read side of after-sales: a case with its lines, evidence, timeline and shipping-insurance
claim; the merchant queue sorted by deadline; the operator's dispute queue; which products carry
shipping insurance (运费险) for the product page and the experience score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.coverage import SHIPPING_INSURANCE, services_at
from pledge.aftersales.model import OPEN, CaseStatus
from pledge.aftersales.services import NOT_COUNTING
from pledge.aftersales.tables import (
    case_events,
    case_evidence,
    case_lines,
    cases,
    product_services,
    refunds,
    shipping_insurance_claims,
    shop_pledges,
    subsidy_funds,
)
from pledge.catalog.tables import products, shops
from pledge.kernel import jsonutil
from pledge.kernel.errors import NotFound
from pledge.orders.tables import order_lines
from pledge.uploads.access import Party


@dataclass(frozen=True)
class LineGoods:
    order_line_id: int
    product_id: int
    perishable: bool
    custom_made: bool


def _with_shop():
    return select(cases, shops.c.name.label("shop_name"), shops.c.timezone).join(
        shops, shops.c.id == cases.c.shop_id
    )


def case_detail(conn: Connection, actor: Actor, case_id: int) -> dict:
    row = conn.execute(_with_shop().where(cases.c.id == case_id)).first()
    if row is None or not (
        row.buyer_id == actor.user_id or row.shop_id in actor.shops or actor.platform_role is not None
    ):
        raise NotFound(f"no after-sales case {case_id}")
    case = dict(row._mapping, inputs=jsonutil.loads(row.inputs))
    case["lines"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(case_lines.c.units, order_lines.c.id, order_lines.c.title, order_lines.c.quantity)
            .join(order_lines, order_lines.c.id == case_lines.c.order_line_id)
            .where(case_lines.c.case_id == case_id)
        )
    ]
    case["evidence"] = list(
        conn.execute(select(case_evidence.c.upload_id).where(case_evidence.c.case_id == case_id)).scalars()
    )
    case["events"] = [
        dict(e._mapping, detail=jsonutil.loads(e.detail) or {})
        for e in conn.execute(
            select(case_events)
            .where(case_events.c.case_id == case_id)
            .order_by(case_events.c.at, case_events.c.id)
        )
    ]
    refund = conn.execute(select(refunds).where(refunds.c.case_id == case_id)).first()
    case["refund"] = dict(refund._mapping) if refund else None
    claim = conn.execute(
        select(shipping_insurance_claims).where(shipping_insurance_claims.c.case_id == case_id)
    ).first()
    case["shipping_insurance"] = dict(claim._mapping) if claim else None
    return case


def cases_for_order(conn: Connection, order_id: int) -> list[dict]:
    """For the order page; the caller has already been allowed to see the order."""
    return [
        dict(r._mapping)
        for r in conn.execute(select(cases).where(cases.c.order_id == order_id).order_by(cases.c.id))
    ]


def buyer_cases(conn: Connection, actor: Actor) -> list[dict]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            _with_shop().where(cases.c.buyer_id == actor.user_id).order_by(cases.c.id.desc())
        )
    ]


def shop_queue(conn: Connection, actor: Actor, shop_id: int, *, open_only: bool = True) -> list[dict]:
    """Cases waiting on the shop, the nearest deadline first."""
    require_shop(actor, shop_id, read_only=True)
    query = _with_shop().where(cases.c.shop_id == shop_id)
    if open_only:
        query = query.where(cases.c.status.in_([s.value for s in OPEN]))
    return [
        dict(r._mapping)
        for r in conn.execute(query.order_by(cases.c.due_at.is_(None), cases.c.due_at, cases.c.id))
    ]


def dispute_queue(conn: Connection, actor: Actor) -> list[dict]:
    """Escalated cases with what a reviewer weighs: the evidence photos (upload ids), the
    buyer's note, the merchant's reason for rejecting and the buyer's reason for escalating."""
    require_platform(actor, "operator", "reviewer")
    queue = [
        dict(r._mapping)
        for r in conn.execute(
            _with_shop().where(cases.c.status == CaseStatus.ESCALATED.value).order_by(cases.c.id)
        )
    ]
    ids = [c["id"] for c in queue]
    photos: dict[int, list[int]] = {i: [] for i in ids}
    for case_id, upload_id in conn.execute(
        select(case_evidence.c.case_id, case_evidence.c.upload_id)
        .where(case_evidence.c.case_id.in_(ids))
        .order_by(case_evidence.c.upload_id)
    ):
        photos[case_id].append(upload_id)
    said: dict[tuple[int, str], str] = {}
    e = case_events.c
    for case_id, kind, detail in conn.execute(
        select(e.case_id, e.kind, e.detail)
        .where(e.case_id.in_(ids), e.kind.in_(("rejected", "escalated")))
        .order_by(e.id)
    ):
        said[(case_id, kind)] = (jsonutil.loads(detail) or {}).get("why", "")
    for case in queue:
        case["evidence"] = photos[case["id"]]
        case["merchant_reason"] = said.get((case["id"], "rejected"), "")
        case["escalation_note"] = said.get((case["id"], "escalated"), "")
    return queue


def pledge_of(conn: Connection, shop_id: int) -> dict | None:
    row = conn.execute(select(shop_pledges).where(shop_pledges.c.shop_id == shop_id)).first()
    return dict(row._mapping, damage_reasons=jsonutil.loads(row.damage_reasons) or []) if row else None


def product_shipping_insurance(conn: Connection, product_id: int, at: datetime) -> str | None:
    """The tier of shipping insurance (small | upgraded | large) the product carries at `at`, or
    None: the product page's 退货包运费 badge."""
    return services_at(conn, {product_id}, at).get(product_id, {}).get(SHIPPING_INSURANCE)


def shop_has_shipping_insurance(conn: Connection, shop_id: int, at: datetime) -> bool:
    """Whether any product of the shop carries shipping insurance at `at` (for the experience
    score's shipping-insurance bonus, which another module reads)."""
    ps = product_services.c
    return (
        conn.execute(
            select(ps.id)
            .where(
                ps.shop_id == shop_id,
                ps.service == SHIPPING_INSURANCE,
                ps.starts_at <= at,
                or_(ps.ends_at.is_(None), ps.ends_at > at),
            )
            .limit(1)
        ).first()
        is not None
    )


def shop_shipping_insurance(conn: Connection, shop_id: int, at: datetime) -> dict[int, str]:
    """{product id: tier} of the shop's products insured at `at` (the merchant's page)."""
    ps = product_services.c
    return dict(
        conn.execute(
            select(ps.product_id, ps.tier).where(
                ps.shop_id == shop_id,
                ps.service == SHIPPING_INSURANCE,
                ps.starts_at <= at,
                or_(ps.ends_at.is_(None), ps.ends_at > at),
            )
        ).all()
    )


def evidence_parties(conn: Connection, upload_id: int) -> list[Party]:
    """The buyer and the shop of every case an upload is evidence for: they may see the photo
    (pledge.uploads.access asks through its `SharedWith` port)."""
    return [
        Party(shop_id=row.shop_id, buyer_id=row.buyer_id)
        for row in conn.execute(
            select(cases.c.shop_id, cases.c.buyer_id)
            .join(case_evidence, case_evidence.c.case_id == cases.c.id)
            .where(case_evidence.c.upload_id == upload_id)
        )
    ]


def claimed_units(conn: Connection, order_id: int) -> dict[int, int]:
    """Units of each order line already claimed by the order's cases that still count (a
    rejected, closed or cancelled case lets go of its units): what a new case may not claim."""
    return {
        row.order_line_id: int(row.units)
        for row in conn.execute(
            select(case_lines.c.order_line_id, func.sum(case_lines.c.units).label("units"))
            .join(cases, cases.c.id == case_lines.c.case_id)
            .where(cases.c.order_id == order_id, cases.c.status.not_in(NOT_COUNTING))
            .group_by(case_lines.c.order_line_id)
        )
    }


def order_line_goods(conn: Connection, order_id: int) -> list[LineGoods]:
    """What each line of an order bought, as far as after-sales rules care (perishable goods
    and custom-made goods have their own windows and reasons)."""
    return [
        LineGoods(row.id, row.product_id, bool(row.perishable), bool(row.custom_made))
        for row in conn.execute(
            select(order_lines.c.id, order_lines.c.product_id, products.c.perishable, products.c.custom_made)
            .join(products, products.c.id == order_lines.c.product_id)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.id)
        )
    ]


def subsidy_fund_list(conn: Connection) -> list[dict[str, Any]]:
    """The platform's subsidy funds (which may pay a decided dispute instead of the shop)."""
    return [dict(r._mapping) for r in conn.execute(select(subsidy_funds).order_by(subsidy_funds.c.code))]
