"""The room's event stream over real HTTP (uvicorn on a loopback port, SQLite and PostgreSQL):
a viewer's stream opens with the room's state and the stored comments, then a comment posted by
another viewer arrives as `event: comment` with its id, a pinned card as `event: card`, a flash
deal opened for the room as `event: deal`, and the end of the session as `event: ended`; a
reconnect with Last-Event-ID replays only what it missed; a viewer who leaves is no longer
counted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from pledge.live.tables import live_rooms
from pledge.web.app import create_app
from tests.e2e.conftest import email_of, free_port
from tests.e2e.test_live_api import HLS

PASSWORD = "password123"


@pytest.fixture
def server(app) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(app, run_worker=False), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def token(http: httpx.Client, email: str) -> dict[str, str]:
    resp = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {resp.json()['token']}"}


class Events:
    """Parsed SSE events from a streaming response, read on a thread."""

    def __init__(self, response: httpx.Response) -> None:
        self.items: list[dict] = []
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response: httpx.Response) -> None:
        current: dict = {}
        try:
            for line in response.iter_lines():
                if line == "":
                    if "event" in current:
                        self.items.append(current)
                    current = {}
                elif not line.startswith(":"):
                    field, _, value = line.partition(": ")
                    current[field] = json.loads(value) if field == "data" else value
        except httpx.HTTPError:
            return

    def wait_for(self, event: str, count: int = 1, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.items if e["event"] == event]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"no {count} {event!r} events; got {[e['event'] for e in self.items]}")


def test_a_posted_comment_arrives_as_a_comment_event(app, world, server, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=2590)
    viewer = world.user("看客")
    with httpx.Client(base_url=server, timeout=10) as http:
        host = token(http, email_of(app, owner.user_id))
        room_id = http.post(
            f"/api/v1/shops/{shop_id}/live/rooms", json={"title": "花房", "promise": "48h"}, headers=host
        ).json()["id"]
        http.post(f"/api/v1/live/rooms/{room_id}/start", json={"playback_url": HLS}, headers=host)
        me = token(http, email_of(app, viewer.user_id))
        first = http.post(
            f"/api/v1/live/rooms/{room_id}/comments", json={"text": "早到了"}, headers=me
        ).json()
        with http.stream("GET", f"/api/v1/live/rooms/{room_id}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = Events(response)
            (state,) = events.wait_for("state")
            assert state["data"]["id"] == room_id and state["data"]["status"] == "live"
            assert state["data"]["viewers"] == 1
            replayed = events.wait_for("comment")[0]
            assert replayed["data"]["text"] == "早到了" and replayed["id"] == str(first["id"])

            clock.advance(timedelta(seconds=3))
            posted = http.post(
                f"/api/v1/live/rooms/{room_id}/comments", json={"text": "向日葵好看"}, headers=me
            )
            assert posted.status_code == 201
            live_comment = events.wait_for("comment", 2)[1]
            assert live_comment["data"]["text"] == "向日葵好看"
            assert live_comment["data"]["author"] == viewer.display_name
            assert live_comment["id"] == str(posted.json()["id"])

            http.put(f"/api/v1/live/rooms/{room_id}/cards/{sku}", json={"price_fen": 1990}, headers=host)
            (card,) = events.wait_for("card")
            assert card["data"]["products"][0]["price_fen"] == 1990
            with app.uow.read() as c:
                content_id = c.execute(
                    select(live_rooms.c.content_id).where(live_rooms.c.id == room_id)
                ).scalar()
            deal = {
                "sku_id": sku,
                "price_fen": 990,
                "quantity": 5,
                "starts_at": clock.now().isoformat(),
                "ends_at": (clock.now() + timedelta(minutes=10)).isoformat(),
                "title": "九块九秒杀",
                "content_id": content_id,
            }
            opened = http.post(f"/api/v1/shops/{shop_id}/flash-deals", json=deal, headers=host)
            assert opened.status_code == 201, opened.text
            (flash,) = events.wait_for("deal")
            assert flash["data"]["id"] == opened.json()["id"] and flash["data"]["title"] == "九块九秒杀"
            http.post(f"/api/v1/live/rooms/{room_id}/end", headers=host)
            assert events.wait_for("ended")[0]["data"]["status"] == "ended"

        again = {"Last-Event-ID": str(first["id"])}
        with http.stream("GET", f"/api/v1/live/rooms/{room_id}/events", headers=again) as response:
            events = Events(response)
            events.wait_for("state")
            time.sleep(0.3)
            assert [e["data"]["text"] for e in events.items if e["event"] == "comment"] == ["向日葵好看"]
        deadline = time.monotonic() + 5
        while app.hub.viewers(room_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.hub.viewers(room_id) == 0  # the stream ended with its client
