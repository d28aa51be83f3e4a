"""What the experience operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class NextBandOut(BaseModel):
    value: float
    points: float


class ScoreOutDimensionsProduct(BaseModel):
    points: float
    weight: int
    weights_clause: str
    no_data: bool


class ScoreOutDimensions(BaseModel):
    product: ScoreOutDimensionsProduct
    logistics: ScoreOutDimensionsProduct
    service: ScoreOutDimensionsProduct


class ScoreOutIndicators(BaseModel):
    code: str
    dimension: str
    clause_id: str
    source: str
    unit: str
    better: str
    value: float | None
    points: float | None
    weight: float
    contribution: float
    fixed: bool
    bands_clause: str | None
    next_band: NextBandOut | None  # the next band up: its value and the points it gives


class ScoreOutDeductions(BaseModel):
    clause: str
    source: str
    incidents: int
    points: int
    cap: int


class ScoreOut(BaseModel):
    version: date
    scheme_clause: str
    stage: str
    score: float
    shown: float
    stars: float
    paid_orders: int
    dimensions: ScoreOutDimensions
    indicators: list[ScoreOutIndicators]
    deductions: list[ScoreOutDeductions]
    bonuses: list[Any]
    clauses: list[str]


class IndicatorOut(BaseModel):
    shop_id: int
    code: str
    clause_id: str
    source: str
    text: str
    text_en: str
    unit: str
    value: float
    points: float
    advice: str | None
    total: int
    orders: list[Any]
    since: datetime
    until: datetime


class CompareOutIndicators(BaseModel):
    code: str
    dimension: str
    before: float
    after: float
    change: float
    in_old: bool
    in_new: bool
    value_before: float | None
    value_after: float | None
    clause_before: str | None
    clause_after: str | None
    orders: list[Any]
    orders_total: int


class CompareOut(BaseModel):
    shop_id: int
    base: ScoreOut
    target: ScoreOut
    indicators: list[CompareOutIndicators]
    score_change: float


class HistoryOut(BaseModel):
    day: date
    version: date
    stage: str
    score: float
    shown: float


class GateOut(BaseModel):
    shop_id: int
    use: str
    allowed: bool
    score: float
    stage: str
    min_score: int
    daily_cap_fen: int | None
    amount_fen: int | None
    clause_id: str
    source: str
    text: str
    text_en: str
    explanation: str


class IncidentOut(BaseModel):
    id: int
    shop_id: int
    kind: str


class ProfileOut(BaseModel):
    shop_id: int
    industry: str
    flagship: bool


class RankingOut(BaseModel):
    rank: int
    shop_id: int
    shop_name: str
    day: date
    version: date
    stage: str
    score: float
    shown: float
