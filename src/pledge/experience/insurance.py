"""The port through which the score learns about shipping insurance (运费险), for the bonuses of
douyin:aJoPPkXuLRqc: "近2天均开通退换货运费险，且近30天支付订单中，有1单退换货运费险订单 → +2"
(and the same for large-item insurance, 大件退换货运费险).

Shipping insurance belongs to after-sales; the score depends on it only through this protocol,
so the experience package never imports after-sales insurance code. The default answers "no
insurance" for every shop; the application passes the real adapter (see `ShippingInsurance`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Connection

KINDS = ("return", "large_return")  # 退换货运费险, 大件退换货运费险


@dataclass(frozen=True)
class InsuranceFacts:
    enabled_days: int  # how many of the platform days asked the shop had this insurance on
    insured_orders: int  # orders paid in [since, until) that carry this insurance


class ShippingInsurance(Protocol):
    def facts(
        self,
        conn: Connection,
        shop_ids: list[int],
        *,
        kind: str,
        days: list[date],
        since: datetime,
        until: datetime,
    ) -> dict[int, InsuranceFacts]:
        """Per shop of `shop_ids` (omitted shops: none): on how many of `days` (platform calendar
        days, Asia/Shanghai) it had insurance `kind` ("return" or "large_return") switched on,
        and how many of its orders paid in [since, until) were insured."""
        ...


class NoInsurance:
    """No shop has shipping insurance: the bonuses are never earned."""

    def facts(
        self,
        conn: Connection,
        shop_ids: list[int],
        *,
        kind: str,
        days: list[date],
        since: datetime,
        until: datetime,
    ) -> dict[int, InsuranceFacts]:
        return {}


NO_INSURANCE: ShippingInsurance = NoInsurance()


# The insurance tiers of after-sales' product services (douyin:aJpAMtJPdWH7) behind each bonus:
# 退换货运费险 is the small and upgraded cover, 大件退换货运费险 the large-item cover.
TIERS_BY_KIND = {"return": ("small", "upgraded"), "large_return": ("large",)}
PLATFORM_ZONE = "Asia/Shanghai"


class ProductShippingInsurance:
    """The real adapter: reads the per-product insurance periods after-sales keeps. A shop "has
    the insurance on" on a platform day when one of its products carried that cover at some time
    of the day (Pledge's reading: the text says 开通 per day without a time of day); an order is
    insured when one of its lines' products carried that cover at the moment it was paid."""

    def facts(
        self,
        conn: Connection,
        shop_ids: list[int],
        *,
        kind: str,
        days: list[date],
        since: datetime,
        until: datetime,
    ) -> dict[int, InsuranceFacts]:
        from sqlalchemy import and_, func, or_, select

        from pledge.aftersales.coverage import SHIPPING_INSURANCE
        from pledge.aftersales.tables import product_services as ps
        from pledge.kernel.clock import zone
        from pledge.orders.tables import order_lines as ol
        from pledge.orders.tables import orders as o

        if not shop_ids:
            return {}
        tiers = TIERS_BY_KIND[kind]
        cover = and_(ps.c.service == SHIPPING_INSURANCE, ps.c.tier.in_(tiers), ps.c.shop_id.in_(shop_ids))
        tz = zone(PLATFORM_ZONE)
        enabled: dict[int, int] = {}
        for day in days:
            start = datetime.combine(day, datetime.min.time(), tz)
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
            rows = conn.execute(
                select(ps.c.shop_id)
                .distinct()
                .where(cover, ps.c.starts_at < end, or_(ps.c.ends_at.is_(None), ps.c.ends_at > start))
            ).scalars()
            for shop_id in rows:
                enabled[shop_id] = enabled.get(shop_id, 0) + 1
        insured_line = (
            select(ol.c.id)
            .join(ps, ps.c.product_id == ol.c.product_id)
            .where(
                ol.c.order_id == o.c.id,
                cover,
                ps.c.starts_at <= o.c.paid_at,
                or_(ps.c.ends_at.is_(None), ps.c.ends_at > o.c.paid_at),
            )
            .exists()
        )
        orders: dict[int, int] = dict(
            conn.execute(
                select(o.c.shop_id, func.count())
                .where(o.c.shop_id.in_(shop_ids), o.c.paid_at >= since, o.c.paid_at < until, insured_line)
                .group_by(o.c.shop_id)
            ).all()
        )
        return {
            shop_id: InsuranceFacts(enabled.get(shop_id, 0), orders.get(shop_id, 0))
            for shop_id in set(enabled) | set(orders)
        }


SHIPPING_INSURANCE_FROM_AFTERSALES: ShippingInsurance = ProductShippingInsurance()
