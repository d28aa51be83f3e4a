"""Evidence photos. An upload is decoded as an image with Pillow and encoded again, so what is
stored and served is only the picture: no EXIF (a phone's GPS position), no trailing bytes, no
second file hidden behind the first (a "polyglot" that is also an HTML page or a ZIP). Magic
bytes alone prove nothing: a file may start like a PNG and be anything after that.

Limits (Pledge defaults, docs/security.md "Uploads"): at most MAX_BYTES per file; at most
MAX_PIXELS pixels, checked from the header before anything is decoded (a 40 KB PNG can expand
to gigabytes: a decompression bomb); stored at most MAX_SIDE pixels on the long side; each user
stores at most their quota (the `upload_quota_mb` setting). Stored content-addressed, so the
same picture twice costs one file."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.accounts.tables import users
from pledge.kernel.errors import DomainError, InvalidInput, NotFound
from pledge.uploads.store import FileStore
from pledge.uploads.tables import uploads

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; a bomb of 100 000 x 100 000 does not
MAX_SIDE = 4096  # evidence needs detail, not 8 000 pixels
DEFAULT_QUOTA_BYTES = 200 * 1024 * 1024
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
NOT_A_PHOTO = "only photos are accepted (PNG, JPEG, GIF or WebP)"
TOO_MANY_PIXELS = f"a photo may have at most {MAX_PIXELS // 1_000_000} million pixels"


class QuotaExceeded(DomainError):
    code = "storage_quota_exceeded"
    status = 413
    title = "Storage quota exceeded"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    ext: str


def _encodable(image: Image.Image, fmt: str) -> Image.Image:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        return image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if fmt == "GIF" and image.mode not in ("P", "L"):
        return image.convert("P", palette=Image.Palette.ADAPTIVE)
    return image


def clean_image(data: bytes) -> CleanImage:
    """The picture in `data` encoded afresh in its own format (the first frame of an
    animation), upright as its EXIF said, without any metadata. InvalidInput when `data` is
    not a complete PNG, JPEG, GIF or WebP image of at most MAX_PIXELS pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as opened:
                fmt = str(opened.format)  # one of FORMATS: Image.open was given no other
                if opened.width * opened.height > MAX_PIXELS:
                    raise InvalidInput(f"{TOO_MANY_PIXELS}; this one has {opened.width} x {opened.height}")
                opened.load()  # decodes every byte of the first frame: a truncated or corrupt file fails here
                image = ImageOps.exif_transpose(opened)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                _encodable(image, fmt).save(
                    out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {})
                )
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own check, at open
        raise InvalidInput(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise InvalidInput(NOT_A_PHOTO) from None
    content_type, ext = FORMATS[fmt]
    return CleanImage(out.getvalue(), content_type, ext)


def storage_used(conn: Connection, user_id: int) -> int:
    used = conn.execute(
        select(func.coalesce(func.sum(uploads.c.size), 0)).where(uploads.c.owner_id == user_id)
    ).scalar_one()
    return int(used)


def _check_quota(conn: Connection, actor: Actor, size: int, quota_bytes: int) -> None:
    # The user's row is locked first (PostgreSQL), so two uploads at once cannot both fit in the
    # last megabyte.
    conn.execute(select(users.c.id).where(users.c.id == actor.user_id).with_for_update())
    used = storage_used(conn, actor.user_id)
    if used + size > quota_bytes:
        raise QuotaExceeded(
            f"your photos take {used / 1048576:.1f} MB of your {quota_bytes // 1048576} MB; this one "
            f"({size / 1048576:.1f} MB) does not fit",
            used_bytes=used,
            quota_bytes=quota_bytes,
        )


def save_image(
    conn: Connection,
    store: FileStore,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    at: datetime,
    quota_bytes: int = DEFAULT_QUOTA_BYTES,
) -> int:
    if not data:
        raise InvalidInput("the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB; "
            f"this one is {len(data) / 1048576:.1f} MB"
        )
    image = clean_image(data)
    _check_quota(conn, actor, len(image.data), quota_bytes)
    digest = hashlib.sha256(image.data).hexdigest()
    key = f"{digest}.{image.ext}"
    store.put(key, image.data)  # content-addressed: writing the same bytes twice is harmless
    return conn.execute(
        uploads.insert()
        .values(
            owner_id=actor.user_id,
            sha256=digest,
            content_type=image.content_type,
            size=len(image.data),
            storage_key=key,
            original_name="".join(c for c in filename if c.isprintable())[:200],
            created_at=at,
        )
        .returning(uploads.c.id)
    ).scalar_one()


def owned_uploads(conn: Connection, actor: Actor, upload_ids: list[int]) -> list[int]:
    if not upload_ids:
        return []
    found = set(
        conn.execute(
            select(uploads.c.id).where(uploads.c.id.in_(upload_ids), uploads.c.owner_id == actor.user_id)
        ).scalars()
    )
    missing = sorted(set(upload_ids) - found)
    if missing:
        raise NotFound(f"you have no upload {', '.join(map(str, missing))}")
    return sorted(found)


def read_upload(conn: Connection, store: FileStore, upload_id: int) -> tuple[bytes, str]:
    row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).first()
    if row is None:
        raise NotFound(f"no upload {upload_id}")
    return store.get(row.storage_key), row.content_type
