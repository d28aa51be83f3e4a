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


class ListingCreatedOut(BaseModel):
    listing_id: int


class ListingOut(BaseModel):
    id: int
    name: str
    description: str
    scopes: list[str]  # what the app asks a shop for
    created_at: datetime


class MarketEntryOut(ListingOut):
    app_id: int | None  # the shop's installation, if it is installed
    granted: list[str]  # the scopes the shop granted it
    last4: str | None  # the end of the installation's live key
