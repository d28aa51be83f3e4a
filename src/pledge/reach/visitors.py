"""The first-party visitor id (docs/reach.md, "Anonymous visitors"): a random id carried in a
signed cookie, `id.signature`, the signature an HMAC-SHA256 (first 12 bytes, base64url) of the id
under a key derived from PLEDGE_SECRET_KEY for this purpose only (the previous secret still
accepted during a rotation). A forged or altered cookie is not a visitor: a new id is issued.
Only the id (never the signature) is stored with events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

PURPOSE = b"reach-visitor"
COOKIE = "pledge_visitor"
COOKIE_MAX_AGE = 180 * 24 * 3600  # as long as the events it keys are kept (recording.RETENTION_DAYS)
ID_BYTES = 12  # 16 characters of base64url


def _signature(secret: str, visitor_id: str) -> str:
    key = hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, visitor_id.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(secret: str) -> tuple[str, str]:
    """A new visitor id and the cookie value that carries it."""
    visitor_id = secrets.token_urlsafe(ID_BYTES)
    return visitor_id, f"{visitor_id}.{_signature(secret, visitor_id)}"


def verify(secrets_: Sequence[str], cookie: object) -> str | None:
    """The visitor id a cookie carries if one of the secrets signed it, else None."""
    if not isinstance(cookie, str) or len(cookie) > 60:
        return None
    visitor_id, _, signature = cookie.partition(".")
    if not visitor_id or not signature:
        return None
    good = any(hmac.compare_digest(signature, _signature(s, visitor_id)) for s in secrets_ if s)
    return visitor_id if good else None
