"""The video page (its player, product cards that buy from the video, plays and likes) and the
merchant's upload form (MP4 + a poster frame chosen on the phone)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pledge.catalog import queries as catalog_queries
from pledge.creators import queries as creator_queries
from pledge.creators import videos as creator_videos
from pledge.governance import creator_records
from pledge.kernel.errors import Forbidden
from pledge.promises.model import Promise
from pledge.reach.recording import EventKind, Subject
from pledge.videos import queries
from pledge.videos import services as videos
from pledge.videos.model import VideoStatus
from pledge.web.deps import PageCaller, optional_caller, pledge, verify_csrf
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId
from pledge.web.videos import new_video, refuse_too_large, video_data
from pledge.web.visitors import Who

router = PageRouter()


def _owner(conn, video: dict) -> tuple[dict | None, dict | None]:
    """The shop whose video it is, or (a creator's own video) the creator who is its author."""
    if video["shop_id"] is None:
        return None, creator_queries.creator_profile(conn, video["creator_id"])
    return catalog_queries.get_shop(conn, video["shop_id"]), None


def _badge(video: dict) -> dict | None:
    """The video's own promise as the badge reads it; None for a creator's video (none of its own)."""
    if video["promise_code"] is None:
        return None
    promise = Promise.parse(video["promise_code"])
    return {
        "promise_kind": promise.kind,
        "promise_hours": promise.hours,
        "presale_date": promise.presale_date,
    }


@router.get("/videos/{video_id}")
def video_page(video_id: PathId, request: Request):
    """A published video for everyone; a private one (视频自见) for its creator alone, with why,
    no plays, likes or buying from it, and no view for the feed. Anyone else: 404."""
    app = pledge(request)
    caller = optional_caller(request)
    with app.uow.read() as conn:
        me = creator_videos.viewer_creator_id(conn, caller.actor if caller else None)
        video = video_data(app, queries.video_view(conn, video_id, viewer_creator_id=me))
        shop, author = _owner(conn, video)
        liked = videos.liked_by(conn, video_id, caller.actor.user_id if caller else None)
        private = video["status"] == VideoStatus.PRIVATE
        why = creator_records.private_video_reasons(conn, [video_id]).get(video_id) if private else None
    page: dict[str, Any] = dict(video=video, shop=shop, author=author, promise=_badge(video), liked=liked)
    if private:
        response = render(request, "video.html", **page, private=True, private_reason=why)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    viewer = Who(request)  # a view for the feed (reach): buffered, off the request path
    viewer.record(app, EventKind.VIEW, [(Subject.VIDEO, video_id)])
    return viewer.keep(request, render(request, "video.html", **page, private=False))


def _merchant_shop(caller) -> int:
    if not caller.actor.shops:
        raise Forbidden("only shop members upload videos")
    return min(caller.actor.shops)


@router.get("/merchant/videos/new")
def upload_form(request: Request, caller: PageCaller):
    shop_id = _merchant_shop(caller)
    with pledge(request).uow.read() as conn:
        products = catalog_queries.list_products(conn, shop_id=shop_id)
    return render(request, "video_new.html", shop_id=shop_id, products=products)


@router.post("/merchant/videos")
async def upload(request: Request, caller: PageCaller):
    shop_id = _merchant_shop(caller)
    refuse_too_large(request.headers.get("content-length", ""))
    form = await request.form(max_files=2, max_fields=20)
    verify_csrf(form, caller)
    video = await new_video(shop_id, form)
    app = pledge(request)

    def publish() -> int:  # in the thread pool, as a plain def handler's work is
        with app.uow.begin() as conn:
            return videos.publish_video(conn, caller.actor, app.files, video, at=app.clock.now())

    video_id = await run_in_threadpool(publish)
    return redirect(f"/videos/{video_id}")
