"""Tenancy cases of live rooms: a room, its cards, comments and events are public to read; any
signed-in user may comment, like and ask to be reminded in any shop's room ("open": it answers
the same for shop B's ids); only the room's shop may open, announce, start and end sessions,
pin, unpin and explain cards, or read a session's report and the host console."""

from __future__ import annotations

from datetime import timedelta

from pledge.live import coupons
from pledge.live import services as live
from pledge.promises.model import Promise
from tests.e2e.tenancy import Case, Ids

HLS = "/media/live/sunflower/index.m3u8"
IDLE = (("room_id", "idle_room_id"),)
SCHEDULED = (("session_id", "scheduled_session_id"),)
ENDED = (("session_id", "ended_session_id"),)


def _form(ids: Ids, csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/live/rooms/{room_id}"): Case("public"),
    ("GET", "/api/v1/live/rooms/{room_id}/events"): Case(
        "public", lambda ids, csrf: {"params": {"once": "true"}}
    ),
    ("GET", "/api/v1/live/rooms/{room_id}/comments"): Case("public"),
    ("POST", "/api/v1/live/rooms/{room_id}/comments"): Case(
        "open", lambda ids, csrf: {"json": {"text": "花好看"}}, ok=201
    ),
    ("POST", "/api/v1/live/rooms/{room_id}/likes"): Case("open", lambda ids, csrf: {"json": {"taps": 3}}),
    ("POST", "/api/v1/live/sessions/{session_id}/reminders"): Case("open", params=SCHEDULED),
    ("POST", "/api/v1/shops/{shop_id}/live/rooms"): Case(
        "denied", lambda ids, csrf: {"json": {"title": "越权开播", "promise": "48h"}}, ok=201
    ),
    ("POST", "/api/v1/live/rooms/{room_id}/sessions"): Case(
        "denied",
        lambda ids, csrf: {"json": {"title": "越权预告", "starts_at": "2030-01-01T20:00:00+08:00"}},
        ok=201,
    ),
    ("POST", "/api/v1/live/rooms/{room_id}/start"): Case(
        "denied", lambda ids, csrf: {"json": {"playback_url": HLS}}, params=IDLE
    ),
    ("POST", "/api/v1/live/rooms/{room_id}/end"): Case("denied"),
    ("PUT", "/api/v1/live/rooms/{room_id}/cards/{sku_id}"): Case(
        "denied", lambda ids, csrf: {"json": {"price_fen": 990}}
    ),
    ("DELETE", "/api/v1/live/rooms/{room_id}/cards/{sku_id}"): Case("denied"),
    ("POST", "/api/v1/live/rooms/{room_id}/cards/{sku_id}/explain"): Case("denied"),
    ("GET", "/api/v1/live/sessions/{session_id}/report"): Case("denied", params=ENDED),
    ("POST", "/api/v1/live/sessions/{session_id}/transcript"): Case(
        "denied", lambda ids, csrf: {"json": {"lines": ["今天的向日葵开得好"]}}, params=ENDED
    ),
    ("PUT", "/api/v1/live/sessions/{session_id}/replay"): Case(
        "denied", lambda ids, csrf: {"json": {"replay_url": HLS}}, params=ENDED
    ),
    ("GET", "/api/v1/live/rooms/{room_id}/coupons"): Case("public"),
    ("POST", "/api/v1/live/rooms/{room_id}/coupons"): Case(
        "denied", lambda ids, csrf: {"json": {"amount_fen": 500, "quantity": 10}}, ok=201
    ),
    ("POST", "/api/v1/live/rooms/{room_id}/coupons/{offer_id}/claim"): Case("open", ok=201),
    # pages
    ("GET", "/live/{room_id}"): Case("public"),
    ("GET", "/live/{room_id}/cards"): Case("public"),
    ("GET", "/live/{room_id}/coupons"): Case("public"),
    ("POST", "/merchant/live/{room_id}/coupons"): Case(
        "denied",
        lambda ids, csrf: _form(
            ids, csrf, amount_yuan="5", min_spend_yuan="", quantity="10", valid_hours="24"
        ),
        ok=303,
    ),
    ("GET", "/merchant/live/{room_id}"): Case("denied"),
    ("GET", "/merchant/live/{room_id}/metrics"): Case("denied"),
    ("GET", "/merchant/live/sessions/{session_id}"): Case("denied", params=ENDED),
    ("GET", "/live/sessions/{session_id}/replay"): Case("public", params=ENDED),
    ("POST", "/merchant/live/sessions/{session_id}/replay"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, replay_url=HLS), ok=303, params=ENDED
    ),
    ("POST", "/merchant/live/{room_id}/start"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, playback_url=HLS), ok=303, params=IDLE
    ),
    ("POST", "/merchant/live/{room_id}/end"): Case("denied", _form, ok=303),
    ("POST", "/merchant/live/{room_id}/sessions"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, title="越权预告", starts_at="2030-01-01T20:00"), ok=303
    ),
    ("POST", "/merchant/live/{room_id}/cards"): Case(
        "denied", lambda ids, csrf: _form(ids, csrf, sku_id=str(ids.sku_id), price_yuan="9.90"), ok=303
    ),
    ("POST", "/merchant/live/{room_id}/cards/{sku_id}/unpin"): Case("denied", _form, ok=303),
    ("POST", "/merchant/live/{room_id}/cards/{sku_id}/explain"): Case("denied", _form, ok=303),
}


def _room(app, owner, shop_id: int, title: str) -> int:
    with app.uow.begin() as c:
        return live.create_room(
            c, owner, shop_id=shop_id, title=title, promise=Promise.parse("48h"), at=app.clock.now()
        )


def prepare(world, owner, buyer, ids: Ids) -> None:
    """A live room with the side's SKU pinned, an idle room to start, an announced session to be
    reminded of, and a finished session to report on."""
    app = world.app
    now = app.clock.now()
    on_air, idle, done = (_room(app, owner, ids.shop_id, t) for t in ("直播间", "空闲直播间", "往期直播间"))
    with app.uow.begin() as c:
        session_id = live.go_live(c, owner, room_id=on_air, playback_url=HLS, at=now)
        live.pin_card(c, owner, session_id=session_id, sku_id=ids.sku_id, price_fen=1500, at=now)
        ids.extra["scheduled_session_id"] = live.schedule_session(
            c, owner, room_id=idle, title="预告", starts_at=now + timedelta(days=1), at=now
        )
        offer = coupons.push_offer(
            c,
            owner,
            session_id=session_id,
            amount_fen=300,
            min_spend_fen=0,
            quantity=50,
            valid_hours=24,
            at=now,
        )
        ids.extra["offer_id"] = offer.id
        ended = live.go_live(c, owner, room_id=done, playback_url=HLS, at=now)
        live.end_session(c, owner, session_id=ended, at=now)
    ids.extra.update(room_id=on_air, idle_room_id=idle, ended_session_id=ended)
