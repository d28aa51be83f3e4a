"""What the app (open platform) operations answer."""

from datetime import datetime

from pydantic import BaseModel


class AppKeyOut(BaseModel):
    app_id: int
    key: str  # shown once: only its SHA-256 is kept


class AppOut(BaseModel):
    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    last4: str | None  # the end of the live key, to recognise it


class AppScopesOut(BaseModel):
    app_id: int
    scopes: list[str]


class AppRevokedOut(BaseModel):
    app_id: int
    revoked: bool
