"""What the sign-up, address-book and order-action operations answer."""

from datetime import datetime

from pydantic import BaseModel


class SmsCodeOut(BaseModel):
    phone: str
    expires_at: datetime
    provider: str


class SignUpOut(BaseModel):
    user_id: int
    token: str
    token_type: str
    expires_at: datetime


class AddressOut(BaseModel):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


class CancelOut(BaseModel):
    cancelled_order_ids: list[int]


class CancellationRequestOut(BaseModel):
    order_id: int
    case_id: int
    case_type: str
    case_status: str


class ReminderOut(BaseModel):
    order_id: int
    ship_reminders: int


class ReceiptOut(BaseModel):
    order_id: int
    status: str
