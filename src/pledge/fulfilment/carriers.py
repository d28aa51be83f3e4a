"""Carrier adapters. The sandbox carrier stands in for SF, YTO and ZTO: when a parcel is handed
over it schedules the tracking events a real carrier would report (pickup scan, in transit,
delivered), timed by the injected clock. A real carrier implements `schedule` by registering
the waybill and delivers its events through the tracking webhook instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class ScheduledEvent:
    kind: str  # picked_up | in_transit | delivered
    occurs_at: datetime
    location: str


class Carrier(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def tracked(self) -> bool:
        """False: no carrier data, so the merchant's ship click counts as shipped."""
        ...

    def schedule(
        self, *, tracking_no: str, handed_over_at: datetime, origin: str
    ) -> list[ScheduledEvent]: ...


@dataclass(frozen=True)
class SandboxCarrier:
    code: str
    name: str
    pickup_after: timedelta = timedelta(hours=2)
    transit_after: timedelta = timedelta(hours=10)
    deliver_after: timedelta = timedelta(hours=36)
    tracked: bool = True

    def schedule(self, *, tracking_no: str, handed_over_at: datetime, origin: str) -> list[ScheduledEvent]:
        return [
            ScheduledEvent("picked_up", handed_over_at + self.pickup_after, origin),
            ScheduledEvent("in_transit", handed_over_at + self.transit_after, f"{origin} → 转运中心"),
            ScheduledEvent("delivered", handed_over_at + self.deliver_after, "买家签收"),
        ]


@dataclass(frozen=True)
class UntrackedCarrier:
    code: str = "other"
    name: str = "其他（无物流轨迹）"
    tracked: bool = False

    def schedule(self, *, tracking_no: str, handed_over_at: datetime, origin: str) -> list[ScheduledEvent]:
        return []


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        SandboxCarrier("sf", "顺丰速运"),
        SandboxCarrier("yto", "圆通速递", pickup_after=timedelta(hours=4)),
        SandboxCarrier("zto", "中通快递", pickup_after=timedelta(hours=6)),
        UntrackedCarrier(),
    )
}
