"""What a buyer's birth-date and guardian-consent operations answer."""

from datetime import date, datetime

from pydantic import BaseModel


class MinorStatusOut(BaseModel):
    birth_date: date | None
    age: int | None
    minor: bool
    guardian_phone: str | None  # masked: 138****8000
    consented_at: datetime | None


class GuardianCodeOut(BaseModel):
    guardian_phone: str  # masked
    expires_at: datetime
    provider: str
