"""Live-room changes as the API and the pages make them: the use case in one transaction, then,
once it has committed, the matching event to the room's viewers (pledge.live.events). Shared by
web/api/live.py and web/pages/live.py so both publish the same events the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.bootstrap import App
from pledge.governance.streams import cut_stream
from pledge.kernel.errors import Conflict
from pledge.live import coupons, events, metrics, queries
from pledge.live import services as live
from pledge.live.model import SessionStatus
from pledge.live.queries import RoomView


def room_json(app: App, room_id: int, *, with_cards: bool = True) -> dict[str, Any]:
    with app.uow.read() as conn:
        room = queries.room_view(conn, room_id)
    return events.room_json(
        room, app.hub.viewers(room_id), app.rulebook, app.clock.now(), with_cards=with_cards
    )


def _session_of(conn: Connection, room_id: int) -> int:
    room = queries.room_view(conn, room_id)
    if room.session is None:
        raise Conflict(f"live room {room_id} has no session; it is not live")
    return room.session.id


def post_comment(app: App, actor: Actor, room_id: int, text: object) -> live.Comment:
    with app.uow.begin() as conn:
        comment = live.post_comment(
            conn,
            actor,
            session_id=_session_of(conn, room_id),
            text=text,
            moderator=app.moderator,
            at=app.clock.now(),
            listener=app.listener,
        )
    events.publish_comment(app.hub, comment)
    return comment


def like(app: App, room_id: int, taps: int) -> int:
    with app.uow.begin() as conn:
        likes = live.like(conn, session_id=_session_of(conn, room_id), taps=taps)
    events.publish_likes(app.hub, room_id, likes)
    return likes


def publish_state(app: App, room_id: int) -> dict[str, Any]:
    """The room's new state to its viewers (a session announced or started); the room."""
    room = room_json(app, room_id)
    app.hub.publish(room_id, events.STATE, room)
    return room


def schedule(app: App, actor: Actor, room_id: int, title: object, starts_at: datetime) -> dict[str, Any]:
    with app.uow.begin() as conn:
        live.schedule_session(
            conn,
            actor,
            room_id=room_id,
            title=title,
            starts_at=starts_at,
            at=app.clock.now(),
            screen=app.live_screen,
            guards=app.live_guards,
        )
    return publish_state(app, room_id)


def start(
    app: App, actor: Actor, room_id: int, playback_url: object, *, session_id: int | None, title: object
) -> dict[str, Any]:
    with app.uow.begin() as conn:
        live.go_live(
            conn,
            actor,
            room_id=room_id,
            playback_url=playback_url,
            session_id=session_id,
            title=title,
            at=app.clock.now(),
            screen=app.live_screen,
            guards=app.live_guards,
        )
    return publish_state(app, room_id)


def end(app: App, actor: Actor, room_id: int) -> dict[str, Any]:
    with app.uow.begin() as conn:
        session_id = queries.live_sessions_of(conn, [room_id]).get(room_id)
        if session_id is None:
            queries.room_view(conn, room_id)  # NotFound for a room that does not exist
            raise Conflict(f"live room {room_id} is not live")
        live.end_session(conn, actor, session_id=session_id, at=app.clock.now())
    room = room_json(app, room_id)
    events.publish_ended(app.hub, room_id, session_id, room["status"])
    return room


def cards_changed(app: App, room_id: int) -> list[dict[str, Any]]:
    with app.uow.read() as conn:
        room: RoomView = queries.room_view(conn, room_id)
    now = app.clock.now()
    events.publish_cards(app.hub, room, app.rulebook, now)
    return events.cards_json(room, app.rulebook, now)


def pin(app: App, actor: Actor, room_id: int, sku_id: int, price_fen: int) -> list[dict[str, Any]]:
    with app.uow.begin() as conn:
        session_id = queries.open_session_id(conn, room_id)
        live.pin_card(
            conn, actor, session_id=session_id, sku_id=sku_id, price_fen=price_fen, at=app.clock.now()
        )
    return cards_changed(app, room_id)


def unpin(app: App, actor: Actor, room_id: int, sku_id: int) -> list[dict[str, Any]]:
    with app.uow.begin() as conn:
        live.unpin_card(conn, actor, session_id=queries.open_session_id(conn, room_id), sku_id=sku_id)
    return cards_changed(app, room_id)


def explain(app: App, actor: Actor, room_id: int, sku_id: int) -> list[dict[str, Any]]:
    with app.uow.begin() as conn:
        live.explain_card(conn, actor, session_id=queries.open_session_id(conn, room_id), sku_id=sku_id)
    return cards_changed(app, room_id)


def announce_deal(app: App, deal: dict[str, Any]) -> None:
    """A flash deal opened for a live room's content: its viewers see it, with its end for the
    countdown (call after the deal's transaction committed)."""
    with app.uow.read() as conn:
        room_id = queries.room_of_content(conn, deal.get("content_id"))
    if room_id is None:
        return
    keys = ("id", "title", "product_id", "product_title", "sku_id", "price_fen", "remaining")
    events.publish_deal(
        app.hub,
        room_id,
        {k: deal.get(k) for k in keys}
        | {"starts_at": deal["starts_at"].isoformat(), "ends_at": deal["ends_at"].isoformat()},
    )


def announce_order(app: App, room_id: int, buyer_name: str, product_title: str) -> None:
    """某某刚刚下单 to the room's viewers, the buyer's name masked: for checkout to call after an
    order bought from the room (source live_room:room_id) committed."""
    events.publish_order(app.hub, room_id, buyer_name, product_title)


def announce_orders(app: App, order_ids: Sequence[int]) -> None:
    """After a checkout committed: 某某刚刚下单 in every room the orders were bought in (of the
    orders bought through a source: one bought from a product card was bought in no room)."""
    if not order_ids:
        return
    with app.uow.read() as conn:
        bought = queries.room_orders(conn, list(order_ids))
    for order in bought:
        announce_order(app, order.room_id, order.buyer_name, order.product_title)


def push_coupon(
    app: App,
    actor: Actor,
    room_id: int,
    *,
    amount_fen: int,
    min_spend_fen: int,
    quantity: int,
    valid_hours: int,
) -> coupons.CouponOffer:
    """The host's coupon offer to the live session's viewers, published once committed."""
    with app.uow.begin() as conn:
        session_id = queries.live_sessions_of(conn, [room_id]).get(room_id)
        if session_id is None:
            queries.room_view(conn, room_id)  # NotFound for a room that does not exist
            raise Conflict(f"live room {room_id} is not live")
        offer = coupons.push_offer(
            conn,
            actor,
            session_id=session_id,
            amount_fen=amount_fen,
            min_spend_fen=min_spend_fen,
            quantity=quantity,
            valid_hours=valid_hours,
            at=app.clock.now(),
        )
    events.publish_coupon(app.hub, offer)
    return offer


def claim_coupon(app: App, actor: Actor, room_id: int, offer_id: int) -> coupons.Claimed:
    """A viewer's claim; the room learns how many are left once it committed."""
    with app.uow.begin() as conn:
        claimed = coupons.claim(conn, actor, room_id=room_id, offer_id=offer_id, at=app.clock.now())
    events.publish_coupon(app.hub, claimed.offer)
    return claimed


def record_viewer(app: App, room_id: int, viewer_key: str) -> None:
    """A viewer opened the room's stream while it is live: a unique viewer of the session."""
    with app.uow.begin() as conn:
        session_id = queries.live_sessions_of(conn, [room_id]).get(room_id)
        if session_id is not None:
            metrics.record_viewer(conn, session_id=session_id, viewer_key=viewer_key, at=app.clock.now())


def publish_cut(
    app: App, session_id: int, *, actor: Actor | None = None, reason: str = "", clause: str = ""
) -> int | None:
    """An operator's stream cut (with `actor`: cut it now through governance, its penalty id), or
    a cut already committed (a reviewer's decision): every viewer is told the session ended."""
    penalty_id = None
    if actor is not None:
        with app.uow.begin() as conn:
            penalty_id, _ = cut_stream(
                conn,
                actor,
                session_id,
                reason=reason,
                clause_id=clause,
                book=app.rulebook,
                at=app.clock.now(),
            )
    with app.uow.read() as conn:
        room_id = queries.session_room(conn, session_id)
    events.publish_ended(app.hub, room_id, session_id, SessionStatus.CUT.value)
    return penalty_id


def publish_decision(app: App, answer: dict) -> None:
    """A reviewer's committed decision, told to the live rooms it touched: a cut session ends for
    every viewer; a removed comment leaves every viewer's list."""
    if answer["cut_session"] is not None:
        publish_cut(app, answer["cut_session"])
    if answer.get("hidden_in_session") is not None:
        with app.uow.read() as conn:
            room_id = queries.session_room(conn, answer["hidden_in_session"])
        events.publish_hidden(app.hub, room_id, answer["hidden_comment"])
