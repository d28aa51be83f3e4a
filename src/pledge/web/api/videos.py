"""Short videos: read one, its file in pieces (HTTP range requests) and its poster, count a
play, like it; a shop member uploads one (multipart). The reads answer a private video (视频自见)
to its creator only (by token or page session), 404 to anyone else."""

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pledge.creators import videos as creator_videos
from pledge.kernel.errors import InvalidInput
from pledge.reach.recording import EventKind, Subject
from pledge.videos import queries
from pledge.videos import services as videos
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.videos import VideoCountsOut, VideoCreatedOut, VideoLikeOut, VideoOut
from pledge.web.deps import ApiActor, AppDep, MaybeApiActor, pledge
from pledge.web.media import ranged_file
from pledge.web.types import PathId
from pledge.web.videos import new_video, refuse_too_large, video_data
from pledge.web.visitors import record_for

router = ApiModuleRouter(tags=["videos"])


_VIDEO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "video", "poster", "product_ids"],
                    "properties": {
                        "title": {"type": "string", "maxLength": 60},
                        "promise": {"type": "string", "description": "48h, same-day, next-day …"},
                        "product_ids": {
                            "type": "string",
                            "description": "the shop's product ids, comma-separated",
                        },
                        "video": {"type": "string", "format": "binary", "description": "MP4, at most 50 MB"},
                        "poster": {"type": "string", "format": "binary", "description": "JPEG or PNG frame"},
                    },
                }
            }
        },
    }
}


@router.get(
    "/videos/{video_id}", summary="A short video with its product cards", responses={200: {"model": VideoOut}}
)
def get_video(video_id: PathId, app: AppDep, actor: MaybeApiActor) -> dict:
    with app.uow.read() as conn:
        me = creator_videos.viewer_creator_id(conn, actor)
        video = queries.video_view(conn, video_id, viewer_creator_id=me)
    return video_data(app, video)


def _cache(stored: queries.StoredFile) -> str:
    """A private video's files (视频自见, for its creator) stay out of shared caches."""
    return "private, no-store" if stored.private else "public, max-age=86400"


@router.get(
    "/videos/{video_id}/file",
    summary="The MP4, whole or in the piece a Range header asks for (206; 416 when unsatisfiable)",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}}, 206: {"content": {"video/mp4": {}}}, 416: {}},
)
def video_file(video_id: PathId, request: Request, app: AppDep, actor: MaybeApiActor) -> Response:
    with app.uow.read() as conn:
        me = creator_videos.viewer_creator_id(conn, actor)
        stored = queries.video_file(conn, video_id, viewer_creator_id=me)
    response = ranged_file(
        app.files, stored.key, stored.size, stored.content_type, request.headers.get("range")
    )
    response.headers["Cache-Control"] = _cache(stored)
    return response


@router.get(
    "/videos/{video_id}/poster",
    summary="The video's poster frame",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
)
def video_poster(video_id: PathId, app: AppDep, actor: MaybeApiActor) -> Response:
    with app.uow.read() as conn:
        me = creator_videos.viewer_creator_id(conn, actor)
        stored = queries.poster_file(conn, video_id, viewer_creator_id=me)
    return Response(
        app.files.get(stored.key),
        media_type=stored.content_type,
        headers={"Cache-Control": _cache(stored), "X-Content-Type-Options": "nosniff"},
    )


def _counts(app, video_id: int) -> dict:
    with app.uow.read() as conn:
        video = queries.video_view(conn, video_id)
    return {"id": video.id, "plays": video.plays, "likes": video.likes}


@router.post(
    "/videos/{video_id}/plays",
    summary="Count one play (the page sends it once per view, when playback starts)",
    responses={200: {"model": VideoCountsOut}},
)
def count_play(video_id: PathId, app: AppDep) -> dict:
    with app.uow.begin() as conn:
        videos.count_play(conn, video_id=video_id)
    return _counts(app, video_id)


@router.post(
    "/videos/{video_id}/likes",
    summary="Like the video (once per user; again changes nothing)",
    responses={200: {"model": VideoLikeOut}},
)
def like(video_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        videos.like_video(conn, actor, video_id=video_id, at=app.clock.now())
    record_for(app, actor.user_id, EventKind.LIKE, [(Subject.VIDEO, video_id)])
    return _counts(app, video_id) | {"liked": True}


@router.delete(
    "/videos/{video_id}/likes", summary="Take back one's like", responses={200: {"model": VideoLikeOut}}
)
def unlike(video_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        videos.unlike_video(conn, actor, video_id=video_id)
    return _counts(app, video_id) | {"liked": False}


@router.post(
    "/shops/{shop_id}/videos",
    status_code=201,
    openapi_extra=_VIDEO_BODY,
    summary="Publish a short video (shop members): MP4 checked by its container, poster re-encoded",
    responses={201: {"model": VideoCreatedOut}},
)
async def upload_video(shop_id: PathId, request: Request, actor: ApiActor) -> dict:
    refuse_too_large(request.headers.get("content-length", ""))
    form = await request.form(max_files=2, max_fields=20)
    if form.get("video") is None:
        raise InvalidInput("send multipart/form-data with the fields title, product_ids, video and poster")
    video = await new_video(shop_id, form)
    app = pledge(request)

    def publish() -> int:
        with app.uow.begin() as conn:
            return videos.publish_video(conn, actor, app.files, video, at=app.clock.now())

    return {"id": await run_in_threadpool(publish)}
