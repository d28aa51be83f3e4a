"""取消订单: the buyer asks to cancel a paid order that has not shipped. Where the instant-refund
rule allows (未发货极速退款, douyin:aJmtW2ombFf1: not shipped, no excluded goods, the amount cap
of the version in force when the order was paid), the refund is approved at once and the order
cancelled; otherwise it is a refund-only request for the whole order that the shop reviews within
the merchant-review clause's hours (review.default-48h, a Pledge default: the texts give no
figure), approved automatically when the shop stays silent. Either way, the approved refund
cancels the order and returns its stock (aftersales.refunds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.aftersales import policy
from pledge.aftersales.model import CANCEL_UNSHIPPED, CaseType
from pledge.aftersales.services import NewCase, file_case
from pledge.catalog.tables import products
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook

FLAGS = ("perishable", "custom_made", "blind_box")


def _goods_flags(conn: Connection, order_id: int) -> set[str]:
    rows = conn.execute(
        select(products.c.perishable, products.c.custom_made, products.c.blind_box)
        .join(order_lines, order_lines.c.product_id == products.c.id)
        .where(order_lines.c.order_id == order_id)
    ).all()
    return {flag for row in rows for flag in FLAGS if getattr(row, flag)}


def request_cancellation(
    conn: Connection, actor: Actor, order_id: int, *, book: Rulebook, at: datetime
) -> int:
    """The after-sales case that carries the cancellation (its id)."""
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")
    if order.status != OrderStatus.PAID.value:
        raise InvalidInput(
            "only a paid order that has not shipped can be cancelled; "
            "an unpaid one is cancelled directly, a shipped one needs a refund request"
        )
    instant = policy.instant_refund(
        book,
        flags=_goods_flags(conn, order_id),
        paid_fen=order.paid_fen,
        shipped=False,
        paid_at=order.paid_at,
    )
    lines = [
        (r.id, r.quantity)
        for r in conn.execute(
            select(order_lines.c.id, order_lines.c.quantity)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.id)
        )
    ]
    case_type = CaseType.INSTANT_REFUND if instant.eligible else CaseType.REFUND_ONLY
    return file_case(
        conn,
        actor,
        NewCase(order_id, case_type.value, CANCEL_UNSHIPPED, lines=lines, note=instant.reason),
        book=book,
        at=at,
    )
