"""Live rooms: what viewers read and write (rooms, the event stream, comments, likes, reminders)
and what hosts do (create a room, announce, go live, end, pin/unpin/explain a card, read the
report). Every change is published to the room's viewers after its transaction commits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from pledge.bootstrap import App
from pledge.kernel.errors import Conflict
from pledge.live import events, queries
from pledge.live import services as live
from pledge.live.hub import stream
from pledge.promises.model import Promise
from pledge.web.api.schemas.live import (
    CardsOut,
    CommentOut,
    LikesOut,
    PostedCommentOut,
    ReminderOut,
    ReportOut,
    RoomDetailOut,
    RoomOut,
    SessionOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, Cursor, Id, IntRange, Moment, OptionalTitle, PathId, PriceFen, Title

router = APIRouter(tags=["live"])


class EventStream(StreamingResponse):
    media_type = "text/event-stream"


class CommentIn(BaseModel):
    text: Annotated[str, Field(strict=True, max_length=1000)]  # the service says what is wrong


class LikesIn(BaseModel):
    taps: Annotated[int, IntRange(1, live.LIKES_PER_TAP_MAX)] = 1


class RoomIn(BaseModel):
    title: Title
    promise: Code = Field(description="same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD")


class ScheduleIn(BaseModel):
    title: Title
    starts_at: Moment


class StartIn(BaseModel):
    playback_url: Annotated[str, Field(strict=True, max_length=live.PLAYBACK_URL_MAX)]
    session_id: Id | None = None  # the announced session to start; none: a new one now
    title: OptionalTitle = ""


class PinIn(BaseModel):
    price_fen: PriceFen


def _room(app: App, room_id: int, *, with_cards: bool = True) -> dict:
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
    return events.room_json(
        room, app.hub.viewers(room_id), app.rulebook, app.clock.now(), with_cards=with_cards
    )


@router.get(
    "/live/rooms",
    summary="Live rooms (filter by status: live, scheduled, ended ...)",
    response_model=list[RoomOut],
)
def list_rooms(app: AppDep, status: Code | None = None, shop_id: PathId | None = None) -> list[dict]:
    with app.uow.read() as conn:
        found = queries.rooms(conn, status=status, shop_id=shop_id)
    now = app.clock.now()
    return [events.room_json(r, app.hub.viewers(r.id), app.rulebook, now, with_cards=False) for r in found]


@router.get(
    "/live/rooms/{room_id}",
    summary="A room with its session and product cards (public)",
    response_model=RoomDetailOut,
)
def get_room(room_id: PathId, app: AppDep) -> dict:
    return _room(app, room_id)


def _opening(app: App, room_id: int, last_event_id: str | None) -> bytes:
    with app.uow.read() as conn:
        return events.opening(
            conn, room_id, app.hub.viewers(room_id), app.rulebook, app.clock.now(), last_event_id
        )


@router.get(
    "/live/rooms/{room_id}/events",
    summary="The room's events as Server-Sent Events (public)",
    response_class=EventStream,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def room_events(
    room_id: PathId, app: AppDep, last_event_id: Annotated[str | None, Header()] = None
) -> StreamingResponse:
    """First the room now (`state`) and the recent comments (or those after Last-Event-ID),
    then everything as it happens, until the viewer leaves."""
    sub = app.hub.subscribe(room_id)  # before reading the state: nothing falls between the two
    try:
        first = await run_in_threadpool(_opening, app, room_id, last_event_id)
    except BaseException:
        app.hub.unsubscribe(sub)
        raise
    return EventStream(
        stream(app.hub, sub, first=first),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/live/rooms/{room_id}/comments",
    summary="Comments of the room's session, oldest first (public)",
    response_model=list[CommentOut],
)
def list_comments(
    room_id: PathId, app: AppDep, after: Cursor | None = None, before: Cursor | None = None, limit: int = 50
) -> list[dict]:
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
        if room.session is None:
            return []
        found = queries.comments(conn, room.session.id, after=after, before=before, limit=limit)
    return [events.comment_json(c) for c in found]


def _live_session_id(conn, room_id: int) -> int:
    room = queries.room_view(conn, room_id)
    if room.session is None:
        raise Conflict(f"live room {room_id} has no session; it is not live")
    return room.session.id


@router.post(
    "/live/rooms/{room_id}/comments",
    status_code=201,
    summary="Comment on the live session (1 to 200 characters)",
    response_model=PostedCommentOut,
)
def post_comment(room_id: PathId, body: CommentIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        comment = live.post_comment(
            conn,
            actor,
            session_id=_live_session_id(conn, room_id),
            text=body.text,
            moderator=app.moderator,
            at=app.clock.now(),
        )
    events.publish_comment(app.hub, comment)
    return events.comment_json(comment) | {"shown": comment.verdict == live.Verdict.ALLOW}


@router.post(
    "/live/rooms/{room_id}/likes", summary="Likes (a burst of taps as one count)", response_model=LikesOut
)
def post_likes(room_id: PathId, body: LikesIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        likes = live.like(conn, session_id=_live_session_id(conn, room_id), taps=body.taps)
    events.publish_likes(app.hub, room_id, likes)
    return {"likes": likes}


@router.post(
    "/shops/{shop_id}/live/rooms",
    status_code=201,
    summary="Open a live room for the shop",
    response_model=RoomDetailOut,
)
def create_room(shop_id: PathId, body: RoomIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        room_id = live.create_room(
            conn,
            actor,
            shop_id=shop_id,
            title=body.title,
            promise=Promise.parse(body.promise),
            at=app.clock.now(),
        )
    return _room(app, room_id)


@router.post(
    "/live/rooms/{room_id}/sessions",
    status_code=201,
    summary="Announce a session (预告)",
    response_model=SessionOut,
)
def schedule(room_id: PathId, body: ScheduleIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        live.schedule_session(
            conn, actor, room_id=room_id, title=body.title, starts_at=body.starts_at, at=app.clock.now()
        )
    return _publish_state(app, room_id)


def _publish_state(app: App, room_id: int) -> dict:
    """The room's new state to its viewers; the session, for the answer."""
    room = _room(app, room_id)
    app.hub.publish(room_id, events.STATE, room)
    return room["session"]


@router.post(
    "/live/rooms/{room_id}/start",
    summary="Go live with the ingest server's HLS playback URL",
    response_model=SessionOut,
)
def start(room_id: PathId, body: StartIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        live.go_live(
            conn,
            actor,
            room_id=room_id,
            playback_url=body.playback_url,
            session_id=body.session_id,
            title=body.title or None,
            at=app.clock.now(),
        )
    return _publish_state(app, room_id)


@router.post("/live/rooms/{room_id}/end", summary="End the live session", response_model=SessionOut)
def end(room_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        session_id = queries.live_sessions_of(conn, [room_id]).get(room_id)
        if session_id is None:
            queries.room_view(conn, room_id)  # NotFound for a room that does not exist
            raise Conflict(f"live room {room_id} is not live")
        live.end_session(conn, actor, session_id=session_id, at=app.clock.now())
    room = _room(app, room_id)
    events.publish_ended(app.hub, room_id, session_id, room["status"])
    return room["session"]


def _cards_changed(app: App, room_id: int) -> dict:
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
    events.publish_cards(app.hub, room, app.rulebook, app.clock.now())
    return {"products": events.cards_json(room, app.rulebook, app.clock.now())}


@router.put(
    "/live/rooms/{room_id}/cards/{sku_id}",
    summary="Pin a product card at the room's price (小黄车)",
    response_model=CardsOut,
)
def pin(room_id: PathId, sku_id: PathId, body: PinIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        session_id = queries.open_session_id(conn, room_id)
        live.pin_card(
            conn, actor, session_id=session_id, sku_id=sku_id, price_fen=body.price_fen, at=app.clock.now()
        )
    return _cards_changed(app, room_id)


@router.delete(
    "/live/rooms/{room_id}/cards/{sku_id}", summary="Unpin a product card", response_model=CardsOut
)
def unpin(room_id: PathId, sku_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        live.unpin_card(conn, actor, session_id=queries.open_session_id(conn, room_id), sku_id=sku_id)
    return _cards_changed(app, room_id)


@router.post(
    "/live/rooms/{room_id}/cards/{sku_id}/explain",
    summary="Mark the card being explained (讲解中)",
    response_model=CardsOut,
)
def explain(room_id: PathId, sku_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        live.explain_card(conn, actor, session_id=queries.open_session_id(conn, room_id), sku_id=sku_id)
    return _cards_changed(app, room_id)


@router.post(
    "/live/sessions/{session_id}/reminders",
    summary="Remind me when this announced session starts",
    response_model=ReminderOut,
)
def remind(session_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        added = live.remind_me(conn, actor, session_id=session_id, at=app.clock.now())
    return {"session_id": session_id, "added": added}


@router.get(
    "/live/sessions/{session_id}/report",
    summary="A session's report: viewers over time, comments per minute (the shop's)",
    response_model=ReportOut,
)
def report(session_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        _room_view, found = queries.session_report_for(conn, actor, session_id)
    return {
        "session": events.session_json(found.session),
        "viewers": [{"at": at, "viewers": n} for at, n in found.viewers],
        "comments_per_minute": [{"minute": m, "comments": n} for m, n in found.comments_per_minute],
        "comments": found.comments,
    }
