"""Creators' withdrawals (提现) of their available commissions, through the payout adapter the
merchants' payouts use (settlement.payouts, payee `creator:{id}`):

    creator-payout:{id}       creator:{c}:available -> platform:creator-payouts-in-transit
    creator-payout-sent:{id}  platform:creator-payouts-in-transit -> external:bank

A creator withdraws at most what is payable (creators.queries.payable: the available balance less
the 5 % reserve of `affiliate.reserve`; nothing while a violation freeze is in force,
`affiliate.freeze`: 延长提现时长); the worker sends pending payouts, and the pending -> sent update
is the claim, so each is booked once. A bank may send a sent payout back (closed account, wrong
name): `return_creator_payout` (finance) moves it sent -> returned, the claim, and books

    creator-payout-return:{id}  external:bank -> creator:{c}:available

so the creator's balance is whole again, once; the creator withdraws again (a new payout)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.creators.commissions import creator_available
from pledge.creators.queries import payable
from pledge.creators.services import creator_of
from pledge.creators.tables import creator_payouts, creators
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.kernel.money import format_yuan
from pledge.kernel.text import clean_text
from pledge.ledger import queries as ledger_queries
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Rulebook
from pledge.settlement.accounts import BANK, FINANCE_ROLES
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


REASON_MAX = 200


def return_creator_payout(
    conn: Connection, actor: Actor, payout_id: int, *, reason: str, at: datetime
) -> None:
    """The bank sent a creator's payout back: the amount is available to the creator again, once."""
    require_platform(actor, *FINANCE_ROLES)
    why = clean_text(reason, field="the reason the bank gave", max_length=REASON_MAX)
    row = conn.execute(select(creator_payouts).where(creator_payouts.c.id == payout_id)).first()
    if row is None:
        raise NotFound(f"no creator payout {payout_id}")
    if not PAYOUT_LIFECYCLE.try_move(
        conn,
        creator_payouts,
        payout_id,
        PayoutStatus.SENT,
        PayoutStatus.RETURNED,
        returned_at=at,
        return_reason=why,
    ):
        raise Conflict(f"creator payout {payout_id} is {row.status}; only a sent payout can come back")
    ledger.record(
        conn,
        key=f"creator-payout-return:{payout_id}",
        kind="creator_payout_return",
        memo=f"creator payout {payout_id} returned by the bank: {why}",
        postings=[ledger.Posting(BANK, creator_available(row.creator_id), row.amount_fen)],
        at=at,
    )


def reconciliation_rows(
    conn: Connection, start: datetime, end: datetime, at_provider: dict[str, int]
) -> list[tuple[str, int, int, int | None]]:
    """Creators' payouts in the platform's reconciliation (settlement.reports.reconciliation):
    Pledge's records vs the ledger vs the payout provider, for [start, end)."""
    p = creator_payouts.c

    def ledger_moved(kind: str, **side: str) -> int:
        return ledger_queries.moved(conn, kind, start, end, **side)

    requested = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.requested_at >= start, p.requested_at < end)
    ).scalar_one()
    sent = conn.execute(select(p.provider_ref, p.amount_fen).where(p.sent_at >= start, p.sent_at < end)).all()
    returned = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.returned_at >= start, p.returned_at < end)
    ).scalar_one()
    return [
        ("creator payouts requested", int(requested), ledger_moved("creator_payout", into=IN_TRANSIT), None),
        (
            "creator payouts sent",
            sum(r.amount_fen for r in sent),
            ledger_moved("creator_payout_sent", into=BANK),
            sum(at_provider.get(r.provider_ref, 0) for r in sent),
        ),
        ("creator payouts returned", int(returned), ledger_moved("creator_payout_return", out_of=BANK), None),
    ]


def payout_view(conn: Connection, payout_id: int) -> dict:
    p = creator_payouts.c
    row = conn.execute(select(p.id, p.amount_fen, p.status).where(p.id == payout_id)).one()
    return dict(row._mapping)


def recent_payouts(conn: Connection, *, limit: int = 50) -> list[dict]:
    """The latest creator payouts with their creators' names, for the finance page."""
    p = creator_payouts.c
    rows = conn.execute(
        select(p.id, p.amount_fen, p.status, p.return_reason, creators.c.display_name.label("creator_name"))
        .join(creators, creators.c.id == p.creator_id)
        .order_by(p.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping, status=PayoutStatus(r.status)) for r in rows]
