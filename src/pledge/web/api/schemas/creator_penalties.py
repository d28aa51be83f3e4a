"""What the creator penalty operations answer, as the OpenAPI document shows it."""

from datetime import datetime

from pydantic import BaseModel


class CreatorPenaltyDecidedOut(BaseModel):
    id: int
    tier: int
    cut_session: int | None  # the live session the penalty ended, if it was live


class CreatorCountsOut(BaseModel):
    sessions: int
    in_session: int
    videos: int


class CreatorActionOut(BaseModel):
    kind: str
    state: str
    days: int | None
    held_bp: int | None
    amount_fen: int | None
    starts_at: datetime
    ends_at: datetime | None


class CreatorPenaltyOut(BaseModel):
    id: int
    creator_id: int
    clause: str
    clause_text: str
    clause_text_en: str
    source: str
    ref: str
    scene: str
    subject_id: int
    product_id: int
    counts: CreatorCountsOut
    harm: str
    tier: int
    reason: str
    evidence: str
    status: str
    decided_by: int
    decided_at: datetime
    actions: list[CreatorActionOut]
    appeal_status: str | None  # filed, upheld or rejected; None: not appealed
    appeal_closes_at: datetime | None
