"""The one place that builds the engine, unit of work, clock, rulebook and adapters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pledge.config import Settings
from pledge.kernel.clock import Clock, OffsetClock, SystemClock
from pledge.kernel.db import UnitOfWork, make_engine
from pledge.kernel.errors import Forbidden
from pledge.kernel.kv import get_value, set_value
from pledge.payments.adapters import PaymentProvider, SandboxProvider
from pledge.rulebooks.loader import Rulebook, load
from pledge.uploads.store import FileStore, LocalFileStore

CLOCK_OFFSET_KEY = "demo_clock_offset_seconds"


@dataclass
class App:
    settings: Settings
    uow: UnitOfWork
    clock: Clock
    rulebook: Rulebook
    payments: PaymentProvider
    files: FileStore

    @property
    def pay_window(self) -> timedelta:
        return timedelta(minutes=self.settings.pay_window_minutes)


def read_clock_offset(uow: UnitOfWork) -> timedelta:
    with uow.read() as conn:
        return timedelta(seconds=float(get_value(conn, CLOCK_OFFSET_KEY) or 0))


def advance_demo_clock(app: App, delta: timedelta) -> timedelta:
    """Demo mode only: move the shared clock forward for every process on this database."""
    if not app.settings.demo_mode:
        raise Forbidden("the clock can only be advanced in demo mode (PLEDGE_DEMO_MODE=1)")
    if delta <= timedelta(0):
        raise Forbidden("the clock only moves forward")
    with app.uow.begin() as conn:
        offset = timedelta(seconds=float(get_value(conn, CLOCK_OFFSET_KEY) or 0)) + delta
        set_value(conn, CLOCK_OFFSET_KEY, str(offset.total_seconds()))
    return offset


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    uow = UnitOfWork(make_engine(settings.resolved_database_url()))
    if clock is None:
        clock = OffsetClock(lambda: read_clock_offset(uow)) if settings.demo_mode else SystemClock()
    return App(settings, uow, clock, load(settings.rulebook), SandboxProvider(settings.payment_secret),
               LocalFileStore(settings.var_dir / "uploads"))
