"""A creator's own short videos (达人短视频) on the creator's pages: the publish form (the MP4, a
poster frame chosen on the phone, products of several shops picked from their showcase) and
taking a video down. The use cases are pledge.creators.videos; the list is on /creator."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pledge.creators import services as creators
from pledge.creators import videos
from pledge.web.deps import CheckedForm, PageCaller, pledge, verify_csrf
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId
from pledge.web.videos import new_creator_video, refuse_too_large

router = PageRouter()


@router.get("/creator/videos/new")
def publish_form(request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        me = creators.creator_of(conn, caller.actor)
        products = videos.pickable_products(conn, me.id, now=app.clock.now())
    return render(request, "creator_video_new.html", me=me, products=products)


@router.post("/creator/videos")
async def publish(request: Request, caller: PageCaller):
    refuse_too_large(request.headers.get("content-length", ""))
    form = await request.form(max_files=2, max_fields=20)
    verify_csrf(form, caller)
    video = await new_creator_video(form)
    app = pledge(request)

    def publish_it() -> int:  # in the thread pool, as a plain def handler's work is
        with app.uow.begin() as conn:
            return videos.publish(conn, caller.actor, app.rulebook, app.files, video, at=app.clock.now())

    video_id = await run_in_threadpool(publish_it)
    return redirect(f"/videos/{video_id}")


@router.post("/creator/videos/{video_id}/remove")
def take_down(video_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        videos.take_down(conn, caller.actor, video_id=video_id)
    return redirect("/creator#videos")
