"""What the audience operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class RuleOut(BaseModel):
    kind: str  # viewed | clicked | carted | ordered | followers | wishers
    days: int | None  # behaviour rules: within the last N days
    demand_id: int | None  # wishers of one demand


class AudienceOut(BaseModel):
    id: int
    shop_id: int
    name: str
    rules: list[RuleOut]
    size: int  # buyers in the union of the rules now
    created_at: datetime


class CampaignOut(BaseModel):
    id: int
    shop_id: int
    audience_id: int
    audience_name: str
    kind: str  # coupon | live
    status: str  # draft | sent
    amount_fen: int | None
    min_spend_fen: int | None
    valid_days: int | None
    created_at: datetime
    sent_at: datetime | None
    report_until: datetime | None  # orders of reached buyers count until then
    window_open: bool
    reached: int  # buyers who got the coupon or the notice
    opted_out: int
    rate_limited: int
    orders: int  # paid by reached buyers at the shop in the window
    gmv_fen: int  # what they paid, in fen
    coupon_orders: int  # paid with this campaign's coupons, whenever
    coupon_gmv_fen: int


class OptOutOut(BaseModel):
    shop_id: int
    opted_out: bool
