"""Short videos (短视频): a shop's MP4 with a poster, the products it sells and its counts.

Limits are Pledge defaults (pledge:default): the platform's own upload limits are larger, but an
engine that keeps files on its own disk caps them where a phone video of a product fits."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class VideoStatus(StrEnum):
    PUBLISHED = "published"
    REMOVED = "removed"  # by the shop, or by trust & safety; the file stays for the record
    PRIVATE = "private"  # 视频自见: a creator penalty left it visible to its author only


TRANSITIONS: dict[VideoStatus, frozenset[VideoStatus]] = {
    VideoStatus.PUBLISHED: frozenset({VideoStatus.REMOVED, VideoStatus.PRIVATE}),
    VideoStatus.PRIVATE: frozenset({VideoStatus.PUBLISHED, VideoStatus.REMOVED}),
    VideoStatus.REMOVED: frozenset(),
}
LIFECYCLE = Lifecycle("video", VideoStatus, TRANSITIONS)

MAX_VIDEO_BYTES = 50 * 1024 * 1024  # pledge:default
MAX_DURATION_MS = 15 * 60 * 1000  # pledge:default: 15 minutes
MAX_PRODUCTS = 10  # products linked to one video (pledge:default)
TITLE_MAX = 60
