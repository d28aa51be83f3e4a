"""The caller's inbox: notices newest first with the unread count, and marking them read."""

from dataclasses import asdict

from pydantic import BaseModel

from pledge.notifications import queries
from pledge.notifications.services import mark_read
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.notifications import InboxOut, MarkedReadOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Id, PageSize

router = ApiModuleRouter(tags=["notifications"])


class MarkReadIn(BaseModel):
    up_to: Id | None = None  # the newest notice read; omitted: all of them


@router.get(
    "/notifications",
    summary="The caller's notices, newest first (page with `before`)",
    responses={200: {"model": InboxOut}},
)
def inbox(app: AppDep, actor: ApiActor, before: Id | None = None, limit: PageSize = 20) -> dict:
    with app.uow.read() as conn:
        notices = queries.inbox(conn, actor.user_id, before=before, limit=limit)
        unread = queries.unread_count(conn, actor.user_id)
    return {"unread": unread, "notices": [dict(asdict(n), kind=n.kind.value) for n in notices]}


@router.post(
    "/notifications/read",
    summary="Mark the caller's notices read (all, or those up to `up_to`)",
    responses={200: {"model": MarkedReadOut}},
)
def read(body: MarkReadIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        marked = mark_read(conn, actor, at=app.clock.now(), up_to=body.up_to)
        unread = queries.unread_count(conn, actor.user_id)
    return {"marked": marked, "unread": unread}
