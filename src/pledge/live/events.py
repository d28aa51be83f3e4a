"""What a room's viewers receive, as JSON: the room's state, comments, likes, viewers, card
changes, order notices, deals and the end of the session. The web layer publishes these to the
hub after the transaction that caused them commits (a viewer never sees a rolled-back comment).

Event names (the `event:` line of the stream): state, comment, like, viewers, card, order, deal,
coupon, ended, hidden (a comment a reviewer removed). A comment's SSE id is its comment id, so
a reconnecting browser's Last-Event-ID replays what it missed from the stored comments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from pledge.live import queries
from pledge.live.coupons import CouponOffer
from pledge.live.hub import Hub, sse_frame
from pledge.live.model import Verdict
from pledge.live.queries import CardView, CommentView, RoomView, SessionView
from pledge.live.services import Comment
from pledge.promises.model import Promise
from pledge.promises.policy import binding_promise
from pledge.rulebooks.loader import Rulebook

STATE = "state"
COMMENT = "comment"
LIKE = "like"
VIEWERS = "viewers"
CARD = "card"
ORDER = "order"
DEAL = "deal"
COUPON = "coupon"
ENDED = "ended"
HIDDEN = "hidden"  # a comment a reviewer removed: viewers drop it from their list


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def session_json(session: SessionView | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "id": session.id,
        "title": session.title,
        "status": session.status.value,
        "scheduled_at": _iso(session.scheduled_at),
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "playback_url": session.playback_url,
        "likes": session.likes,
        "peak_viewers": session.peak_viewers,
        "replay_url": session.replay_url,
    }


def card_promise(book: Rulebook, room_promise: str | None, card: CardView, at: datetime) -> str:
    """The promise bought from the card now: the room's or the product's, the shortest binds
    (douyin:101706, as at checkout); a creator's room states none, so the product's binds."""
    candidates = [("product", Promise.parse(card.product_promise))]
    if room_promise is not None:
        candidates.insert(0, ("room", Promise.parse(room_promise)))
    return binding_promise(book, candidates, at)[1].code


def card_json(card: CardView, promise: str) -> dict[str, Any]:
    return {
        "sku_id": card.sku_id,
        "product_id": card.product_id,
        "title": card.title,
        "sku_name": card.sku_name,
        "price_fen": card.price_fen,
        "list_price_fen": card.list_price_fen,
        "promise": promise,
        "stock": card.stock,
        "explaining": card.explaining,
        "shop": {"id": card.shop_id, "name": card.shop_name},
    }


def cards_json(room: RoomView, book: Rulebook, at: datetime) -> list[dict[str, Any]]:
    return [card_json(c, card_promise(book, room.promise_code, c, at)) for c in room.cards]


def room_json(
    room: RoomView, viewers: int, book: Rulebook, at: datetime, *, with_cards: bool = True
) -> dict[str, Any]:
    """The room as the API and the stream's `state` event show it."""
    data: dict[str, Any] = {
        "id": room.id,
        "title": room.title,
        "shop": {"id": room.shop_id, "name": room.shop_name} if room.shop_id is not None else None,
        "creator_id": room.creator_id,
        "status": room.status,
        "viewers": viewers,
        "promise": room.promise_code,
        "session": session_json(room.session),
    }
    if with_cards:
        data["products"] = cards_json(room, book, at)
    return data


def comment_json(comment: Comment | CommentView) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": comment.author,
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
    }


def mask_name(name: str) -> str:
    """某某刚刚下单: the first character and a star (阿* / 王*), never the whole name."""
    name = name.strip()
    return f"{name[0]}*" if name else "*"


def publish_comment(hub: Hub, comment: Comment) -> None:
    """Allowed comments go to everyone; a held one stays with its author (no broadcast)."""
    if comment.verdict is Verdict.ALLOW:
        hub.publish(comment.room_id, COMMENT, comment_json(comment), event_id=str(comment.id))


def publish_likes(hub: Hub, room_id: int, likes: int) -> None:
    hub.publish(room_id, LIKE, {"likes": likes})


def publish_cards(hub: Hub, room: RoomView, book: Rulebook, at: datetime) -> None:
    """A pin, unpin or explain: the room's cards as they are now."""
    hub.publish(room.id, CARD, {"products": cards_json(room, book, at)})


def publish_order(hub: Hub, room_id: int, buyer_name: str, product_title: str) -> None:
    """某某刚刚下单 (for checkout from the room, after its transaction commits)."""
    hub.publish(room_id, ORDER, {"buyer": mask_name(buyer_name), "product": product_title})


def publish_deal(hub: Hub, room_id: int, deal: dict[str, Any]) -> None:
    """A flash deal launched in the room, with its end for the countdown."""
    hub.publish(room_id, DEAL, deal)


def coupon_json(offer: CouponOffer) -> dict[str, Any]:
    return {
        "id": offer.id,
        "room_id": offer.room_id,
        "session_id": offer.session_id,
        "amount_fen": offer.amount_fen,
        "min_spend_fen": offer.min_spend_fen,
        "quantity": offer.quantity,
        "left": offer.left,
        "valid_hours": offer.valid_hours,
    }


def publish_coupon(hub: Hub, offer: CouponOffer) -> None:
    """A coupon offer pushed by the host, or its count left after a claim."""
    hub.publish(offer.room_id, COUPON, coupon_json(offer))


def publish_ended(hub: Hub, room_id: int, session_id: int, status: str) -> None:
    hub.publish(room_id, ENDED, {"session_id": session_id, "status": status})


def publish_hidden(hub: Hub, room_id: int, comment_id: int) -> None:
    hub.publish(room_id, HIDDEN, {"id": comment_id})


REPLAY = 50  # comments replayed to a new viewer


def _after_id(last_event_id: str | None) -> int | None:
    """A browser's Last-Event-ID, when it is a comment id (other events carry no id)."""
    if last_event_id is None or not last_event_id.strip().isdigit() or len(last_event_id.strip()) > 18:
        return None
    return int(last_event_id.strip())


def opening(
    conn: Connection, room_id: int, viewers: int, book: Rulebook, at: datetime, last_event_id: str | None
) -> bytes:
    """What a viewer's stream starts with: the room now, then the recent comments (or, after a
    reconnect, those it missed)."""
    room = queries.room_view(conn, room_id)
    frames = [sse_frame(STATE, room_json(room, viewers, book, at))]
    if room.session is not None:
        after = _after_id(last_event_id)
        replay = queries.comments(conn, room.session.id, after=after, limit=REPLAY)
        frames += [sse_frame(COMMENT, comment_json(c), str(c.id)) for c in replay]
    return b"".join(frames)
