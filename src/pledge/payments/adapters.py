"""Payment providers behind one interface. Pledge ships a sandbox provider; a real provider
(Alipay, WeChat Pay, a bank gateway) implements the same three methods. Callbacks are signed
with HMAC-SHA256 so a forged callback is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Protocol

from pledge.kernel.errors import Unauthorized


@dataclass(frozen=True)
class CallbackPayload:
    provider_ref: str
    amount_fen: int
    status: str  # captured | failed


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, provider_ref: str, amount_fen: int) -> str:
        """Where to send the buyer to pay."""

    def sign(self, payload: CallbackPayload) -> tuple[bytes, str]:
        """(body, signature) of a callback as the provider would send it."""

    def verify(self, body: bytes, signature: str) -> CallbackPayload:
        """Parse a callback body, refusing it unless the signature is the provider's."""

    def refund(self, provider_ref: str, amount_fen: int, idempotency_key: str) -> str:
        """Return money to the buyer's original payment; the same key never refunds twice.
        Returns the provider's refund reference."""


class SandboxProvider:
    """Captures every payment the buyer confirms; no money moves outside Pledge. Callbacks are
    signed with the current secret; during a rotation (PLEDGE_PAYMENT_SECRET_PREVIOUS) a
    callback signed with the previous one is still accepted."""

    name = "sandbox"

    def __init__(self, secret: str, *, previous: str = "") -> None:
        self._secret = secret.encode()
        self._accepted = [k.encode() for k in (secret, previous) if k]

    def checkout_url(self, provider_ref: str, amount_fen: int) -> str:
        return f"/pay/sandbox/{provider_ref}"

    def _signature(self, body: bytes, key: bytes | None = None) -> str:
        return hmac.new(key or self._secret, body, hashlib.sha256).hexdigest()

    def sign(self, payload: CallbackPayload) -> tuple[bytes, str]:
        body = json.dumps(
            {
                "provider_ref": payload.provider_ref,
                "amount_fen": payload.amount_fen,
                "status": payload.status,
            },
            sort_keys=True,
        ).encode()
        return body, self._signature(body)

    def refund(self, provider_ref: str, amount_fen: int, idempotency_key: str) -> str:
        if amount_fen <= 0:
            raise ValueError("a refund is a positive amount")
        return "rf_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]

    def verify(self, body: bytes, signature: str) -> CallbackPayload:
        if not any(
            [hmac.compare_digest(self._signature(body, key), signature or "") for key in self._accepted]
        ):
            raise Unauthorized("payment callback signature does not match")
        data = json.loads(body)
        return CallbackPayload(str(data["provider_ref"]), int(data["amount_fen"]), str(data["status"]))
