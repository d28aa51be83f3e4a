"""Issue 11, item 13: an upload is decoded as an image with Pillow and encoded again, so only
the picture is stored and served (no EXIF with the buyer's GPS position, no bytes hidden after
the image, no HTML or ZIP riding along); a decompression bomb is refused from its header; each
user stores at most their quota (413, nothing stored)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from pledge.demo.aftersales import photo
from pledge.uploads.tables import uploads
from tests.conftest import make_app
from tests.e2e.conftest import assert_problem, snapshot
from tests.security.conftest import token_for

SECRET = b"GPS 25.0389N 102.7183E home of the buyer"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_with_exif(width: int = 40, height: int = 20) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (width, height), (230, 180, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def noise_png(side: int, seed: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(seed).randbytes(side * side * 3)).save(
        out, format="PNG"
    )
    return out.getvalue()


def bomb_header(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels and carries a few bytes of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


def upload(client, headers, data: bytes, name: str = "evidence.jpg", content_type: str = "image/jpeg"):
    return client.post("/api/v1/uploads", files={"file": (name, data, content_type)}, headers=headers)


def stored(client, headers, upload_id: int) -> bytes:
    resp = client.get(f"/api/v1/uploads/{upload_id}", headers=headers)
    assert resp.status_code == 200
    return resp.content


def test_uploads_are_reencoded_exif_is_stripped_and_orientation_kept(app, world, client):
    buyer = token_for(app, world.user())
    sent = jpeg_with_exif()
    assert SECRET in sent
    resp = upload(client, buyer, sent)
    assert resp.status_code == 201, resp.text
    kept = stored(client, buyer, resp.json()["upload_id"])
    assert SECRET not in kept and b"Exif" not in kept
    image = Image.open(io.BytesIO(kept))
    assert (image.format, image.size) == ("JPEG", (20, 40))  # turned upright as the EXIF said, then dropped
    assert not image.getexif()


@pytest.mark.parametrize(
    "tail", [HTML, b"PK\x03\x04" + b"\x00" * 26 + b"evil.html" + HTML], ids=["html", "zip"]
)
def test_uploads_lose_whatever_rides_after_the_picture(app, world, client, tail):
    buyer = token_for(app, world.user())
    resp = upload(client, buyer, photo(1, 24, 16) + tail, "polyglot.png", "image/png")
    assert resp.status_code == 201, resp.text
    kept = stored(client, buyer, resp.json()["upload_id"])
    assert b"<script>" not in kept and b"PK\x03\x04" not in kept
    assert Image.open(io.BytesIO(kept)).size == (24, 16)


@pytest.mark.parametrize(
    "data,says",
    [
        (b"\x89PNG\r\n\x1a\n" + HTML, "only photos"),  # PNG magic bytes, then a web page
        (photo(1, 24, 16)[:60], "only photos"),  # a truncated PNG
        (bomb_header(100_000, 100_000), "million pixels"),  # ten billion pixels from a few hundred bytes
        (bomb_header(50_000, 50_000), "million pixels"),
    ],
    ids=["web page behind PNG magic", "truncated PNG", "bomb of 10^10 pixels", "bomb of 2.5 x 10^9 pixels"],
)
def test_files_that_only_look_like_photos_and_decompression_bombs_are_refused(
    app, world, client, tmp_path, data, says
):
    buyer = token_for(app, world.user())
    before = snapshot(app)
    body = assert_problem(upload(client, buyer, data, "trap.png", "image/png"), 422)
    assert says in body["detail"]
    assert snapshot(app) == before
    assert not list((tmp_path / "uploads").rglob("*.*"))


@pytest.fixture
def small_quota_app(db_url, clock):
    app = make_app(db_url, clock, upload_quota_mb=2)
    yield app
    app.uow.engine.dispose()


def test_upload_quota_a_user_stores_at_most_their_quota_then_413_and_nothing_stored(
    small_quota_app, world, tmp_path
):
    from fastapi.testclient import TestClient

    from pledge.uploads.store import LocalFileStore
    from pledge.web.app import create_app
    from tests.support import World

    app = small_quota_app
    app.files = LocalFileStore(tmp_path / "uploads")
    world = World(app)
    buyer, other = world.user(), world.user()
    client = TestClient(create_app(app, run_worker=False), raise_server_exceptions=False)
    headers = token_for(app, buyer)
    for seed in (1, 2):  # about 0.75 MB each after re-encoding: both fit in 2 MB
        assert upload(client, headers, noise_png(500, seed), "noise.png", "image/png").status_code == 201
    before, files = snapshot(app), sorted((tmp_path / "uploads").rglob("*.*"))
    body = assert_problem(upload(client, headers, noise_png(500, 3), "noise.png", "image/png"), 413)
    assert body["code"] == "storage_quota_exceeded" and body["quota_bytes"] == 2 * 1024 * 1024
    assert "does not fit" in body["detail"]
    assert snapshot(app) == before and sorted((tmp_path / "uploads").rglob("*.*")) == files
    # The quota is per user: another buyer still has all of theirs.
    assert (
        upload(client, token_for(app, other), noise_png(500, 3), "noise.png", "image/png").status_code == 201
    )
    with app.uow.read() as c:
        assert c.execute(select(uploads.c.owner_id)).scalars().all().count(buyer.user_id) == 2
