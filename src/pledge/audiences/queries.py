"""The read side: a shop's audiences with their sizes, and each campaign's report.

A campaign is measured by the orders it brings, attributed two ways (both shown):
- **in the window**: orders at the shop paid by a reached buyer (one who got the coupon or the
  notice) from the send until `report_until` (the send plus clause audiences.campaign-terms'
  report_window_days), whatever they paid with;
- **with the coupon**: orders paid with a coupon this campaign issued, whenever paid.
An order counts once paid and not cancelled; GMV is what the buyers paid (`paid_fen`, after
coupons), in fen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.audiences import members
from pledge.audiences.model import REACHED, CampaignKind, CampaignStatus, Outcome, Rule
from pledge.audiences.services import campaign_of, rules_of
from pledge.audiences.tables import audience_campaigns, audience_recipients, audiences
from pledge.kernel.db import AnyRow
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders


@dataclass(frozen=True)
class AudienceView:
    id: int
    shop_id: int
    name: str
    rules: list[Rule]
    size: int
    created_at: datetime


@dataclass(frozen=True)
class CampaignReport:
    id: int
    shop_id: int
    audience_id: int
    audience_name: str
    kind: CampaignKind
    status: CampaignStatus
    amount_fen: int | None
    min_spend_fen: int | None
    valid_days: int | None
    created_at: datetime
    sent_at: datetime | None
    report_until: datetime | None
    window_open: bool  # orders may still come in
    reached: int
    opted_out: int
    rate_limited: int
    orders: int  # paid by reached buyers at the shop within the window
    gmv_fen: int
    coupon_orders: int  # paid with this campaign's coupons
    coupon_gmv_fen: int


def audiences_of(conn: Connection, actor: Actor, shop_id: int, *, at: datetime) -> list[AudienceView]:
    """The shop's audiences, newest first, each with its size now (a COUNT query per audience)."""
    require_shop(actor, shop_id, read_only=True)
    a = audiences.c
    rows = conn.execute(select(audiences).where(a.shop_id == shop_id).order_by(a.id.desc())).all()
    return [view(conn, row, at) for row in rows]


def view(conn: Connection, row: AnyRow, at: datetime) -> AudienceView:
    rules = rules_of(conn, row.id)
    return AudienceView(
        row.id, row.shop_id, row.name, rules, members.size(conn, row.shop_id, rules, at), row.created_at
    )


def _outcomes(conn: Connection, campaign_id: int) -> dict[str, int]:
    r = audience_recipients.c
    rows = conn.execute(
        select(r.outcome, func.count()).where(r.campaign_id == campaign_id).group_by(r.outcome)
    ).all()
    return {outcome: count for outcome, count in rows}


def _paid_orders() -> list:
    o = orders.c
    return [o.paid_at.is_not(None), o.status != OrderStatus.CANCELLED.value]


def _window_orders(conn: Connection, c: AnyRow) -> tuple[int, int]:
    o, r = orders.c, audience_recipients.c
    reached = select(r.user_id).where(r.campaign_id == c.id, r.outcome.in_([x.value for x in REACHED]))
    count, gmv = conn.execute(
        select(func.count(), func.coalesce(func.sum(o.paid_fen), 0)).where(
            o.shop_id == c.shop_id,
            o.buyer_id.in_(reached.scalar_subquery()),
            o.paid_at >= c.sent_at,
            o.paid_at < c.report_until,
            *_paid_orders(),
        )
    ).one()
    return int(count), int(gmv)


def _coupon_orders(conn: Connection, campaign_id: int) -> tuple[int, int]:
    o, r = orders.c, audience_recipients.c
    issued = select(r.coupon_id).where(r.campaign_id == campaign_id, r.coupon_id.is_not(None))
    count, gmv = conn.execute(
        select(func.count(), func.coalesce(func.sum(o.paid_fen), 0)).where(
            o.coupon_id.in_(issued.scalar_subquery()), *_paid_orders()
        )
    ).one()
    return int(count), int(gmv)


def report(conn: Connection, campaign: AnyRow, *, now: datetime) -> CampaignReport:
    counts = _outcomes(conn, campaign.id)
    sent = campaign.sent_at is not None
    orders_in, gmv = _window_orders(conn, campaign) if sent else (0, 0)
    with_coupon, coupon_gmv = _coupon_orders(conn, campaign.id) if sent else (0, 0)
    name = conn.execute(select(audiences.c.name).where(audiences.c.id == campaign.audience_id)).scalar_one()
    return CampaignReport(
        campaign.id,
        campaign.shop_id,
        campaign.audience_id,
        name,
        CampaignKind(campaign.kind),
        CampaignStatus(campaign.status),
        campaign.amount_fen,
        campaign.min_spend_fen,
        campaign.valid_days,
        campaign.created_at,
        campaign.sent_at,
        campaign.report_until,
        sent and now < campaign.report_until,
        counts.get(Outcome.COUPON, 0) + counts.get(Outcome.NOTIFIED, 0),
        counts.get(Outcome.OPTED_OUT, 0),
        counts.get(Outcome.RATE_LIMITED, 0),
        orders_in,
        gmv,
        with_coupon,
        coupon_gmv,
    )


def campaign_report(conn: Connection, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignReport:
    return report(conn, campaign_of(conn, actor, campaign_id), now=now)


def campaigns_of(conn: Connection, actor: Actor, shop_id: int, *, now: datetime) -> list[CampaignReport]:
    """The shop's campaigns, newest first, each with its report."""
    require_shop(actor, shop_id, read_only=True)
    c = audience_campaigns.c
    rows = conn.execute(select(audience_campaigns).where(c.shop_id == shop_id).order_by(c.id.desc())).all()
    return [report(conn, row, now=now) for row in rows]
