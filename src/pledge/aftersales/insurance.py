"""Shipping insurance (运费险, douyin:aJpAMtJPdWH7) on returns: when the buyer sends goods back on
an order whose products carried the shop's insurance, the case records the postage and what the
insurance pays of it; when the return reaches 退款成功 / 换货成功 a claim is opened (one per
order, one per waybill: UNIQUE), and the worker has the insurer pay it through its adapter
outside any transaction, then books it in the ledger under the claim's key, exactly once.

Ledger: insurer:{name} → buyer:{buyer_id}:return-postage. The insurer's account goes negative by
what it has paid out; the buyer's account is what the buyer has received for return postage.
No shop or platform account moves: the shop paid for the insurance, not for the claim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.aftersales import coverage, policy
from pledge.aftersales.model import CLAIM_LIFECYCLE, ClaimStatus
from pledge.aftersales.records import case_event
from pledge.aftersales.tables import case_lines, shipping_insurance_claims
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import InvalidInput
from pledge.ledger import services as ledger
from pledge.orders.tables import order_lines
from pledge.payments.insurers import ClaimRequest, ClaimResult, ShippingInsurer
from pledge.rulebooks.loader import Rulebook


def insurer_account(name: str) -> str:
    return f"insurer:{name}"


def buyer_return_postage(buyer_id: int) -> str:
    return f"buyer:{buyer_id}:return-postage"


def _tier_of(conn: Connection, case, order) -> str | None:
    """The insurance the case's products carried when the order was paid; the highest cap wins
    where several lines carried different tiers."""
    lines = select(order_lines.c.product_id).join(case_lines, case_lines.c.order_line_id == order_lines.c.id)
    product_ids = set(conn.execute(lines.where(case_lines.c.case_id == case.id)).scalars())
    carried = coverage.services_at(conn, product_ids, order.paid_at)
    tiers = [s[coverage.SHIPPING_INSURANCE] for s in carried.values() if coverage.SHIPPING_INSURANCE in s]
    return max(tiers, key=policy.INSURANCE_TIERS.index) if tiers else None


def on_return_shipped(conn: Connection, book: Rulebook, case, order, *, postage_fen: int | None) -> dict:
    """Values for the case when the buyer sends the goods back: the postage and, for an insured
    order, what the insurance will pay of it. An insured return needs the postage."""
    if postage_fen is not None and (type(postage_fen) is not int or postage_fen < 0):
        raise InvalidInput("the return postage is a whole number of fen, not negative")
    tier = _tier_of(conn, case, order)
    if tier is None:
        return {"return_postage_fen": postage_fen}
    facts = {
        "tier": tier,
        "case_type": case.case_type,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "requested_at": case.created_at,
    }
    if postage_fen is None and policy.shipping_insurance_cover(book, **facts).eligible:
        raise InvalidInput(
            "this order's shipping insurance pays the return postage: give what you paid to send it back"
        )
    found = policy.shipping_insurance_claim(book, **facts, postage_fen=postage_fen)
    return {
        "return_postage_fen": postage_fen,
        "insured_fen": found.amount_fen if found.eligible else 0,
        "insurance_tier": tier,
        "insurance_clause": found.clause.id if found.clause else None,
    }


def _event(conn: Connection, case_id: int, at: datetime, kind: str, **detail) -> None:
    case_event(conn, case_id, at, kind, "system", **detail)


def open_claim(conn: Connection, case, at: datetime) -> bool:
    """At 退款成功 / 换货成功 (`at`): the claim of an insured return, once per order and per
    waybill. Returns whether a claim was opened."""
    if not case.insured_fen:
        return False
    key = f"shipping-insurance:{case.order_id}"
    insert = dialect_insert(conn)
    opened = (
        conn.execute(
            insert(shipping_insurance_claims)
            .values(
                idempotency_key=key,
                order_id=case.order_id,
                case_id=case.id,
                buyer_id=case.buyer_id,
                shop_id=case.shop_id,
                return_carrier=case.return_carrier,
                return_tracking=case.return_tracking,
                postage_fen=case.return_postage_fen,
                amount_fen=case.insured_fen,
                tier=case.insurance_tier,
                clause_id=case.insurance_clause,
                status=ClaimStatus.PENDING.value,
                created_at=at,
            )
            .on_conflict_do_nothing()
            .returning(shipping_insurance_claims.c.id)
        ).first()
        is not None
    )
    if opened:
        _event(conn, case.id, at, "insurance_claimed", amount_fen=case.insured_fen, why=case.insurance_clause)
    else:
        _event(
            conn,
            case.id,
            at,
            "insurance_refused",
            why="one claim per order and per waybill (shipping-insurance.one-claim)",
        )
    return opened


def pay_claims(uow, insurer: ShippingInsurer, clock, *, limit: int = 200) -> int:
    """Have the insurer pay pending claims (outside any transaction) and book each once."""
    c = shipping_insurance_claims.c
    with uow.read() as conn:
        pending = conn.execute(
            select(shipping_insurance_claims)
            .where(c.status == ClaimStatus.PENDING.value)
            .order_by(c.id)
            .limit(limit)
        ).all()
    done = 0
    for claim in pending:
        result = insurer.claim(
            ClaimRequest(
                claim.idempotency_key,
                claim.order_id,
                claim.buyer_id,
                claim.tier,
                claim.return_carrier,
                claim.return_tracking,
                claim.postage_fen,
                claim.amount_fen,
            )
        )
        with uow.begin() as conn:
            done += _book(conn, claim, result, insurer.name, clock.now())
    return done


def _book(conn: Connection, claim, result: ClaimResult, insurer: str, now: datetime) -> int:
    """The insurer's answer, booked once: a conditional update claims the row, so a concurrent
    worker that got there first makes this a no-op."""
    paid = min(result.paid_fen, claim.amount_fen)
    status = ClaimStatus.PAID if paid > 0 else ClaimStatus.REFUSED
    values = {"amount_fen": paid} if paid > 0 else {}
    if not CLAIM_LIFECYCLE.try_move(
        conn,
        shipping_insurance_claims,
        claim.id,
        ClaimStatus.PENDING,
        status,
        insurer=insurer,
        provider_ref=result.reference,
        paid_at=now,
        **values,
    ):
        return 0
    if paid <= 0:
        _event(
            conn,
            claim.case_id,
            now,
            "insurance_refused",
            why=f"the insurer paid nothing ({result.reference})",
        )
        return 0
    ledger.record(
        conn,
        key=claim.idempotency_key,
        kind="insurance",
        at=now,
        memo=f"return postage of order {claim.order_id} paid by shipping insurance ({claim.clause_id})",
        postings=[ledger.Posting(insurer_account(insurer), buyer_return_postage(claim.buyer_id), paid)],
    )
    _event(conn, claim.case_id, now, "insurance_paid", amount_fen=paid, provider_ref=result.reference)
    return 1
