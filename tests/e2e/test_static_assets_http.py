"""Static assets over real HTTP (uvicorn, issue 17): text assets leave brotli- or
gzip-compressed as the browser accepts, fingerprinted URLs (what pages link) are cached for a
year, plain URLs are revalidated with their ETag and answered 304 when unchanged, and media is
sent as it is."""

from __future__ import annotations

import gzip
import re
import threading
import time

import brotli
import httpx
import pytest

from pledge.web.static_files import STATIC_DIR, fingerprint

ASSETS = ["app.css", "app.js", "htmx.min.js"]


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


def raw(
    client: httpx.Client, url: str, encoding: str, *, timeout: float = 10, **headers: str
) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent (not decoded by httpx)."""
    sent = {"Accept-Encoding": encoding, **headers}
    with client.stream("GET", url, headers=sent, timeout=timeout) as resp:
        return resp, b"".join(resp.iter_raw())


@pytest.mark.parametrize("name", ASSETS)
@pytest.mark.parametrize(
    "encoding,decode",
    [("br", brotli.decompress), ("gzip", gzip.decompress), ("gzip, deflate, br", brotli.decompress)],
)
def test_text_assets_are_compressed_as_the_browser_accepts(http, name, encoding, decode):
    resp, body = raw(http, f"/static/{name}", encoding)
    original = (STATIC_DIR / name).read_bytes()
    assert resp.status_code == 200
    assert resp.headers["content-encoding"] == ("br" if "br" in encoding else "gzip")
    assert "Accept-Encoding" in resp.headers["vary"]
    assert decode(body) == original
    assert int(resp.headers["content-length"]) == len(body) < len(original) * 0.6


def test_without_accept_encoding_the_asset_is_sent_as_it_is(http):
    resp, body = raw(http, "/static/app.css", "identity")
    assert "content-encoding" not in resp.headers
    assert body == (STATIC_DIR / "app.css").read_bytes()


def test_pages_link_fingerprinted_assets_which_are_cached_for_a_year(http):
    home = http.get("/")
    linked = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]+)"', home.text)
    assert {url.split("?")[0].removeprefix("/static/") for url in linked} >= set(ASSETS)
    for url in linked:
        resp = http.get(url)
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_a_stale_fingerprint_is_not_cached_for_a_year(http):
    resp = http.get("/static/app.css?v=000000000000")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-cache"


def test_plain_urls_are_revalidated_and_answered_304_when_unchanged(http):
    first = http.get("/static/app.js")
    assert first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    again = http.get("/static/app.js", headers={"If-None-Match": etag, "Accept-Encoding": "br"})
    assert again.status_code == 304 and again.content == b""
    fresh = http.get(f"/static/app.js?v={fingerprint('app.js')}", headers={"If-None-Match": etag})
    assert fresh.status_code == 304 and "immutable" in fresh.headers["cache-control"]


def test_a_range_request_gets_the_bytes_it_names_uncompressed(http):
    resp, body = raw(http, "/static/app.js", "br", Range="bytes=0-9")
    assert resp.status_code == 206 and "content-encoding" not in resp.headers
    assert body == (STATIC_DIR / "app.js").read_bytes()[:10]


def test_compressing_a_big_asset_does_not_hold_up_the_other_requests(http, monkeypatch):
    """Brotli's best quality takes seconds on swagger-ui-bundle.js (1.7 MB). Here it is made to
    take 4 s more: meanwhile the same server answers another request at once, because the
    compression runs in a worker thread, not on the event loop (where it stalled every request of
    the process; a browser test's first page load once waited over 15 s)."""
    from pledge.web import static_files

    real = brotli.compress

    def slow(data: bytes, **options) -> bytes:
        time.sleep(4)
        return real(data, **options)

    monkeypatch.setattr(static_files, "_COMPRESSED", {})  # nothing compressed yet
    monkeypatch.setattr(static_files.brotli, "compress", slow)
    done: dict[str, float] = {}

    def fetch_bundle() -> None:
        # 4 s here, then brotli's best quality on 1.7 MB, which on a busy two-core box took
        # longer than the 10 s the other requests wait (a read timeout in CI once)
        resp, body = raw(http, "/static/swagger/swagger-ui-bundle.js", "br", timeout=60)
        assert resp.status_code == 200 and resp.headers["content-encoding"] == "br"
        assert brotli.decompress(body) == (STATIC_DIR / "swagger" / "swagger-ui-bundle.js").read_bytes()
        done["bundle"] = time.monotonic()

    started = time.monotonic()
    fetching = threading.Thread(target=fetch_bundle)
    fetching.start()
    time.sleep(0.5)  # the bundle's request is in, compressing
    resp = http.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    answered = time.monotonic() - started
    fetching.join(70)
    assert resp.status_code == 200
    assert answered < 2.5, f"app.css waited {answered:.1f} s behind the bundle's compression"
    assert "bundle" in done, "the bundle's request failed: see the thread's exception above"
    assert done["bundle"] - started >= 4  # the bundle did take its 4 s
