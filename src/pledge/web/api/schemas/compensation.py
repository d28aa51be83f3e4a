"""What the compensation operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class CompensationOut(BaseModel):
    """A compensation paid to a buyer, with the clause and inputs that produced it."""

    id: int
    idempotency_key: str
    order_id: int
    shop_id: int
    buyer_id: int
    kind: str
    amount_fen: int
    rulebook: str
    rulebook_version: str
    clause_id: str
    clause_source: str
    inputs: dict[str, Any]
    explanation: str
    explanation_zh: str
    transaction_id: int | None
    coupon_id: int | None
    created_at: datetime


class CouponOut(BaseModel):
    id: int
    buyer_id: int
    amount_fen: int
    min_spend_fen: int
    status: str
    issued_at: datetime
    source: str
    explanation: str
    explanation_zh: str
    funded_by: str
    spent_order_id: int | None
    spent_at: datetime | None
    shop_id: int | None  # a merchant's coupon is spent at this shop only
    expires_at: datetime | None
    compensation: CompensationOut | None  # the compensation that issued it, if one did


class WalletOut(BaseModel):
    coupons: list[CouponOut]
    available: list[CouponOut]
    available_fen: int
    ledger_balance_fen: int


class CompensationsOut(BaseModel):
    items: list[CompensationOut]
    total_fen: int
    count: int


class RulebookOutSettings(BaseModel):
    rounding: str
    coupon: str


class RulebookOutClausesParams(BaseModel):
    trigger: str | None = None
    hours: int | None = None
    max_age_hours: int | None = None
    carrier: str | None = None
    business_start: str | None = None
    business_end: str | None = None
    max_stars_unsatisfied: int | None = None
    no_reply_seconds: int | None = None
    window_days: int | None = None
    counted_from: str | None = None
    counted: list[str] | None = None
    categories: list[str] | None = None
    rate_bp: int | None = None
    special_channel_bp: int | None = None
    rate: str | None = None
    group: str | None = None
    official: list[str] | None = None
    badge: str | None = None
    groups: list[str] | None = None
    reasons: list[str] | None = None
    withdrawn: bool | None = None
    min_share_bp: int | None = None
    max_share_bp: int | None = None
    refund_bp: int | None = None
    reason: str | None = None
    notice_day: int | None = None
    update_day: int | None = None


class RulebookOutClauses(BaseModel):
    id: str
    kind: str
    effective: date
    source: str
    text: str
    text_en: str
    params: RulebookOutClausesParams


class RulebookOut(BaseModel):
    name: str
    version: date
    title: str
    title_en: str
    timezone: str
    settings: RulebookOutSettings
    clauses: list[RulebookOutClauses]


class ExemptOut(BaseModel):
    order_id: int
    exempt: bool
    reason: str


class CarrierSlipOut(BaseModel):
    order_id: int
    slip_at: datetime
