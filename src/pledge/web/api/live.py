"""Live rooms: what viewers read and write (rooms, the event stream, comments, likes, reminders)
and what hosts do (create a room, announce, go live, end, pin/unpin/explain a card, read the
report). Every change is published to the room's viewers after its transaction commits."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from pledge.bootstrap import App
from pledge.kernel.clock import ensure_utc
from pledge.kernel.errors import DomainError
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.kernel.screening import Outcome
from pledge.live import coupons, events, queries, replays
from pledge.live import model as live_model
from pledge.live import services as live
from pledge.live.hub import stream
from pledge.live.model import Verdict
from pledge.promises.model import Promise
from pledge.reach.recording import EventKind, Subject
from pledge.web import live_actions as actions
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.live import (
    CardsOut,
    ClaimedCouponOut,
    CommentOut,
    CouponOfferOut,
    LikesOut,
    PostedCommentOut,
    ReminderOut,
    ReportOut,
    RoomDetailOut,
    RoomOut,
    SessionOut,
    TranscriptOut,
)
from pledge.web.deps import ApiActor, AppDep, optional_api_actor
from pledge.web.types import (
    Code,
    Cursor,
    Id,
    IntRange,
    Moment,
    OptionalTitle,
    PageSize,
    PathId,
    PriceFen,
    Title,
)
from pledge.web.visitors import record_for

router = ApiModuleRouter(tags=["live"])


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


class TranscriptIn(BaseModel):
    lines: list[Annotated[str, Field(max_length=live_model.TRANSCRIPT_LINE_MAX)]] = Field(
        min_length=1, max_length=live_model.TRANSCRIPT_LINES_MAX
    )


class ReplayIn(BaseModel):
    replay_url: Annotated[str, Field(strict=True, max_length=live.PLAYBACK_URL_MAX)]


class PinIn(BaseModel):
    price_fen: PriceFen


class CouponOfferIn(BaseModel):
    amount_fen: PriceFen
    min_spend_fen: Annotated[int, IntRange(0, MAX_PRICE_FEN)] = 0
    quantity: Annotated[int, IntRange(1, coupons.QUANTITY_MAX)]
    valid_hours: Annotated[int, IntRange(1, coupons.VALID_HOURS_MAX)] = 24


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
    return actions.room_json(app, room_id)


def _opening(app: App, room_id: int, last_event_id: str | None) -> bytes:
    with app.uow.read() as conn:
        return events.opening(
            conn, room_id, app.hub.viewers(room_id), app.rulebook, app.clock.now(), last_event_id
        )


def _viewer_key(request: Request) -> str:
    """A unique viewer: the signed-in account, else this one anonymous connection."""
    try:
        actor = optional_api_actor(request)
    except DomainError:  # a stale token does not close a public stream
        actor = None
    return f"user:{actor.user_id}" if actor else f"anon:{secrets.token_hex(8)}"


@router.get(
    "/live/rooms/{room_id}/events",
    summary="The room's events as Server-Sent Events (public)",
    response_class=EventStream,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def room_events(
    room_id: PathId,
    app: AppDep,
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    once: bool = False,
) -> StreamingResponse:
    """First the room now (`state`) and the recent comments (or those after Last-Event-ID),
    then comment, like, viewers, card, order, deal and ended events as they happen, until the
    viewer leaves. `once=true`: only the opening events, then the stream ends (for a client
    that cannot hold a connection open)."""
    sub = app.hub.subscribe(room_id)  # before reading the state: nothing falls between the two
    try:
        first = await run_in_threadpool(_opening, app, room_id, last_event_id)
        if not once:
            await run_in_threadpool(actions.record_viewer, app, room_id, _viewer_key(request))
    except BaseException:
        app.hub.unsubscribe(sub)
        raise
    if once:
        app.hub.unsubscribe(sub)
        return EventStream(iter([first]), headers={"Cache-Control": "no-store"})
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
    room_id: PathId,
    app: AppDep,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: PageSize = 50,
) -> list[dict]:
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
        if room.session is None:
            return []
        found = queries.comments(conn, room.session.id, after=after, before=before, limit=limit)
    return [events.comment_json(c) for c in found]


@router.post(
    "/live/rooms/{room_id}/comments",
    status_code=201,
    summary="Comment on the live session (1 to 200 characters)",
    response_model=PostedCommentOut,
)
def post_comment(room_id: PathId, body: CommentIn, app: AppDep, actor: ApiActor) -> dict:
    comment = actions.post_comment(app, actor, room_id, body.text)
    record_for(app, actor.user_id, EventKind.COMMENT, [(Subject.SESSION, comment.session_id)])
    return events.comment_json(comment) | {"shown": comment.verdict is Verdict.ALLOW}


@router.post(
    "/live/rooms/{room_id}/likes", summary="Likes (a burst of taps as one count)", response_model=LikesOut
)
def post_likes(room_id: PathId, body: LikesIn, app: AppDep, actor: ApiActor) -> dict:
    return {"likes": actions.like(app, room_id, body.taps)}


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
            screen=app.live_screen,
        )
    return actions.room_json(app, room_id)


@router.post(
    "/live/rooms/{room_id}/sessions",
    status_code=201,
    summary="Announce a session (预告)",
    response_model=SessionOut,
)
def schedule(room_id: PathId, body: ScheduleIn, app: AppDep, actor: ApiActor) -> dict:
    return actions.schedule(app, actor, room_id, body.title, ensure_utc(body.starts_at))["session"]


@router.post(
    "/live/rooms/{room_id}/start",
    summary="Go live with the ingest server's HLS playback URL",
    response_model=SessionOut,
)
def start(room_id: PathId, body: StartIn, app: AppDep, actor: ApiActor) -> dict:
    room = actions.start(
        app, actor, room_id, body.playback_url, session_id=body.session_id, title=body.title or None
    )
    return room["session"]


@router.post(
    "/live/sessions/{session_id}/transcript",
    summary="Shop: check transcript lines of a session (live context; nothing stored)",
    response_model=TranscriptOut,
)
def check_transcript(session_id: PathId, body: TranscriptIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        found = live.check_transcript(
            conn, actor, session_id=session_id, lines=body.lines, screen=app.live_screen
        )
    lines = [
        {"line": n, "verdict": s.outcome.value, "clause": s.clause, "hits": list(s.hits)}
        for n, s in enumerate(found, start=1)
    ]
    worst = max((s.outcome for s in found), key=list(Outcome).index)
    return {"session_id": session_id, "verdict": worst.value, "lines": lines}


@router.post("/live/rooms/{room_id}/end", summary="End the live session", response_model=SessionOut)
def end(room_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    return actions.end(app, actor, room_id)["session"]


@router.put(
    "/live/rooms/{room_id}/cards/{sku_id}",
    summary="Pin a product card at the room's price (小黄车)",
    response_model=CardsOut,
)
def pin(room_id: PathId, sku_id: PathId, body: PinIn, app: AppDep, actor: ApiActor) -> dict:
    return {"products": actions.pin(app, actor, room_id, sku_id, body.price_fen)}


@router.delete(
    "/live/rooms/{room_id}/cards/{sku_id}", summary="Unpin a product card", response_model=CardsOut
)
def unpin(room_id: PathId, sku_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    return {"products": actions.unpin(app, actor, room_id, sku_id)}


@router.post(
    "/live/rooms/{room_id}/cards/{sku_id}/explain",
    summary="Mark the card being explained (讲解中)",
    response_model=CardsOut,
)
def explain(room_id: PathId, sku_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    return {"products": actions.explain(app, actor, room_id, sku_id)}


@router.post(
    "/live/sessions/{session_id}/reminders",
    summary="Remind me when this announced session starts",
    response_model=ReminderOut,
)
def remind(session_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        added = live.remind_me(conn, actor, session_id=session_id, at=app.clock.now())
    return {"session_id": session_id, "added": added}


@router.put(
    "/live/sessions/{session_id}/replay",
    summary="The host gives an ended session its recording (HLS from the ingest server)",
    response_model=SessionOut,
)
def put_replay(session_id: PathId, body: ReplayIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        replays.set_replay(conn, actor, session_id=session_id, replay_url=body.replay_url)
    with app.uow.read() as conn:
        return events.session_json(replays.replay(conn, session_id).session) or {}


@router.get(
    "/live/sessions/{session_id}/report",
    summary="A session's report: viewers over time, comments per minute (the shop's)",
    response_model=ReportOut,
)
def report(session_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        _room, found = queries.session_report_for(conn, actor, session_id)
    return {
        "session": events.session_json(found.session),
        "viewers": [{"at": at, "viewers": n} for at, n in found.viewers],
        "comments_per_minute": [{"minute": m, "comments": n} for m, n in found.comments_per_minute],
        "comments": found.comments,
    }


@router.post(
    "/live/rooms/{room_id}/coupons",
    status_code=201,
    summary="Push a coupon offer to the live session's viewers (merchant-funded, 商家券)",
    response_model=CouponOfferOut,
)
def push_coupon(room_id: PathId, body: CouponOfferIn, app: AppDep, actor: ApiActor) -> dict:
    offer = actions.push_coupon(
        app,
        actor,
        room_id,
        amount_fen=body.amount_fen,
        min_spend_fen=body.min_spend_fen,
        quantity=body.quantity,
        valid_hours=body.valid_hours,
    )
    return events.coupon_json(offer)


@router.get(
    "/live/rooms/{room_id}/coupons",
    summary="The coupon offers of the room's live session (public)",
    response_model=list[CouponOfferOut],
)
def list_coupons(room_id: PathId, app: AppDep) -> list[dict]:
    with app.uow.read() as conn:
        session_id = queries.live_sessions_of(conn, [room_id]).get(room_id)
        if session_id is None:
            queries.room_view(conn, room_id)
            return []
        found = coupons.offers(conn, session_id)
    return [events.coupon_json(o) for o in found]


@router.post(
    "/live/rooms/{room_id}/coupons/{offer_id}/claim",
    status_code=201,
    summary="Claim a coupon offer (once per viewer); it lands in the wallet",
    response_model=ClaimedCouponOut,
)
def claim_coupon(room_id: PathId, offer_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    claimed = actions.claim_coupon(app, actor, room_id, offer_id)
    return {
        "coupon_id": claimed.coupon_id,
        "offer": events.coupon_json(claimed.offer),
        "expires_at": claimed.expires_at,
    }
