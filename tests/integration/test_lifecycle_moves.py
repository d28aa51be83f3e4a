"""The kernel lifecycle helper on real rows, on SQLite and PostgreSQL: an illegal move is
refused and leaves the row as it was, and a move whose row changed underneath (another actor
or worker got there first) is a Conflict, or False from try_move, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.aftersales.model import LIFECYCLE as CASE_LIFECYCLE
from pledge.aftersales.model import REFUND_LIFECYCLE, CaseStatus, RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.chat.model import LIFECYCLE as CONVERSATION_LIFECYCLE
from pledge.chat.model import ConversationStatus
from pledge.chat.tables import conversations
from pledge.inventory.model import PARCEL_LIFECYCLE, ParcelStatus
from pledge.inventory.tables import parcels, warehouses
from pledge.kernel.errors import Conflict, IllegalTransition
from pledge.ledger.model import COUPON_LIFECYCLE, CouponStatus
from pledge.ledger.tables import coupons
from pledge.orders.model import LIFECYCLE as ORDER_LIFECYCLE
from pledge.orders.model import PAYMENT_LIFECYCLE, OrderStatus, PaymentStatus
from pledge.orders.tables import orders, payments
from pledge.settlement.model import APPLICATION_LIFECYCLE, PAYOUT_LIFECYCLE, ApplicationStatus, PayoutStatus
from pledge.settlement.tables import applications, payouts, programs


@pytest.fixture
def rows(world):
    """One row per entity, each in a known status: (lifecycle, table, id, status, a legal target,
    an illegal target)."""
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    now = world.now
    with world.app.uow.begin() as c:
        payment_id = c.execute(
            select(payments.c.id)
            .join(orders, orders.c.checkout_id == payments.c.checkout_id)
            .where(orders.c.id == order_id)
        ).scalar_one()

        def insert(table, **values) -> int:
            return c.execute(table.insert().values(**values)).inserted_primary_key[0]

        case_id = insert(
            cases,
            order_id=order_id,
            buyer_id=buyer.user_id,
            shop_id=shop_id,
            case_type="refund_only",
            status=CaseStatus.REQUESTED.value,
            reason="other",
            created_at=now,
        )
        refund_id = insert(
            refunds,
            idempotency_key=f"refund:{case_id}",
            case_id=case_id,
            order_id=order_id,
            shop_id=shop_id,
            amount_fen=100,
            payer="merchant",
            status=RefundStatus.PENDING.value,
            created_at=now,
        )
        coupon_id = insert(
            coupons,
            buyer_id=buyer.user_id,
            amount_fen=500,
            status=CouponStatus.AVAILABLE.value,
            issued_at=now,
            source="test:lifecycle",
            explanation="test",
            explanation_zh="测试",
        )
        conversation_id = insert(
            conversations,
            shop_id=shop_id,
            buyer_id=buyer.user_id,
            status=ConversationStatus.OPEN.value,
            created_at=now,
        )
        warehouse_id = insert(warehouses, shop_id=shop_id, code="WH1", name="一号仓", created_at=now)
        parcel_id = insert(
            parcels,
            order_id=order_id,
            shop_id=shop_id,
            warehouse_id=warehouse_id,
            status=ParcelStatus.ALLOCATED.value,
            created_at=now,
        )
        payout_id = insert(
            payouts, shop_id=shop_id, amount_fen=100, status=PayoutStatus.PENDING.value, requested_at=now
        )
        program_id = insert(
            programs,
            code="test-programme",
            kind="rebate",
            name="测试",
            name_en="Test",
            starts_at=now,
            created_at=now,
            updated_at=now,
        )
        application_id = insert(
            applications,
            program_id=program_id,
            shop_id=shop_id,
            status=ApplicationStatus.PENDING.value,
            applied_by=owner.user_id,
            applied_at=now,
        )
    return [
        (ORDER_LIFECYCLE, orders, order_id, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        (
            PAYMENT_LIFECYCLE,
            payments,
            payment_id,
            PaymentStatus.CAPTURED,
            PaymentStatus.REFUND_PENDING,
            PaymentStatus.PENDING,
        ),
        (CASE_LIFECYCLE, cases, case_id, CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.REFUNDED),
        (
            REFUND_LIFECYCLE,
            refunds,
            refund_id,
            RefundStatus.PENDING,
            RefundStatus.SUCCEEDED,
            RefundStatus.PENDING,
        ),
        (
            COUPON_LIFECYCLE,
            coupons,
            coupon_id,
            CouponStatus.AVAILABLE,
            CouponStatus.SPENT,
            CouponStatus.AVAILABLE,
        ),
        (
            CONVERSATION_LIFECYCLE,
            conversations,
            conversation_id,
            ConversationStatus.OPEN,
            ConversationStatus.CLOSED,
            ConversationStatus.OPEN,
        ),
        (
            PARCEL_LIFECYCLE,
            parcels,
            parcel_id,
            ParcelStatus.ALLOCATED,
            ParcelStatus.PICKING,
            ParcelStatus.HANDED_OVER,
        ),
        (
            PAYOUT_LIFECYCLE,
            payouts,
            payout_id,
            PayoutStatus.PENDING,
            PayoutStatus.SENT,
            PayoutStatus.RETURNED,
        ),
        (
            APPLICATION_LIFECYCLE,
            applications,
            application_id,
            ApplicationStatus.PENDING,
            ApplicationStatus.APPROVED,
            ApplicationStatus.PENDING,
        ),
    ]


def _row(app, table, row_id):
    with app.uow.read() as c:
        return c.execute(select(table).where(table.c.id == row_id)).one()._asdict()


def test_an_illegal_move_is_refused_and_leaves_the_row_unchanged(app, rows) -> None:
    for lifecycle, table, row_id, status, _legal, illegal in rows:
        before = _row(app, table, row_id)
        with pytest.raises(IllegalTransition), app.uow.begin() as c:
            lifecycle.move(c, table, row_id, status, illegal)
        assert _row(app, table, row_id) == before, lifecycle.name


def test_a_move_from_a_status_the_row_no_longer_has_is_a_conflict(app, rows) -> None:
    for lifecycle, table, row_id, status, legal, _illegal in rows:
        with app.uow.begin() as c:  # another actor moved the row first
            lifecycle.move(c, table, row_id, status, legal)
        after_first = _row(app, table, row_id)
        assert after_first["status"] == legal.value, lifecycle.name
        with pytest.raises(Conflict) as raised, app.uow.begin() as c:
            lifecycle.move(c, table, row_id, status, legal)  # the loser still believes the row is `status`
        assert not isinstance(raised.value, IllegalTransition), lifecycle.name
        with app.uow.begin() as c:
            assert lifecycle.try_move(c, table, row_id, status, legal) is False, lifecycle.name
        assert _row(app, table, row_id) == after_first, lifecycle.name


def test_a_move_sets_the_status_and_the_values_together(app, rows, world) -> None:
    lifecycle, table, row_id, status, legal, _ = rows[-1]  # the application: pending -> approved
    with app.uow.begin() as c:
        lifecycle.move(c, table, row_id, status, legal, decided_at=world.now)
    row = _row(app, table, row_id)
    assert row["status"] == legal.value and row["decided_at"] is not None


def test_move_all_moves_only_rows_in_the_from_status(app, rows) -> None:
    _, _, parcel_id, *_ = rows[6]
    with app.uow.begin() as c:
        assert (
            PARCEL_LIFECYCLE.move_all(
                c, parcels, ParcelStatus.PICKING, ParcelStatus.PICKED, where=[parcels.c.id == parcel_id]
            )
            == 0
        )
        assert (
            PARCEL_LIFECYCLE.move_all(
                c, parcels, ParcelStatus.ALLOCATED, ParcelStatus.PICKING, where=[parcels.c.id == parcel_id]
            )
            == 1
        )
    assert _row(app, parcels, parcel_id)["status"] == ParcelStatus.PICKING.value
