"""What the demo operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str
    rulebook: str
    now: datetime


class AdvanceOutSweepSettlement(BaseModel):
    fees_charged: int
    fees_refunded: int
    settled: int
    rebates: int
    payouts_sent: int
    frozen: int
    released: int


class AdvanceOutSweep(BaseModel):
    cancelled_unpaid: int
    tracking_events: int
    late_ship_examined: int
    late_ship_compensated: int
    late_ship_amount_fen: int
    case_deadlines: dict[str, Any]
    refunds_completed: int
    insurance_claims_paid: int
    logistics_compensated: int
    logistics_amount_fen: int
    sanctions_applied: int
    sanctions_lifted: int
    settlement: AdvanceOutSweepSettlement
    experience_snapshots: int
    stock_returned: int
    unshipped_closed: int


class AdvanceOut(BaseModel):
    now: datetime
    offset_seconds: float
    sweep: AdvanceOutSweep
