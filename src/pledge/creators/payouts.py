"""Creators' withdrawals (提现) of their available commissions, through the payout adapter the
merchants' payouts use (settlement.payouts, payee `creator:{id}`):

    creator-payout:{id}       creator:{c}:available -> platform:creator-payouts-in-transit
    creator-payout-sent:{id}  platform:creator-payouts-in-transit -> external:bank

A creator withdraws at most what is payable (creators.queries.payable: the available balance less
the 5 % reserve of `affiliate.reserve`; nothing while a violation freeze is in force,
`affiliate.freeze`: 延长提现时长); the worker sends pending payouts, and the pending -> sent update
is the claim, so each is booked once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.creators.commissions import creator_available
from pledge.creators.queries import payable
from pledge.creators.services import creator_of
from pledge.creators.tables import creator_payouts, creators
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Rulebook
from pledge.settlement.accounts import BANK
from pledge.settlement.model import PAYOUT_LIFECYCLE, PayoutStatus

IN_TRANSIT = "platform:creator-payouts-in-transit"


def request_creator_payout(
    conn: Connection, actor: Actor, book: Rulebook, *, amount_fen: int, at: datetime
) -> int:
    """The caller, a creator, withdraws `amount_fen` of what is payable now."""
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            f"a payout must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}"
        )
    creator = creator_of(conn, actor)
    # One creator's withdrawals queue on their row, so two cannot both spend the same balance.
    conn.execute(select(creators.c.id).where(creators.c.id == creator.id).with_for_update()).first()
    can = payable(conn, book, creator.id, now=at)
    if can["frozen_until"] is not None:
        raise Conflict(f"your commissions are frozen for a violation until {can['frozen_until'].isoformat()}")
    if amount_fen > can["payable_fen"]:
        raise InvalidInput(
            f"the payout of {format_yuan(amount_fen)} yuan is more than the payable "
            f"{format_yuan(can['payable_fen'])} yuan (available {format_yuan(can['available_fen'])}, "
            f"reserve {format_yuan(can['reserve_fen'])})",
            payable_fen=can["payable_fen"],
        )
    payout_id = inserted_id(
        conn,
        creator_payouts.insert().values(
            creator_id=creator.id, amount_fen=amount_fen, status=PayoutStatus.PENDING.value, requested_at=at
        ),
    )
    ledger.record(
        conn,
        key=f"creator-payout:{payout_id}",
        kind="creator_payout",
        memo=f"payout {payout_id} to creator {creator.id}'s bank account",
        postings=[ledger.Posting(creator_available(creator.id), IN_TRANSIT, amount_fen)],
        at=at,
    )
    return payout_id


def send_creator_payouts(uow, provider, clock, *, limit: int = 100) -> int:
    """Send pending creator payouts through the adapter (outside any transaction, idempotent by
    key) and book each once: the pending -> sent update is the claim."""
    p = creator_payouts.c
    with uow.read() as conn:
        due = conn.execute(
            select(creator_payouts).where(p.status == PayoutStatus.PENDING.value).order_by(p.id).limit(limit)
        ).all()
    sent = 0
    for row in due:
        ref = provider.send(
            shop_id=None,
            amount_fen=row.amount_fen,
            idempotency_key=f"creator-payout:{row.id}",
            payee=f"creator:{row.creator_id}",
        )
        with uow.begin() as conn:
            now = clock.now()
            moved = PAYOUT_LIFECYCLE.try_move(
                conn,
                creator_payouts,
                row.id,
                PayoutStatus.PENDING,
                PayoutStatus.SENT,
                provider_ref=ref,
                sent_at=now,
            )
            if moved:
                ledger.record(
                    conn,
                    key=f"creator-payout-sent:{row.id}",
                    kind="creator_payout_sent",
                    memo=f"creator payout {row.id} sent ({ref})",
                    postings=[ledger.Posting(IN_TRANSIT, BANK, row.amount_fen)],
                    at=now,
                )
                sent += 1
    return sent
