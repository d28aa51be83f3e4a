"""What a simulation run is asked to do, checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from pledge.kernel.clock import UTC, zone
from pledge.kernel.errors import InvalidInput

MAX_DAYS = 366
MAX_SHOPS = 1000
MAX_ORDERS_PER_DAY = 10_000
SIM_ZONE = "Asia/Shanghai"  # the rulebook's zone: a simulated day is a Beijing calendar day


@dataclass(frozen=True)
class SimConfig:
    shops: int = 5
    days: int = 7
    orders_per_day: int = 20  # per shop
    seed: int = 0
    start: date = date(2026, 9, 1)  # the first simulated day (Beijing); fixed so runs repeat
    late_share: float = 0.12  # orders picked up after their ship-by time (a simulation setting)

    def __post_init__(self) -> None:
        for name, value, most in (
            ("--shops", self.shops, MAX_SHOPS),
            ("--days", self.days, MAX_DAYS),
            ("--orders-per-day", self.orders_per_day, MAX_ORDERS_PER_DAY),
        ):
            if value < 1:
                raise InvalidInput(f"{name} must be a whole number of at least 1, not {value}")
            if value > most:
                raise InvalidInput(f"{name} may be at most {most}, not {value}")
        if not 0 <= self.late_share <= 1:
            raise InvalidInput(f"--late-share is a share between 0 and 1, not {self.late_share}")
        if self.seed < 0:
            raise InvalidInput(f"--seed must be 0 or more, not {self.seed}")

    @property
    def total_orders(self) -> int:
        return self.shops * self.days * self.orders_per_day

    @property
    def starts_at(self) -> datetime:
        """Midnight of the first day in Beijing, as UTC."""
        return datetime.combine(self.start, time(0), tzinfo=zone(SIM_ZONE)).astimezone(UTC)

    def tag(self) -> str:
        """What makes this run's accounts and shops distinct from another seed's in one database."""
        return f"s{self.seed}"
