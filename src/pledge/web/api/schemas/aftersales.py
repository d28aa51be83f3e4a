"""What the aftersales operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime

from pydantic import BaseModel


class UploadPhotoOut(BaseModel):
    upload_id: int
    size: int


class CaseOutInputs(BaseModel):
    basis: str | None = None
    cover: str | None = None
    cover_clause: str | None = None
    damaged: int | None = None
    paid_fen: int | None = None
    per_unit: bool | None = None
    share_bp: int | None = None
    table_clause: str | None = None
    units: int | None = None
    window: str | None = None


class CaseOutLines(BaseModel):
    units: int
    id: int
    title: str
    quantity: int


class CaseOutEventsDetail(BaseModel):
    amount_fen: int | None = None
    reason: str | None = None
    why: str | None = None
    provider_ref: str | None = None
    carrier: str | None = None
    insured_fen: int | None = None
    postage_fen: int | None = None
    tracking_no: str | None = None


class CaseOutEvents(BaseModel):
    id: int
    case_id: int
    at: datetime
    kind: str
    actor: str
    detail: CaseOutEventsDetail


class CaseOutRefund(BaseModel):
    id: int
    idempotency_key: str
    case_id: int
    order_id: int
    amount_fen: int
    payer: str
    status: str
    provider_ref: str | None
    created_at: datetime
    completed_at: datetime | None


class CaseOutShippingInsurance(BaseModel):
    id: int
    idempotency_key: str
    order_id: int
    case_id: int
    buyer_id: int
    shop_id: int
    return_carrier: str
    return_tracking: str
    postage_fen: int
    amount_fen: int
    tier: str
    clause_id: str
    status: str
    insurer: str
    provider_ref: str
    created_at: datetime
    paid_at: datetime


class CaseOut(BaseModel):
    id: int
    order_id: int
    buyer_id: int
    shop_id: int
    case_type: str
    status: str
    reason: str
    note: str
    refund_fen: int
    payer: str
    clause_id: str
    clause_source: str
    explanation: str
    inputs: CaseOutInputs
    evidence_waived: str
    created_at: datetime
    due_at: datetime | None
    due_kind: str | None
    due_clause: str | None
    decided_at: datetime | None
    return_carrier: str | None
    return_tracking: str | None
    closed_at: datetime | None
    basis: str | None
    return_postage_fen: int | None
    insured_fen: int
    insurance_tier: str | None
    insurance_clause: str | None
    shop_name: str
    timezone: str
    lines: list[CaseOutLines]
    evidence: list[int]
    events: list[CaseOutEvents]
    refund: CaseOutRefund | None
    shipping_insurance: CaseOutShippingInsurance | None
    evidence_urls: list[str]


class CaseSummaryOut(BaseModel):
    id: int
    order_id: int
    buyer_id: int
    shop_id: int
    case_type: str
    status: str
    reason: str
    note: str
    refund_fen: int
    payer: str
    clause_id: str
    clause_source: str
    explanation: str
    inputs: str
    evidence_waived: str
    created_at: datetime
    due_at: datetime | None
    due_kind: str | None
    due_clause: str | None
    decided_at: datetime | None
    return_carrier: str | None
    return_tracking: str | None
    closed_at: datetime | None
    basis: str | None
    return_postage_fen: int | None
    insured_fen: int
    insurance_tier: str | None
    insurance_clause: str | None
    shop_name: str
    timezone: str


class ShopPledgeOut(BaseModel):
    shop_id: int
    per_unit_damage: bool
    no_evidence_for_declared: bool
    damage_window_extra_hours: int
    return_window_extra_hours: int
    damage_share_table: bool
    damage_reasons: list[str]
    statement: str
    updated_at: datetime | None


class ShippingInsuranceOut(BaseModel):
    product_id: int
    insured: bool
    tier: str | None
    cap_fen: int | None
    clause: str | None
    source: str | None
