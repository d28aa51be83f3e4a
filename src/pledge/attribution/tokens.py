"""Signed source tokens: what a page gives the buyer to carry to checkout.

`channel.id.issued.signature`, the signature an HMAC-SHA256 (first 16 bytes, base64url) of the
rest under a key derived from PLEDGE_SECRET_KEY for this purpose only; the previous secret is
still accepted during a rotation. A token is good for TOKEN_LIFETIME after it was issued (a cart
kept longer falls back to the product card). Tampering, expiry or a foreign key: InvalidInput."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from pledge.attribution.model import Channel, Source
from pledge.kernel.errors import InvalidInput

TOKEN_LIFETIME = timedelta(hours=24)  # pledge:default
PURPOSE = b"source-token"
TOKEN_MAX = 120


class SourceExpired(InvalidInput):
    """A genuine token past its lifetime: a cart line keeps its item but loses the source."""

    code = "source_expired"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _signature(secret: str, body: str) -> str:
    digest = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: str, source: Source, *, at: datetime) -> str:
    body = f"{source.channel.value}.{source.id}.{int(at.timestamp())}"
    return f"{body}.{_signature(secret, body)}"


def verify(secrets: Sequence[str], token: object, *, now: datetime) -> Source:
    """The source a token names, if one of `secrets` signed it and it has not expired."""
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX:
        raise InvalidInput("the source token is malformed")
    body, _, signature = token.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or not any(hmac.compare_digest(signature, _signature(s, body)) for s in secrets if s):
        raise InvalidInput("the source token is not one this platform signed")
    channel, content_id, issued = parts
    try:
        source = Source(Channel(channel), int(content_id))
        issued_at = datetime.fromtimestamp(int(issued), tz=now.tzinfo)
    except ValueError:
        raise InvalidInput("the source token is malformed") from None
    if not issued_at - timedelta(minutes=5) <= now <= issued_at + TOKEN_LIFETIME:
        raise SourceExpired("the source token has expired; open the room or video again")
    return source
