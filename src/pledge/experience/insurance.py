"""The port through which the score learns about shipping insurance (运费险), for the bonuses of
douyin:aJoPPkXuLRqc: "近2天均开通退换货运费险，且近30天支付订单中，有1单退换货运费险订单 → +2"
(and the same for large-item insurance, 大件退换货运费险).

Shipping insurance belongs to after-sales; the score depends on it only through this protocol,
so the experience package never imports after-sales insurance code. The default answers "no
insurance" for every shop; the application passes the real adapter (see `ShippingInsurance`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.engine import Connection

KINDS = ("return", "large_return")  # 退换货运费险, 大件退换货运费险


@dataclass(frozen=True)
class InsuranceFacts:
    enabled_days: int  # how many of the platform days asked the shop had this insurance on
    insured_orders: int  # orders paid in [since, until) that carry this insurance


class ShippingInsurance(Protocol):
    def facts(self, conn: Connection, shop_ids: list[int], *, kind: str, days: list[date], since: datetime,
              until: datetime) -> dict[int, InsuranceFacts]:
        """Per shop of `shop_ids` (omitted shops: none): on how many of `days` (platform calendar
        days, Asia/Shanghai) it had insurance `kind` ("return" or "large_return") switched on,
        and how many of its orders paid in [since, until) were insured."""
        ...


class NoInsurance:
    """No shop has shipping insurance: the bonuses are never earned."""

    def facts(self, conn: Connection, shop_ids: list[int], *, kind: str, days: list[date], since: datetime,
              until: datetime) -> dict[int, InsuranceFacts]:
        return {}


NO_INSURANCE: ShippingInsurance = NoInsurance()
