"""Shipping-insurance (运费险) insurers behind one interface, like the payment providers in
adapters.py. Pledge decides what a claim is worth from the rulebook (douyin:aJpAMtJPdWH7: the
return postage up to the cap of the insurance the shop bought) and asks the insurer to pay the
buyer; a real insurer implements `ShippingInsurer.claim` against its own API. The call carries an
idempotency key derived from the order (`shipping-insurance:{order_id}`): an insurer must never
pay the same key twice, since a worker that crashed after the call will make it again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ClaimRequest:
    idempotency_key: str  # shipping-insurance:{order_id}
    order_id: int
    buyer_id: int
    tier: str  # small | upgraded | large
    return_carrier: str
    return_tracking: str
    postage_fen: int  # what the buyer paid to send the goods back
    amount_fen: int  # what the policy pays: the postage up to the tier's cap


@dataclass(frozen=True)
class ClaimResult:
    reference: str  # the insurer's claim number
    paid_fen: int  # what the insurer paid the buyer (never more than amount_fen)


class ShippingInsurer(Protocol):
    name: str

    def claim(self, request: ClaimRequest) -> ClaimResult:
        """Pay the buyer the claim. The same idempotency key never pays twice: a repeated
        call answers the first call's result. Raise to leave the claim pending for a retry."""


class SandboxInsurer:
    """Pays every claim in full at once; no money moves outside Pledge. The reference is derived
    from the key, so a repeated call answers the same claim."""

    name = "sandbox"

    def claim(self, request: ClaimRequest) -> ClaimResult:
        if request.amount_fen <= 0:
            raise ValueError("a claim is a positive amount")
        return ClaimResult(
            "ins_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:20], request.amount_fen
        )


def insurer_for(app) -> ShippingInsurer:
    """The app's insurer (`app.insurer` when one is configured), else the sandbox."""
    configured = getattr(app, "insurer", None)
    return configured if configured is not None else SandboxInsurer()
