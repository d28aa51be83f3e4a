"""What the creator and affiliate-marketplace operations answer, as the OpenAPI document shows it."""

from datetime import date, datetime

from pydantic import BaseModel


class CreatorOut(BaseModel):
    id: int
    handle: str
    display_name: str
    follower_count: int
    status: str  # CreatorStatus: active | limited | removed
    categories: list[int]
    showcase: list[int]  # product ids, in the order added


class ShowcaseAddedOut(BaseModel):
    product_id: int
    rate_bp: int  # the commission rate the creator sells it at now
    exclusive: bool  # a rate the merchant set for this creator only


class ShowcaseOut(BaseModel):
    showcase: list[int]


class RateOfferedOut(BaseModel):
    id: int
    product_id: int
    rate_bp: int
    starts_at: datetime
    ends_at: datetime | None
    creator_id: int | None


class GradeOut(BaseModel):
    creator_id: int
    period_start: date
    grade: str


class MarketItemOut(BaseModel):
    product_id: int
    title: str
    shop_id: int
    shop_name: str
    category_id: int
    category_name: str
    rate_bp: int  # the commission rate in force for the caller now
    exclusive: bool  # set for the caller alone (指定达人)
    price_fen: int  # the cheapest SKU
    score_tenths: int | None  # the shop's experience score shown to buyers x 10 (46 = 4.6); None: not scored
    late_bp: int | None  # the shop's late-ship rate over the window; None: no order due in it
    in_showcase: bool


class MarketPageOut(BaseModel):
    items: list[MarketItemOut]
    total: int
    page: int
    pages: int


class SampleOut(BaseModel):
    id: int
    creator_id: int
    creator_name: str
    product_id: int
    title: str
    shop_id: int
    shop_name: str
    status: str  # SampleStatus: requested | approved | declined | shipped | received | cancelled | expired
    note: str
    requested_at: datetime
    due_at: datetime | None  # the deadline of the current step
    decided_at: datetime | None
    shipped_at: datetime | None
    tracking_no: str | None
    closed_at: datetime | None
    kind: str  # SampleKind: free | review_free (免审) | paid (买样返款)
    price_fen: int | None  # paid: what the creator paid, held until the duty is decided
    duty_status: str | None  # DutyStatus once received: open | met | broken | returning | returned
    duty_due_at: datetime | None  # open: the end of the 45 days; returning: the merchant's 7 days
    duty_met_by: str | None  # orders | video:{id} | live_session:{id}
    refund_due_at: datetime | None
    refunded_at: datetime | None
    return_tracking_no: str | None


class SamplesOut(BaseModel):
    samples: list[SampleOut]


class AffiliateRateOut(BaseModel):
    id: int
    product_id: int
    title: str
    creator_id: int | None
    creator_name: str | None
    rate_bp: int
    starts_at: datetime
    ends_at: datetime | None
    state: str  # in_force | upcoming | ended


class SellerOut(BaseModel):
    id: int
    display_name: str
    follower_count: int
    status: str
    products: int  # of the shop's products in the creator's showcase
    orders: int  # paid orders of the shop the creator sold
    gmv_fen: int  # what buyers paid for them


class ShopAffiliateOut(BaseModel):
    rates: list[AffiliateRateOut]
    sellers: list[SellerOut]
    samples: list[SampleOut]


class CreatorOrderOut(BaseModel):
    order_id: int
    shop_id: int
    status: str
    paid_at: datetime
    paid_fen: int
    source_ref: str  # live_session:12 | video:3 | showcase:4
    delivered_at: datetime | None
    late_shipped: bool  # the shop paid its late-ship pledge for this order
    commission_booked: bool
    commission_fen: int
    returned_fen: int  # cancelled or clawed back by refunds
    remaining_fen: int
    commission_settled: bool


class CreatorOrdersOut(BaseModel):
    orders: list[CreatorOrderOut]


class CommissionGroupOut(BaseModel):
    orders: int
    base_fen: int
    pending_fen: int
    settled_fen: int
    product_id: int | None = None
    source_ref: str | None = None


class FrozenProductOut(BaseModel):
    product_id: int
    title: str
    until: datetime  # the product's commissions settle again from then


class PayableOut(BaseModel):
    available_fen: int
    reserve_fen: int  # 5 % of the commissions settled in the last 15 days (affiliate.reserve)
    frozen_until: datetime | None  # a violation freeze of the whole account in force (affiliate.freeze)
    # products whose commissions do not settle while a penalty's hold runs (停止结算违规订单)
    frozen_products: list[FrozenProductOut]
    payable_fen: int


class CommissionSummaryOut(BaseModel):
    creator_id: int
    gmv_fen: int
    orders: int
    commission_fen: int
    returned_fen: int
    pending_fen: int
    settled_fen: int
    service_fee_fen: int
    by_product: list[CommissionGroupOut]
    by_session: list[CommissionGroupOut]
    balance_pending_fen: int
    balance_available_fen: int
    payable: PayableOut


class CreatorStatementLineOut(BaseModel):
    at: datetime
    kind: str  # commission | service_fee | cancelled | clawed_back | payout
    order_id: int | None
    amount_fen: int
    description: str
    description_zh: str
    clause_id: str
    clause_source: str
    program: str
    program_zh: str


class CreatorStatementTotalsOut(BaseModel):
    commissions: int
    service_fees: int
    returns: int
    payouts: int
    payout_returns: int  # payouts the bank sent back


class CreatorPayoutOut(BaseModel):
    id: int
    amount_fen: int
    status: str  # pending: the worker sends it through the payout adapter; returned: the bank sent it back


class SamplePlanOut(BaseModel):
    product_id: int
    mode: str  # paid | review_free
    price_fen: int | None
    target_orders: int | None
    min_followers: int | None


class CreatorStatementOut(BaseModel):
    creator_id: int
    creator_name: str
    month: str
    start: datetime
    end: datetime
    lines: list[CreatorStatementLineOut]
    totals: CreatorStatementTotalsOut
    net_fen: int
    ledger_totals: CreatorStatementTotalsOut
    ledger_unexplained: dict[str, int]
    reconciled: bool
    opening_fen: int
    closing_fen: int
    rulebook: str
