"""A creator's own live rooms (达人直播间) on the creator's pages: open a room, go live, pin
products of several shops from their selection (showcase) at the room's price, unpin, end.
The use cases are pledge.creators.rooms; viewers hear of each change through the room's event
stream after it commits (web/live_actions.py), as for a shop's room."""

from __future__ import annotations

from fastapi import Request

from pledge.creators import rooms
from pledge.creators import services as creators
from pledge.kernel.money import parse_yuan
from pledge.live import metrics
from pledge.web import live_actions as actions
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text, required_number
from pledge.web.pages.live import source_token
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import OptionalTitle, PathId, Title

router = PageRouter()


def _console(room_id: int) -> str:
    return f"/creator/rooms/{room_id}"


@router.post("/creator/rooms")
def open_room(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        room_id = rooms.open_room(
            conn,
            caller.actor,
            app.rulebook,
            title=form_text(form, "title", Title),
            at=app.clock.now(),
            screen=app.live_screen,
        )
    return redirect(_console(room_id))


@router.get("/creator/rooms/{room_id}")
def console(room_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        room = rooms.room_for_creator(conn, caller.actor, room_id)
        me = creators.creator_of(conn, caller.actor)
        pickable = rooms.pickable(conn, me.id, now=app.clock.now())
        sold = metrics.session_metrics(conn, [room.session.id])[room.session.id] if room.session else None
    return render(
        request,
        "creator_room.html",
        room=room,
        me=me,
        pickable=pickable,
        metrics=sold,
        viewers=app.hub.viewers(room_id),
        token=source_token(app, room_id),
    )


@router.post("/creator/rooms/{room_id}/start")
def start(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        rooms.go_live(
            conn,
            caller.actor,
            room_id=room_id,
            playback_url=form.get("playback_url"),
            title=form_text(form, "title", OptionalTitle) or None,
            at=app.clock.now(),
            screen=app.live_screen,
        )
    actions.publish_state(app, room_id)
    return redirect(_console(room_id))


@router.post("/creator/rooms/{room_id}/end")
def end(room_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        session_id = rooms.end_session(conn, caller.actor, room_id=room_id, at=app.clock.now())
    room = actions.room_json(app, room_id)
    actions.events.publish_ended(app.hub, room_id, session_id, room["status"])
    return redirect(_console(room_id))


@router.post("/creator/rooms/{room_id}/cards")
def pin(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    sku_id = required_number(form.get("sku_id"), "sku_id", low=1)
    price_fen = parse_yuan(str(form.get("price_yuan", "")).strip())
    with app.uow.begin() as conn:
        rooms.pin(
            conn,
            caller.actor,
            app.rulebook,
            room_id=room_id,
            sku_id=sku_id,
            price_fen=price_fen,
            at=app.clock.now(),
        )
    actions.cards_changed(app, room_id)
    return redirect(_console(room_id))


@router.post("/creator/rooms/{room_id}/cards/remove")
def unpin(room_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    sku_id = required_number(form.get("sku_id"), "sku_id", low=1)
    with app.uow.begin() as conn:
        rooms.unpin(conn, caller.actor, room_id=room_id, sku_id=sku_id)
    actions.cards_changed(app, room_id)
    return redirect(_console(room_id))
