"""Behaviour events in (buffered, off the request path) and the caller's precomputed feed out."""

from typing import Annotated

from annotated_types import Interval
from pydantic import BaseModel

from pledge.reach.recording import MAX_WATCH_MS, BehaviourEvent, EventKind, Subject
from pledge.reach.serving import MAX_PAGE_SIZE, feed
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.reach import EventAcceptedOut, FeedOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Id, IntRange

router = ApiModuleRouter(tags=["reach"])
FeedPage = Annotated[int, Interval(ge=1, le=100)]
FeedSize = Annotated[int, Interval(ge=1, le=MAX_PAGE_SIZE)]


class EventIn(BaseModel):
    kind: EventKind
    subject: Subject
    subject_id: Id
    watch_ms: Annotated[int, IntRange(0, MAX_WATCH_MS)] | None = None  # views only


@router.post(
    "/reach/events",
    status_code=202,
    summary="Record one behaviour event of the caller (buffered and written in batches)",
    responses={202: {"model": EventAcceptedOut}},
)
def record(body: EventIn, app: AppDep, actor: ApiActor) -> dict:
    event = BehaviourEvent(
        body.kind,
        body.subject,
        body.subject_id,
        app.clock.now(),
        user_id=actor.user_id,
        watch_ms=body.watch_ms,
    )
    if app.events.add(event):
        with app.uow.begin() as conn:
            app.events.flush(conn)
    return {"accepted": True}


@router.get(
    "/reach/feed",
    summary="A page of the caller's feed, as the last training ranked it",
    responses={200: {"model": FeedOut}},
)
def my_feed(app: AppDep, actor: ApiActor, page: FeedPage = 1, size: FeedSize = 20) -> dict:
    with app.uow.read() as conn:
        items = feed(conn, actor.user_id, page, size)
    return {
        "page": page,
        "items": [{"rank": i.rank, "subject": i.subject.value, "subject_id": i.subject_id} for i in items],
    }
