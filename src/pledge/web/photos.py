"""Evidence photos arriving over HTTP, for the API and the case pages alike: a photo is read
only up to the size limit (one byte more tells it is too large), then saved through
pledge.uploads under the caller's storage quota."""

from __future__ import annotations

from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.kernel.errors import DomainError
from pledge.uploads.services import MAX_BYTES, save_image

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around one photo


class TooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "Payload too large"


def photo_too_large(size: int) -> TooLarge:
    return TooLarge(
        f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB; this one is {size / 1048576:.1f} MB",
        max_bytes=MAX_BYTES,
    )


async def read_photo(file: UploadFile) -> bytes:
    """At most MAX_BYTES + 1 bytes are read: enough to know the photo is too large."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise photo_too_large(file.size or len(data))
    return data


def store_photo(app: App, actor: Actor, data: bytes, filename: str, conn: Connection) -> int:
    """Save a photo the caller sent, within their storage quota; its upload id."""
    return save_image(
        conn,
        app.files,
        actor,
        data=data,
        filename=filename,
        at=app.clock.now(),
        quota_bytes=app.settings.upload_quota_mb * 1024 * 1024,
    )
