"""What the trust & safety operations answer, as the OpenAPI document shows it."""

from datetime import date, datetime

from pydantic import BaseModel


class HitOut(BaseModel):
    term: str
    category: str
    span: list[int]


class QueueItemOut(BaseModel):
    id: int
    source: str
    subject: str
    subject_id: int | None
    shop_id: int | None
    risk: int
    text: str
    hits: list[HitOut]
    clause: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    decision_clause: str | None
    decision_note: str | None


class ReportedOut(BaseModel):
    id: int


class DecisionOut(BaseModel):
    id: int
    status: str
    cut_session: int | None
    hidden_comment: int | None = None  # a live comment removed: viewers were told to drop it
    hidden_in_session: int | None = None


class PenaltyOut(BaseModel):
    id: int


class CutOut(BaseModel):
    penalty_id: int | None  # None: a creator's own room, no shop to penalise
    session_id: int
    status: str


class AppealOut(BaseModel):
    id: int
    status: str


class ActionOut(BaseModel):
    kind: str
    subject_id: int | None
    amount_fen: int | None
    until: datetime | None


class ShopPenaltyOut(BaseModel):
    id: int
    clause: str
    case_no: int
    reason: str
    points: int
    status: str
    created_at: datetime
    appeal_closes_at: datetime
    appeal_status: str | None
    actions: list[ActionOut]


class TransparencyOut(BaseModel):
    start: date
    end: date
    listings_blocked: int
    comments_blocked: int
    sessions_cut: int
    creators_removed: int
    shops_suspended: int
    appeals_filed: int
    appeals_upheld: int
    median_decision_seconds: int | None
