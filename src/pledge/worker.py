"""The background work: cancel unpaid orders, apply carrier events, run the late-ship sweep,
the logistics-rule sweeps (booked delivery included) and the daily sanctions, close orders
unshipped for 365 days, act on after-sales deadlines and send pending refunds and
shipping-insurance claims.
`pledge worker` runs it in a loop; `pledge serve` runs the same loop in a thread of each of its
processes. Every step is safe to run concurrently, but on PostgreSQL only the holder of the
sweeper lease (kernel.lease) runs the passes, so N processes do not do the work N times; the
others only write their own buffered behaviour events on each interval."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from pledge.aftersales.insurance import pay_claims
from pledge.aftersales.services import complete_refunds, sweep_case_deadlines
from pledge.bootstrap import App, refresh_clock
from pledge.creators.commissions import run_step as creator_commissions_step
from pledge.creators.payouts import send_creator_payouts
from pledge.creators.sample_duties import sweep_duties
from pledge.creators.samples import sweep_samples
from pledge.experience.services import snapshot_due
from pledge.feed.training import train_when_due
from pledge.flash.services import close_ended, return_unpaid
from pledge.fulfilment.services import apply_tracking_events
from pledge.governance.appeals import run_step as settle_appeals
from pledge.governance.creator_appeals import run_step as creator_appeals_step
from pledge.governance.creator_money import run_step as creator_penalty_step
from pledge.integrations.delivery import default_sender, deliver_due
from pledge.integrations.idempotency import purge as purge_idempotency_keys
from pledge.integrations.ratelimits import purge as purge_rate_windows
from pledge.inventory.services import release_cancelled
from pledge.kernel.lease import Lease
from pledge.lateship.services import sweep_late_ship, sweep_threads
from pledge.logistics.sanctions import evaluate_sanctions
from pledge.logistics.services import sweep_logistics
from pledge.logistics.timers import close_unshipped, sweep_booked_delivery
from pledge.orders.services import cancel_unpaid
from pledge.payments.insurers import insurer_for
from pledge.payments.services import refund_unmatched_payments
from pledge.reach.recording import flush_buffer
from pledge.settlement.payouts import provider_for
from pledge.settlement.services import run_step as settlement_step

log = logging.getLogger("pledge.worker")


def run_once(app: App) -> dict:
    refresh_clock(app)  # the demo clock's offset, read outside the pass's transactions
    with app.uow.begin() as conn:
        cancelled = cancel_unpaid(conn, now=app.clock.now())
    with app.uow.begin() as conn:  # units of cancelled orders: back to flash deals and warehouse lots
        stock_returned = return_unpaid(conn, now=app.clock.now()) + close_ended(conn, now=app.clock.now())
        stock_returned += release_cancelled(conn, now=app.clock.now())
    applied = 0
    while True:
        with app.uow.begin() as conn:
            n = apply_tracking_events(conn, now=app.clock.now())
        applied += n
        if n == 0:
            break
    sweep = sweep_late_ship(app.uow, app.rulebook, app.clock, workers=sweep_threads(app.uow))
    logistics = sweep_logistics(app.uow, app.rulebook, app.clock)
    logistics.add(sweep_booked_delivery(app.uow, app.rulebook, app.clock))
    closed = close_unshipped(app.uow, app.rulebook, app.clock)  # its refunds go out below
    sanctioned = evaluate_sanctions(app.uow, app.rulebook, app.clock)
    deadlines = sweep_case_deadlines(app.uow, app.rulebook, app.clock)
    refunded = complete_refunds(app.uow, app.payments, app.clock)
    refunded += refund_unmatched_payments(app.uow, app.payments, app.clock)
    insured = pay_claims(app.uow, insurer_for(app), app.clock)  # after the refunds that open the claims
    settled = settlement_step(app.uow, app.rulebook, app.clock, provider_for(app))
    settled.update(_creator_money(app))  # after the proceeds settle
    settled["creator_payouts_sent"] = send_creator_payouts(app.uow, provider_for(app), app.clock)
    scored = snapshot_due(app.uow, app.rulebook, app.clock)
    appeals = settle_appeals(app.uow, app.rulebook, app.clock)  # unanswered by their deadline
    samples = sweep_samples(app.uow, app.clock)  # sample requests past their deadline (寄样)
    samples += sweep_duties(app.uow, app.rulebook, app.clock)  # promotion duties, returns, refunds
    events = flush_buffer(app.uow, app.events)  # this process's buffered behaviour events
    with app.uow.begin() as conn:
        keys_forgotten = purge_idempotency_keys(conn, at=app.clock.now())  # past their 24 hours
        purge_rate_windows(conn, at=app.clock.now())  # apps' request counts older than an hour
    webhooks = _deliver_webhooks(app)  # after every step that publishes events (docs/webhooks.md)
    trained = train_when_due(app.uow, app.rulebook, app.clock.now(), *_reach_schedule(app))
    return {
        "cancelled_unpaid": cancelled,
        "tracking_events": applied,
        "late_ship_examined": sweep.examined,
        "late_ship_compensated": sweep.compensated,
        "late_ship_amount_fen": sweep.amount_fen,
        "case_deadlines": deadlines,
        "refunds_completed": refunded,
        "insurance_claims_paid": insured,
        "logistics_compensated": logistics.compensated,
        "logistics_amount_fen": logistics.amount_fen,
        "sanctions_applied": sanctioned.applied,
        "sanctions_lifted": sanctioned.lifted,
        "settlement": settled,
        "experience_snapshots": scored,
        "stock_returned": stock_returned,
        "unshipped_closed": closed.closed,
        "appeals_settled": appeals,
        "samples_closed": samples,
        "reach_events_written": events,
        "idempotency_keys_purged": keys_forgotten,
        "webhooks_delivered": webhooks,
        "reach_trained_users": trained,  # -1: training not due yet
    }


def _creator_money(app: App) -> dict[str, int]:
    """Creators' commissions booked, settled and returned; their appeals settled at their deadline,
    then their penalty holds released when over and money penalties charged when due."""
    done = creator_commissions_step(app.uow, app.rulebook, app.clock)
    done |= creator_appeals_step(app.uow, app.rulebook, app.clock)
    return done | creator_penalty_step(app.uow, app.rulebook, app.clock)


def _deliver_webhooks(app: App) -> int:
    allow_private = app.settings.webhooks_allow_private_hosts
    return deliver_due(app.uow, app.clock, default_sender(), allow_private=allow_private)


def _reach_schedule(app: App) -> tuple[timedelta, int]:
    return timedelta(minutes=app.settings.reach_train_every_minutes), app.settings.reach_retention_days


def run_forever(app: App, stop: threading.Event, interval: float) -> None:
    lease = Lease(app.uow.engine)
    try:
        while not stop.is_set():
            _pass(app, lease, interval)
            stop.wait(interval)
    finally:
        lease.release()


def _pass(app: App, lease: Lease, interval: float) -> None:
    try:
        if not lease.holds():  # another process sweeps; this one's events still go out
            flush_buffer(app.uow, app.events)
            return
        report = run_once(app)
        if report["late_ship_compensated"] or report["cancelled_unpaid"]:
            log.info("worker: %s", report)
    except Exception:  # keep sweeping: one bad batch must not stop the pledge for everyone
        log.exception("worker pass failed; retrying in %.0fs", interval)


def start_in_thread(app: App, interval: float) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(app, stop, interval), name="pledge-worker", daemon=True
    )
    thread.start()
    return thread, stop
