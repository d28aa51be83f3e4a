"""What the chat operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime

from pydantic import BaseModel


class ConversationSummaryOut(BaseModel):
    id: int
    shop_id: int
    shop_name: str
    timezone: str
    buyer_id: int
    buyer_name: str
    order_id: int | None
    status: str
    created_at: datetime
    started_at: datetime | None
    last_message_at: datetime | None
    awaiting_reply_since: datetime | None
    stars: int | None
    rated_at: datetime | None
    closed_at: datetime | None
    last_preview: str


class MyConversationsOut(BaseModel):
    as_buyer: list[ConversationSummaryOut]
    as_shop: list[ConversationSummaryOut]


class ConversationOutMessages(BaseModel):
    id: int
    sender: str
    body: str
    at: datetime
    author_name: str
    held: bool = False  # held for a reviewer by the content checks: shown to its author only


class RateOut(ConversationSummaryOut):
    role: str
    last_message_id: int


class ConversationOut(RateOut):
    messages: list[ConversationOutMessages]


class OpenConversationOut(ConversationOut):
    created: bool


class ChatMetricsOut(BaseModel):
    shop_id: int
    since: datetime
    until: datetime
    timezone: str
    conversations: int
    outside_hours: int
    rounds: int
    answered_rounds: int
    unanswered_rounds: int
    pending_rounds: int
    response_ms_total: int
    average_response_seconds: float | None
    rated_conversations: int
    dissatisfied_conversations: int
    dissatisfaction_bp: int | None
    dissatisfaction_rate: float | None
    business_hours: str
    no_reply_seconds: int
    max_stars_unsatisfied: int
    clause_ids: list[str]
    sources: list[str]
    explanation: str
