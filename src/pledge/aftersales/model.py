"""After-sales case lifecycle (售后) as an explicit transition table.

requested (merchant review) → approved / rejected; approved → awaiting_return (return types)
or refunded; awaiting_return → return_shipped → return_received → refunded / exchanged;
rejected → escalated (平台介入) → approved / closed by an operator; a return escalated after it was
sent back is, when the operator approves, taken as received (escalated → return_received); an
approved or received case with nothing to refund (0.00 after flooring) closes without a refund."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class CaseType(StrEnum):
    REFUND_ONLY = "refund_only"  # 仅退款
    RETURN_REFUND = "return_refund"  # 退货退款
    EXCHANGE = "exchange"  # 换货
    INSTANT_REFUND = "instant_refund"  # 极速退款
    DAMAGE_CLAIM = "damage_claim"  # 坏了包退


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    AWAITING_RETURN = "awaiting_return"
    RETURN_SHIPPED = "return_shipped"
    RETURN_RECEIVED = "return_received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.ESCALATED, S.CANCELLED}),
    S.APPROVED: frozenset({S.AWAITING_RETURN, S.REFUNDED, S.CLOSED}),
    S.REJECTED: frozenset({S.ESCALATED, S.CLOSED}),
    S.ESCALATED: frozenset({S.APPROVED, S.CLOSED, S.RETURN_RECEIVED}),
    S.AWAITING_RETURN: frozenset({S.RETURN_SHIPPED, S.CLOSED, S.CANCELLED}),
    S.RETURN_SHIPPED: frozenset({S.RETURN_RECEIVED, S.ESCALATED}),
    S.RETURN_RECEIVED: frozenset({S.REFUNDED, S.EXCHANGED, S.CLOSED}),
    S.REFUNDED: frozenset(),
    S.EXCHANGED: frozenset(),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
LIFECYCLE = Lifecycle("after-sales case", CaseStatus, TRANSITIONS)
OPEN = LIFECYCLE.open
NEEDS_RETURN = (CaseType.RETURN_REFUND, CaseType.EXCHANGE)
REFUNDS_MONEY = (CaseType.REFUND_ONLY, CaseType.RETURN_REFUND, CaseType.INSTANT_REFUND, CaseType.DAMAGE_CLAIM)
# Which of these a product may be claimed for depends on its category (rulebook damage_window
# clauses name the category groups a reason fits): no "thawed/dead" on an umbrella.
DAMAGE_REASONS = ("damaged", "thawed_dead", "visible_rot", "internal_rot", "insect_damage")
RETURN_REASONS = ("no_reason", "quality", "wrong_item", "not_as_described", "other")
# The buyer asks to cancel a paid order before it ships (取消订单): a refund of the whole order,
# instant where the rule allows (aftersales.cancellation); the approved refund cancels the order.
CANCEL_UNSHIPPED = "cancel_unshipped"
CANCELLATION_TYPES = (CaseType.INSTANT_REFUND, CaseType.REFUND_ONLY)


class RefundStatus(StrEnum):
    """A case's refund to the buyer: pending ──the provider refunds──▶ succeeded."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"


REFUND_LIFECYCLE = Lifecycle(
    "refund", RefundStatus, {RefundStatus.PENDING: {RefundStatus.SUCCEEDED}, RefundStatus.SUCCEEDED: ()}
)


class ClaimStatus(StrEnum):
    """A shipping-insurance claim (运费险): pending ──the insurer answers──▶ paid | refused."""

    PENDING = "pending"
    PAID = "paid"
    REFUSED = "refused"


CLAIM_LIFECYCLE = Lifecycle(
    "shipping-insurance claim",
    ClaimStatus,
    {
        ClaimStatus.PENDING: {ClaimStatus.PAID, ClaimStatus.REFUSED},
        ClaimStatus.PAID: (),
        ClaimStatus.REFUSED: (),
    },
)
