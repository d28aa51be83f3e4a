"""The servers of the live_fanout benchmark, each in its own process:
`python -m bench._live_server KIND PORT [DATABASE_URL]` with KIND

- `app`: Pledge's web app itself (create_app on a seeded database, worker thread off): viewers
  read GET /api/v1/live/rooms/1/events and comments are POSTed to /api/v1/live/rooms/1/comments
  by signed-in buyers, so each comment is paced, moderated, stored and published exactly as in
  production;
- `hub`: pledge.live.hub alone behind a bare Starlette route (one encoded frame per event, chunks
  drained per wake-up), to separate the hub's cost from the app's;
- `minimal`: the baseline: plain Starlette, one asyncio.Queue per subscriber, one write per event.

`hub` and `minimal` serve GET /rooms/1/events (text/event-stream) and POST /publish (the body's
JSON becomes one `comment` event for every subscriber)."""

from __future__ import annotations

import asyncio
import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from pledge.live.hub import Hub, stream

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def hub_app() -> Starlette:
    hub = Hub()

    async def events(request: Request) -> StreamingResponse:
        sub = hub.subscribe(1)
        return StreamingResponse(stream(hub, sub), media_type="text/event-stream", headers=SSE_HEADERS)

    async def publish(request: Request) -> Response:
        hub.publish(1, "comment", await request.json())
        return Response(status_code=204)

    return Starlette(routes=_routes(events, publish))


def minimal_app() -> Starlette:
    queues: set[asyncio.Queue[bytes]] = set()

    async def events(request: Request) -> StreamingResponse:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        queues.add(queue)

        async def body():
            try:
                while True:
                    yield await queue.get()
            finally:
                queues.discard(queue)

        return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)

    async def publish(request: Request) -> Response:
        data = json.dumps(await request.json(), separators=(",", ":"))
        frame = f"event: comment\ndata: {data}\n\n".encode()
        for queue in tuple(queues):
            queue.put_nowait(frame)
        return Response(status_code=204)

    return Starlette(routes=_routes(events, publish))


def _routes(events, publish) -> list[Route]:
    return [Route("/rooms/1/events", events), Route("/publish", publish, methods=["POST"])]


def pledge_app(url: str):
    from pledge.bootstrap import build
    from pledge.config import Settings
    from pledge.web.app import create_app

    return create_app(build(Settings(database_url=url, run_sweeper_in_server=False)), run_worker=False)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = {"hub": hub_app, "minimal": minimal_app}[kind]() if kind != "app" else pledge_app(sys.argv[3])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096, access_log=False)


if __name__ == "__main__":
    main()
