"""What the webhook operations answer (docs/webhooks.md)."""

from datetime import datetime

from pydantic import BaseModel, Field


class EndpointCreatedOut(BaseModel):
    id: int
    url: str = Field(max_length=500)
    events: list[str]
    secret: str = Field(max_length=80)  # shown once; it signs every delivery


class EndpointOut(BaseModel):
    id: int
    shop_id: int
    url: str = Field(max_length=500)
    events: list[str]
    secret_last4: str = Field(max_length=4)
    enabled: bool
    created_at: datetime


class SecretOut(BaseModel):
    id: int
    secret: str = Field(max_length=80)  # shown once


class EndpointStateOut(BaseModel):
    id: int
    enabled: bool
    deleted: bool


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str = Field(max_length=300)


class DeliveryOut(BaseModel):
    id: int
    event_id: str = Field(max_length=36)
    event_type: str = Field(max_length=40)
    replay_no: int  # 0: the original delivery; 1, 2...: replays of it
    status: str = Field(max_length=12)
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    created_at: datetime
    attempt_log: list[AttemptOut]


class ReplayOut(BaseModel):
    delivery_id: int
