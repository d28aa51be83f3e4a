"""Evidence photos: only real images (checked by their bytes, not their name), at most
MAX_BYTES, stored content-addressed so a re-upload costs nothing."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.uploads.store import FileStore
from pledge.uploads.tables import uploads

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"GIF87a", "image/gif", "gif"), (b"GIF89a", "image/gif", "gif"))


def sniff_image(data: bytes) -> tuple[str, str]:
    for magic, content_type, ext in SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise InvalidInput("only photos are accepted (PNG, JPEG, GIF or WebP)")


def save_image(conn: Connection, store: FileStore, actor: Actor, *, data: bytes, filename: str, at: datetime) -> int:
    if not data:
        raise InvalidInput("the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB; this one is {len(data) / 1048576:.1f} MB")
    content_type, ext = sniff_image(data)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest}.{ext}"
    store.put(key, data)  # content-addressed: writing the same bytes twice is harmless
    return conn.execute(uploads.insert().values(owner_id=actor.user_id, sha256=digest, content_type=content_type,
                                                size=len(data), storage_key=key, original_name=filename[:200],
                                                created_at=at)).inserted_primary_key[0]


def owned_uploads(conn: Connection, actor: Actor, upload_ids: list[int]) -> list[int]:
    if not upload_ids:
        return []
    found = set(conn.execute(select(uploads.c.id).where(uploads.c.id.in_(upload_ids),
                                                         uploads.c.owner_id == actor.user_id)).scalars())
    missing = sorted(set(upload_ids) - found)
    if missing:
        raise NotFound(f"you have no upload {', '.join(map(str, missing))}")
    return sorted(found)


def read_upload(conn: Connection, store: FileStore, upload_id: int) -> tuple[bytes, str]:
    row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).first()
    if row is None:
        raise NotFound(f"no upload {upload_id}")
    return store.get(row.storage_key), row.content_type
