"""What the logistics operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime

from pydantic import BaseModel

from pledge.web.api.schemas.compensation import CompensationOut


class CarrierEventOut(BaseModel):
    status: str
    event_id: str
    shipment_id: int
    tracking_event_id: int


class SanctionsOutItemsInputsDays(BaseModel):
    day: date
    due: int
    late: int


class SanctionsOutItemsInputs(BaseModel):
    days: list[SanctionsOutItemsInputsDays]
    min_late: int
    min_rate_bp: int


class SanctionsOutItems(BaseModel):
    id: int
    idempotency_key: str
    shop_id: int
    product_id: int | None
    kind: str
    daily_limit: int
    timezone: str
    basis_day: date
    rulebook: str
    rulebook_version: date
    clause_id: str
    clause_source: str
    inputs: SanctionsOutItemsInputs
    reason: str
    reason_zh: str
    starts_at: datetime
    ends_at: datetime
    lifted_at: datetime | None
    created_at: datetime
    product_title: str | None
    active: bool


class SanctionsOut(BaseModel):
    items: list[SanctionsOutItems]
    active: list[SanctionsOutItems]


class LogisticsOut(BaseModel):
    compensations: list[CompensationOut]


class FraudulentOut(BaseModel):
    order_id: int
    compensation_id: int
    amount_fen: int
    clause_id: str
    explanation: str
    explanation_zh: str


class BookedDeliveryOut(BaseModel):
    order_id: int
    booked_delivery_by: datetime
