"""What the inbox can say. Each kind names the parameters its words need; the pages word it in
Chinese and English (web/locales), the API returns kind + params for clients to word."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    LIVE_STARTED = "live_started"  # a followed shop (or an announced session) is live now
    LIVE_SCHEDULED = "live_scheduled"  # a followed shop announced a session


PARAMS: dict[Kind, frozenset[str]] = {
    Kind.LIVE_STARTED: frozenset({"shop", "title", "room_id"}),
    Kind.LIVE_SCHEDULED: frozenset({"shop", "title", "room_id", "starts_at"}),
}
