"""Live rooms (直播间) and their sessions (场次).

A shop owns rooms; a room holds sessions one after another. A session is announced first
(预告: scheduled, with a time viewers may subscribe to be reminded of), then goes live, then ends;
the platform may cut a live session (断播, trust & safety) and a merchant may cancel an
announcement. At most one session of a room is live at a time (a partial UNIQUE index says so
to the database, so two "start" clicks racing cannot both win).

Comments are what viewers write under the stream: 1 to 200 characters of text, only while the
session is live, at most one every COMMENT_GAP per viewer and COMMENT_BURST a minute. These are
Pledge defaults (the platform rules set none for the engine: pledge:default)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pledge.kernel.errors import InvalidInput
from pledge.kernel.lifecycle import Lifecycle
from pledge.kernel.text import clean_text


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"  # 预告
    LIVE = "live"  # 直播中
    ENDED = "ended"  # 已结束 (by the host)
    CUT = "cut"  # 已断播 (by the platform)
    CANCELLED = "cancelled"  # 预告已取消


TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.LIVE, SessionStatus.CANCELLED}),
    SessionStatus.LIVE: frozenset({SessionStatus.ENDED, SessionStatus.CUT}),
    SessionStatus.ENDED: frozenset(),
    SessionStatus.CUT: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}
LIFECYCLE = Lifecycle("live session", SessionStatus, TRANSITIONS)

FINISHED = (SessionStatus.ENDED, SessionStatus.CUT)

COMMENT_MAX = 200  # characters (pledge:default; the bound)
COMMENT_GAP = timedelta(seconds=2)  # one comment per viewer per 2 s (pledge:default)
COMMENT_BURST = 10  # comments per viewer per COMMENT_WINDOW (pledge:default)
COMMENT_WINDOW = timedelta(minutes=1)
TITLE_MAX = 60
TRANSCRIPT_LINES_MAX = 200  # transcript lines checked in one call (pledge:default)
TRANSCRIPT_LINE_MAX = 500  # characters in one transcript line (pledge:default)
CARDS_MAX = 100  # product cards pinned to one session (pledge:default)


class Verdict(StrEnum):
    """What moderation says of a comment: shown to all, shown to its author only (held for
    review), or refused."""

    ALLOW = "allow"
    HOLD = "hold"
    BLOCK = "block"


def clean_comment(text: object) -> str:
    return clean_text(text, field="a comment", max_length=COMMENT_MAX)


def clean_title(text: object) -> str:
    return clean_text(text, field="the title", max_length=TITLE_MAX)


def clean_transcript(lines: object) -> list[str]:
    """Transcript lines a caller supplies for checking: a list of 1 to TRANSCRIPT_LINES_MAX
    texts of at most TRANSCRIPT_LINE_MAX characters each (Pledge defaults)."""
    if not isinstance(lines, list) or not 1 <= len(lines) <= TRANSCRIPT_LINES_MAX:
        raise InvalidInput(f"lines is a list of 1 to {TRANSCRIPT_LINES_MAX} texts")
    return [
        clean_text(line, field=f"line {n}", max_length=TRANSCRIPT_LINE_MAX) for n, line in enumerate(lines, 1)
    ]
