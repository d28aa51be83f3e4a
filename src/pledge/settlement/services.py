"""The worker's settlement step, which runs every settlement use case in turn. The use cases
live in the module named for what they do: fees (commission and its refunds), settling (proceeds
becoming available), rebates, payouts, deposits, freezes, programs; the read side in queries
(balances, programmes) and reports (statement, reconciliation).

Money moves only through ledger transactions whose idempotency keys come from their cause, and
every step first claims its rows with an insert or a conditional update that only one
transaction can win, so retries and concurrent workers act once:

    fee:{order_id}              proceeds -> platform:fees            (settlement.fees, when paid)
    fee-refund:{refund_id}      platform:fees -> proceeds            (pro rata, after-sales period)
    settle:{order_id}:{entry}   proceeds -> available, or available/deposit -> proceeds (settling)
    rebate:{program}:{shop}:{YYYY-MM}  platform:rebates -> available (settlement.rebates)
    deposit:{id}                external:bank -> deposit             (settlement.deposits)
    freeze:{cause}:… / release:{cause}:…  proceeds|available <-> frozen   (settlement.freezes)
    payout:{id}                 available -> platform:payouts-in-transit  (settlement.payouts)
    payout-sent:{id}            platform:payouts-in-transit -> external:bank
    payout-return:{id}          external:bank -> available            (the bank sent it back)
"""

from __future__ import annotations

from pledge.rulebooks.loader import Rulebook
from pledge.settlement import deposits, freezes, policy
from pledge.settlement.fees import charge_fees, month_of, refund_fees
from pledge.settlement.payouts import send_payouts
from pledge.settlement.rebates import compute_rebates
from pledge.settlement.settling import collect_deductions, settle


def run_step(uow, book: Rulebook, clock, provider, *, batch: int = 1000) -> dict:
    """Charge fees, return fees of refunds, collect deductions, freeze and release (settlement.
    freezes), settle, top up freezes, review short deposits, last month's rebates, send payouts.
    Every part is safe to run in several workers at once."""
    report = {"fees_charged": 0, "fees_refunded": 0, "settled": 0, "rebates": 0, "payouts_sent": 0}
    for name, step in (("fees_charged", charge_fees), ("fees_refunded", refund_fees)):
        while True:
            with uow.begin() as conn:
                n = step(conn, book, now=clock.now(), batch=batch)
            report[name] += n
            if n < batch:
                break
    with uow.begin() as conn:
        collect_deductions(conn, now=clock.now())
    report.update(freezes.run_step(uow, book, clock))
    after: int | None = 0
    while after is not None:
        with uow.begin() as conn:
            n, after = settle(conn, book, now=clock.now(), batch=batch, after_id=after)
        report["settled"] += n
    with uow.begin() as conn:
        freezes.top_up(conn, now=clock.now())
        deposits.review_shortfalls(conn, book, clock.now())
    now = clock.now()
    with uow.begin() as conn:
        report["rebates"] = compute_rebates(
            conn, book, policy.previous_month(month_of(now, book.timezone)), now=now
        )
    report["payouts_sent"] = send_payouts(uow, provider, clock)
    return report
