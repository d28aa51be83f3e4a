"""Files served in pieces (HTTP range requests, RFC 9110 section 14): what both the API and the
pages answer for a video, so a phone's player can seek without downloading the whole file."""

from __future__ import annotations

import re

from fastapi.responses import Response

from pledge.uploads.store import FileStore

CHUNK_MAX = 2 * 1024 * 1024  # the most one answer carries; players ask again for the rest
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(Exception):
    """A Range header this file cannot answer: 416 with `Content-Range: bytes */size`."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte asked for (capped at CHUNK_MAX), or None for the whole file.
    One range only; a malformed header is ignored as the RFC allows, an unsatisfiable one is
    refused."""
    if header is None:
        return None
    found = RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0:
            raise RangeNotSatisfiable()
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # an invalid range is ignored (RFC 9110 14.1.1)
    if start >= size:
        raise RangeNotSatisfiable()
    return start, min(end, start + CHUNK_MAX - 1)


def ranged_file(store: FileStore, key: str, size: int, content_type: str, header: str | None) -> Response:
    """200 with the whole file, 206 with the piece asked for, or 416."""
    common = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=86400"}
    try:
        wanted = byte_range(header, size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={**common, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        return Response(store.get(key), media_type=content_type, headers=common)
    start, end = wanted
    body = store.read_range(key, start, end - start + 1)
    return Response(
        body,
        status_code=206,
        media_type=content_type,
        headers={**common, "Content-Range": f"bytes {start}-{start + len(body) - 1}/{size}"},
    )
