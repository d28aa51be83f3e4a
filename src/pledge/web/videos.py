"""What the video API and the video pages share: a video as JSON-ready data with the signed
source token its buy links carry, and a merchant's upload read from a multipart form."""

from __future__ import annotations

from dataclasses import asdict

from starlette.datastructures import FormData, UploadFile

from pledge.attribution import tokens
from pledge.attribution.model import Channel, Source
from pledge.bootstrap import App
from pledge.creators.videos import NewCreatorVideo
from pledge.kernel.errors import DomainError, InvalidInput
from pledge.promises.model import Promise
from pledge.videos.model import MAX_VIDEO_BYTES, VideoStatus
from pledge.videos.queries import VideoView
from pledge.videos.services import NewVideo
from pledge.web.photos import read_photo

VIDEO_FORM_OVERHEAD = 6 * 1024 * 1024  # the poster (at most 5 MB) and the form around the MP4


def source_token(app: App, video_id: int) -> str:
    return tokens.sign(app.settings.secret_key, Source(Channel.SHORT_VIDEO, video_id), at=app.clock.now())


def video_data(app: App, video: VideoView) -> dict:
    """The video for a client: its counts, files, promise and product cards; each card's link
    carries the video's source token, so an order placed from it is the video's. A private video
    (视频自见, read by its creator) sells nothing: no token, the cards link the plain product pages."""
    token = source_token(app, video.id) if video.status == VideoStatus.PUBLISHED else ""
    query = f"?source={token}" if token else ""
    data = asdict(video)
    data.update(
        source_token=token,
        file_url=f"/api/v1/videos/{video.id}/file",
        poster_url=f"/api/v1/videos/{video.id}/poster",
        products=[dict(asdict(p), url=f"/products/{p.product_id}{query}") for p in video.products],
    )
    return data


class VideoTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "Payload too large"


def refuse_too_large(length: str) -> None:
    """Refuse an upload by its Content-Length, before the body is read."""
    if length.isdigit() and int(length) > MAX_VIDEO_BYTES + VIDEO_FORM_OVERHEAD:
        raise VideoTooLarge(f"a video may be at most {MAX_VIDEO_BYTES // (1024 * 1024)} MB")


async def _read_video(file: UploadFile) -> bytes:
    data = await file.read(MAX_VIDEO_BYTES + 1)
    if len(data) > MAX_VIDEO_BYTES:
        raise InvalidInput(f"a video may be at most {MAX_VIDEO_BYTES // (1024 * 1024)} MB")
    return data


def _product_ids(form: FormData) -> list[int]:
    raw = [str(v) for v in form.getlist("product_ids") if not isinstance(v, UploadFile)]
    ids = [part.strip() for value in raw for part in value.split(",") if part.strip()]
    if not all(part.isdigit() and len(part) <= 18 for part in ids):
        raise InvalidInput("product_ids are the ids of the shop's products")
    return [int(part) for part in ids]


async def _files(form: FormData) -> tuple[bytes, bytes]:
    """The MP4 (field `video`) and its poster frame (field `poster`) of an upload."""
    video, poster = form.get("video"), form.get("poster")
    if not isinstance(video, UploadFile) or not isinstance(poster, UploadFile):
        raise InvalidInput("send the MP4 in the field `video` and its poster image in the field `poster`")
    poster_bytes = await read_photo(poster)
    return await _read_video(video), poster_bytes


async def new_video(shop_id: int, form: FormData) -> NewVideo:
    """The upload's fields: `title`, `promise` (48h, same-day …), `product_ids` (repeated or
    comma-separated), `video` (the MP4) and `poster` (a JPEG or PNG frame)."""
    promise = Promise.parse(str(form.get("promise") or "48h"))
    mp4, poster = await _files(form)
    return NewVideo(shop_id, str(form.get("title") or ""), mp4, poster, _product_ids(form), promise)


async def new_creator_video(form: FormData) -> NewCreatorVideo:
    """A creator's upload: as a shop's, without a promise (each product's own binds)."""
    mp4, poster = await _files(form)
    return NewCreatorVideo(str(form.get("title") or ""), mp4, poster, _product_ids(form))
