"""Read side of accounts: a user's own API tokens for the tokens page (never the secret: only
its digest, which identifies the row and opens nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.tables import api_tokens


def token_status(revoked: bool, expires_at: datetime, at: datetime) -> str:
    if revoked:
        return "revoked"
    return "active" if expires_at > at else "expired"


def api_tokens_of(conn: Connection, user_id: int, at: datetime) -> list[dict]:
    rows = conn.execute(
        select(
            api_tokens.c.token_hash,
            api_tokens.c.created_at,
            api_tokens.c.last_used_at,
            api_tokens.c.expires_at,
            api_tokens.c.revoked,
        )
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.created_at.desc(), api_tokens.c.token_hash)
    ).all()
    return [
        {
            "token_hash": r.token_hash,
            "created_at": r.created_at,
            "last_used_at": r.last_used_at,
            "expires_at": r.expires_at,
            "status": token_status(r.revoked, r.expires_at, at),
        }
        for r in rows
    ]
