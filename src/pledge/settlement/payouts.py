"""Payouts to the merchant's bank account through an adapter. A real provider implements
PayoutProvider; the sandbox pays instantly, keeps its books in its own table (the same key never
pays twice, and every process reads the same record) and can be told that the bank returned a
payout."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, Permission, require_platform, require_shop
from pledge.integrations import outbox
from pledge.kernel.db import UnitOfWork, dialect_insert, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import deposits, freezes
from pledge.settlement.accounts import (
    BANK,
    FINANCE_ROLES,
    IN_TRANSIT,
    available,
    lock_shop,
)
from pledge.settlement.model import PAYOUT_LIFECYCLE, PayoutStatus
from pledge.settlement.tables import (
    payouts,
    sandbox_payout_transfers,
)


class PayoutProvider(Protocol):
    name: str

    def send(
        self, *, shop_id: int | None, amount_fen: int, idempotency_key: str, payee: str | None = None
    ) -> str:
        """Pay the shop's bank account (or, with `payee` = creator:{id} and no shop, a creator's:
        pledge.creators.payouts); the same key never pays twice. Returns the provider's reference."""

    def sent(self) -> dict[str, int]:
        """What the provider has paid, by reference (for the reconciliation report)."""


class SandboxPayoutProvider:
    name = "sandbox"

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def send(
        self, *, shop_id: int | None, amount_fen: int, idempotency_key: str, payee: str | None = None
    ) -> str:
        if amount_fen <= 0:
            raise ValueError("a payout is a positive amount")
        ref = "po_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
        with self._uow.begin() as conn:  # the provider's own transaction, as a remote bank's would be
            insert = dialect_insert(conn)
            conn.execute(
                insert(sandbox_payout_transfers)
                .values(ref=ref, shop_id=shop_id, amount_fen=amount_fen, payee=payee)
                .on_conflict_do_nothing(index_elements=["ref"])
            )
        return ref

    def sent(self) -> dict[str, int]:
        with self._uow.read() as conn:
            return {r.ref: r.amount_fen for r in conn.execute(select(sandbox_payout_transfers))}


def provider_for(app) -> PayoutProvider:
    """The app's payout adapter (`app.payouts` when one is configured), else the sandbox on the
    app's database."""
    configured = getattr(app, "payouts", None)
    return configured if configured is not None else SandboxPayoutProvider(app.uow)


class PayoutGuard(Protocol):
    """May this shop be paid out at `at`? (A penalty's proceeds freeze, 冻结货款: pledge.governance,
    wired by bootstrap as App.payout_guards.) Refuses by raising a DomainError."""

    def check_payout(self, conn: Connection, shop_id: int, *, at: datetime) -> None: ...


def request_payout(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    shop_id: int,
    *,
    amount_fen: int,
    at: datetime,
    guards: Sequence[PayoutGuard] = (),
) -> int:
    """Reserve an amount of the available balance for the bank (the worker sends it). Refused
    while the deposit is short (deposit.short.payouts) or a guard refuses (proceeds frozen by a
    penalty), and never out of money a freeze is still waiting for (settlement.freezes)."""
    require_shop(actor, shop_id, permission=Permission.SETTLEMENT)
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            f"a payout must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}"
        )
    lock_shop(conn, shop_id)
    for guard in guards:
        guard.check_payout(conn, shop_id, at=at)
    deposits.check_payouts_allowed(conn, book, shop_id, at)
    balance = ledger.balance(conn, available(shop_id))
    waiting = freezes.waiting_fen(conn, shop_id)
    if amount_fen > balance - waiting:
        held_back = f", of which {format_yuan(waiting)} yuan is held for a freeze" if waiting else ""
        raise InvalidInput(
            f"the payout of {format_yuan(amount_fen)} yuan is more than the available balance of "
            f"{format_yuan(balance)} yuan{held_back}",
            available_fen=balance,
            held_for_freezes_fen=waiting,
        )
    payout_id = inserted_id(
        conn,
        payouts.insert().values(
            shop_id=shop_id,
            amount_fen=amount_fen,
            status=PayoutStatus.PENDING.value,
            requested_by=actor.user_id,
            requested_at=at,
        ),
    )
    ledger.record(
        conn,
        key=f"payout:{payout_id}",
        kind="payout",
        memo=f"payout {payout_id} to the shop's bank account",
        postings=[ledger.Posting(available(shop_id), IN_TRANSIT, amount_fen)],
        at=at,
    )
    return payout_id


def send_payouts(uow, provider, clock, *, limit: int = 100) -> int:
    """Send pending payouts through the adapter (outside any transaction, idempotent by key) and
    book them once: the pending -> sent update is the claim."""
    with uow.read() as conn:
        due = conn.execute(
            select(payouts)
            .where(payouts.c.status == PayoutStatus.PENDING.value)
            .order_by(payouts.c.id)
            .limit(limit)
        ).all()
    sent = 0
    for p in due:
        ref = provider.send(shop_id=p.shop_id, amount_fen=p.amount_fen, idempotency_key=f"payout:{p.id}")
        with uow.begin() as conn:
            now = clock.now()
            if PAYOUT_LIFECYCLE.try_move(
                conn, payouts, p.id, PayoutStatus.PENDING, PayoutStatus.SENT, provider_ref=ref, sent_at=now
            ):
                ledger.record(
                    conn,
                    key=f"payout-sent:{p.id}",
                    kind="payout_sent",
                    memo=f"payout {p.id} sent ({ref})",
                    postings=[ledger.Posting(IN_TRANSIT, BANK, p.amount_fen)],
                    at=now,
                )
                payload = {"payout_id": p.id, "amount_fen": p.amount_fen, "provider_ref": ref, "at": now}
                outbox.publish(conn, p.shop_id, "payout.sent", p.id, payload, at=now)
                sent += 1
    return sent


def return_payout(conn: Connection, actor: Actor, payout_id: int, *, reason: str, at: datetime) -> None:
    """The bank sent a payout back (closed account, wrong name): the money is available again, once."""
    require_platform(actor, *FINANCE_ROLES)
    row = conn.execute(select(payouts).where(payouts.c.id == payout_id)).first()
    if row is None:
        raise NotFound(f"no payout {payout_id}")
    if not reason.strip():
        raise InvalidInput("say why the bank returned the payout")
    if not PAYOUT_LIFECYCLE.try_move(
        conn,
        payouts,
        payout_id,
        PayoutStatus.SENT,
        PayoutStatus.RETURNED,
        returned_at=at,
        return_reason=reason.strip(),
    ):
        raise Conflict(f"payout {payout_id} is {row.status}; only a sent payout can come back")
    ledger.record(
        conn,
        key=f"payout-return:{payout_id}",
        kind="payout_return",
        memo=f"payout {payout_id} returned: {reason}",
        postings=[ledger.Posting(BANK, available(row.shop_id), row.amount_fen)],
        at=at,
    )
