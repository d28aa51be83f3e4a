"""Static assets, compressed and cached (issue 17). Text assets (CSS, JS, SVG, JSON, maps) go out
brotli- or gzip-compressed when the browser accepts it, compressed once per file version and kept
in memory. A fingerprinted URL (`/static/app.css?v=<hash of the content>`, made by
`static_url`) never changes meaning, so it is cached for a year; a plain URL must be revalidated
(ETag / Last-Modified, answered 304 when unchanged). Media (video, images) is sent as it is,
with range requests."""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs

import brotli
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(str(resources.files("pledge.web") / "static"))
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MIN_SIZE = 512


@cache
def fingerprint(name: str) -> str:
    """The first 12 hex digits of the SHA-256 of /static/<name>."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def _version(path: str) -> str | None:
    try:
        return fingerprint(path)
    except OSError:
        return None


def static_url(name: str) -> str:
    return f"/static/{name}?v={fingerprint(name)}"


# Each file version's compressed bytes, per encoding, made on first request and kept.
_COMPRESSED: dict[tuple[str, int, str], bytes] = {}


def _compress_file(path: str, encoding: str) -> bytes:
    raw = Path(path).read_bytes()
    if encoding == "br":
        return brotli.compress(raw, quality=11)
    return gzip.compress(raw, compresslevel=9, mtime=0)


async def _compressed(path: str, mtime_ns: int, encoding: str) -> bytes:
    """The file compressed, made once per version. Brotli's best quality takes seconds of CPU on
    a big bundle (swagger-ui-bundle.js, 1.7 MB: about 3 s; hls.js: 0.6 s), so it runs in a
    worker thread: on the event loop it would hold up every other request of the process."""
    key = (path, mtime_ns, encoding)
    body = _COMPRESSED.get(key)
    if body is None:
        body = await run_in_threadpool(_compress_file, path, encoding)
        _COMPRESSED[key] = body
    return body


def _encoding(accept: str) -> str | None:
    offered = {part.split(";")[0].strip() for part in accept.split(",")}
    return "br" if "br" in offered else "gzip" if "gzip" in offered else None


class CompressedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = response.status_code in (200, 304) and version == _version(path)
        response.headers["Cache-Control"] = YEAR if current else REVALIDATE
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        return await self._compress(response, Headers(scope=scope))

    async def _compress(self, response: FileResponse, request: Headers) -> Response:
        media = response.media_type or ""
        # A range request (video, resumed download) gets the bytes it names, uncompressed.
        encoding = None if "range" in request else _encoding(request.get("accept-encoding", ""))
        stat = os.stat(response.path)
        if encoding is None or not media.startswith(COMPRESSIBLE) or stat.st_size < MIN_SIZE:
            response.headers["Vary"] = "Accept-Encoding"
            return response
        body = await _compressed(str(response.path), stat.st_mtime_ns, encoding)
        headers = {
            key: value
            for key, value in response.headers.items()
            if key.lower() not in ("content-length", "content-type")
        }
        headers.update({"Content-Encoding": encoding, "Vary": "Accept-Encoding"})
        return Response(body, media_type=media, headers=headers)
