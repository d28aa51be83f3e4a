"""What the settlement operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class BalanceOutDepositParts(BaseModel):
    kind: str
    amount_fen: int
    clause: str
    source: str
    category: str | None
    text: str
    text_en: str


class BalanceOutPayouts(BaseModel):
    id: int
    amount_fen: int
    status: str
    requested_at: datetime
    sent_at: datetime
    returned_at: datetime | None
    return_reason: str | None
    provider_ref: str


class BalanceOut(BaseModel):
    shop_id: int
    shop_name: str
    pending_fen: int
    available_fen: int
    frozen_fen: int
    waiting_for_freezes_fen: int
    payable_fen: int
    freezes: list[Any]
    deposit_fen: int
    deposit_tier_fen: int
    deposit_clause: str
    deposit_next_fen: int | None
    deposit_next_from: datetime | None
    deposit_parts: list[BalanceOutDepositParts]
    deposit_gmv_month: str
    deposit_gmv_fen: int
    zero_entry: bool
    payouts_paused: bool
    deposit_negative_since: str | None
    deposit_restricted_from: str | None
    selling_restricted: bool
    availability_clause: str
    availability_days: int
    availability_text: str
    availability_text_en: str
    availability_counting: str
    availability_counting_en: str
    payouts: list[BalanceOutPayouts]


class StatementOutLines(BaseModel):
    at: datetime
    kind: str
    order_id: int | None
    amount_fen: int
    description: str
    description_zh: str
    clause_id: str
    clause_source: str
    program: str  # the fee programme and its version: "support-2026-waiver v1"
    program_zh: str  # the same in Chinese: "support-2026-waiver 第1版"


class StatementOutTotals(BaseModel):
    sales: int
    fees: int
    fee_refunds: int
    refunds: int
    deductions: int
    rebates: int
    payouts: int
    payout_returns: int
    deposits: int
    affiliate: int  # creators' commissions taken from the proceeds (negative)
    affiliate_returns: int  # commissions refunds returned to the proceeds
    sample_sales: int  # paid samples' prices kept when the creator's promotion duty was broken


class StatementOutLinesPage(BaseModel):
    """Where the page of lines is, when the statement was asked for a page of them."""

    number: int
    pages: int
    first: int  # 1-based position of the first line on the page, 0 when there is none
    last: int
    total: int  # the month's lines of the kind asked for, or of every kind
    kind: str | None
    kinds: dict[str, int]  # every line kind of the month with its count
    page_size: int


class StatementOut(BaseModel):
    shop_id: int
    shop_name: str
    month: str
    start: datetime
    end: datetime
    lines: list[StatementOutLines]
    totals: StatementOutTotals
    net_fen: int
    ledger_totals: StatementOutTotals
    ledger_unexplained: dict[str, Any]
    reconciled: bool
    opening_fen: int
    closing_fen: int
    rulebook: str
    lines_page: StatementOutLinesPage | None = None  # only when a page was asked for


class ShopProgramsOutProgramsParams(BaseModel):
    tiers: list[list[int]] | None = None


class ShopProgramsOutProgramsApplication(BaseModel):
    id: int
    status: str
    applied_at: datetime


class ShopProgramsOutPrograms(BaseModel):
    id: int
    code: str
    kind: str
    name: str
    name_en: str
    rate_bp: int | None
    rate: str | None
    categories: list[str]
    shop_id: int | None
    channel: str | None
    params: ShopProgramsOutProgramsParams
    starts_at: datetime
    ends_at: datetime | None
    requires_application: bool
    version: int
    application: ShopProgramsOutProgramsApplication | None
    saved_fen: int
    returned_fen: int
    open: bool


class ShopProgramsOut(BaseModel):
    shop_id: int
    programs: list[ShopProgramsOutPrograms]
    saved_fen: int
    returned_fen: int


class ApplyOut(BaseModel):
    id: int
    program_id: int
    shop_id: int
    status: str


class RequestPayoutOut(BaseModel):
    id: int
    shop_id: int
    amount_fen: int
    status: str


class TopUpOut(BaseModel):
    id: int
    shop_id: int
    amount_fen: int


class SetTermsOut(BaseModel):
    shop_id: int
    zero_entry: bool


class ProgramSummaryOutParams(BaseModel):
    task_orders: int | None = None
    days: int | None = None
    tiers: list[list[int]] | None = None


class ProgramSummaryOut(BaseModel):
    id: int
    code: str
    kind: str
    name: str
    name_en: str
    rate_bp: int | None
    rate: str | None
    categories: list[str]
    shop_id: int | None
    channel: str | None
    params: ProgramSummaryOutParams
    starts_at: datetime
    ends_at: datetime | None
    requires_application: bool
    version: int


class ProgramOutHistorySnapshot(BaseModel):
    categories: list[str]
    channel: str | None
    code: str
    ends_at: datetime | None
    kind: str
    name: str
    name_en: str
    params: ShopProgramsOutProgramsParams
    rate_bp: int | None
    requires_application: bool
    shop_id: int | None
    starts_at: datetime
    version: int


class ProgramOutHistory(BaseModel):
    version: int
    note: str
    changed_at: datetime
    changed_by: int
    snapshot: ProgramOutHistorySnapshot


class ProgramOut(BaseModel):
    id: int
    code: str
    kind: str
    name: str
    name_en: str
    rate_bp: int | None
    rate: str | None
    categories: list[str]
    shop_id: int | None
    channel: str | None
    params: ShopProgramsOutProgramsParams
    starts_at: datetime
    ends_at: datetime | None
    requires_application: bool
    version: int
    history: list[ProgramOutHistory]


class StatusChangeOut(BaseModel):
    id: int
    status: str


class ReconciliationOutItems(BaseModel):
    item: str
    records_fen: int
    ledger_fen: int
    provider_fen: int | None
    difference_fen: int
    ok: bool


class ReconciliationOut(BaseModel):
    month: str
    items: list[ReconciliationOutItems]
    ok: bool
    trial_balance_zero: bool
    fees_balance_fen: int
    in_transit_fen: int


class ApplicationOut(BaseModel):
    id: int
    shop_id: int
    shop_name: str
    program_id: int
    code: str
    program_name: str
    status: str
    note: str | None
    applied_at: datetime


class PayoutOut(BaseModel):
    id: int
    shop_id: int
    shop_name: str
    amount_fen: int
    status: str
    requested_at: datetime
    sent_at: datetime | None
    returned_at: datetime | None
    provider_ref: str | None
