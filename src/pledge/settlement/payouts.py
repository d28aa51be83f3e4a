"""Payouts to the merchant's bank account through an adapter. A real provider implements
PayoutProvider; the sandbox pays instantly, keeps its books in its own table (the same key never
pays twice, and every process reads the same record) and can be told that the bank returned a
payout."""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy import select

from pledge.kernel.db import UnitOfWork, dialect_insert
from pledge.settlement.tables import sandbox_payout_transfers


class PayoutProvider(Protocol):
    name: str

    def send(self, *, shop_id: int, amount_fen: int, idempotency_key: str) -> str:
        """Pay the shop's bank account; the same key never pays twice. Returns the provider's reference."""

    def sent(self) -> dict[str, int]:
        """What the provider has paid, by reference (for the reconciliation report)."""


class SandboxPayoutProvider:
    name = "sandbox"

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def send(self, *, shop_id: int, amount_fen: int, idempotency_key: str) -> str:
        if amount_fen <= 0:
            raise ValueError("a payout is a positive amount")
        ref = "po_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
        with self._uow.begin() as conn:  # the provider's own transaction, as a remote bank's would be
            insert = dialect_insert(conn)
            conn.execute(
                insert(sandbox_payout_transfers)
                .values(ref=ref, shop_id=shop_id, amount_fen=amount_fen)
                .on_conflict_do_nothing(index_elements=["ref"])
            )
        return ref

    def sent(self) -> dict[str, int]:
        with self._uow.read() as conn:
            return {r.ref: r.amount_fen for r in conn.execute(select(sandbox_payout_transfers))}


def provider_for(app) -> PayoutProvider:
    """The app's payout adapter (`app.payouts` when one is configured), else the sandbox on the app's database."""
    configured = getattr(app, "payouts", None)
    return configured if configured is not None else SandboxPayoutProvider(app.uow)
