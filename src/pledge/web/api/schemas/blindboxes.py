"""What the blind-box operations answer: a product's disclosed series, an order's draws."""

from datetime import date, datetime

from pydantic import BaseModel


class BlindBoxItemOut(BaseModel):
    name: str
    odds_bp: int
    value_fen: int
    quantity: int
    hidden: bool


class BlindBoxSeriesOut(BaseModel):
    box_type: str
    factory_sealed: bool
    draws_per_buyer: int
    value_min_fen: int
    value_max_fen: int
    items: list[BlindBoxItemOut]
    notice: str  # the minors' notice the rule requires (blindbox.minors), in Chinese
    notice_en: str
    uncertainty: str  # "blind boxes are uncertain" (blindbox.disclosure), in Chinese
    uncertainty_en: str


class BlindBoxDrawOut(BaseModel):
    order_id: int
    product_id: int
    unit: int
    item_name: str
    hidden: bool
    odds_bp: int
    roll: int
    random_source: str
    drawn_at: datetime
    keep_until: date
