"""What the auth operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime

from pydantic import BaseModel


class CreateTokenOut(BaseModel):
    token: str
    token_type: str
    expires_at: datetime


class MeOutShops(BaseModel):
    shop_id: int
    role: str


class MeOut(BaseModel):
    user_id: int
    display_name: str
    platform_role: str | None
    shops: list[MeOutShops]
