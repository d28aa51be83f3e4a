"""The servers of the live_fanout benchmark, each in its own process:
`python -m bench._live_server KIND PORT` with KIND `hub` (pledge.live.hub: one encoded frame per
event, chunks drained per wake-up) or `minimal` (the baseline: plain Starlette, one asyncio.Queue
per subscriber, one write per event).

Both serve GET /rooms/1/events (text/event-stream), POST /publish (the body's JSON becomes one
`comment` event for every subscriber) and GET /stats (subscribers now)."""

from __future__ import annotations

import asyncio
import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
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

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"subscribers": hub.viewers(1)})

    return Starlette(routes=_routes(events, publish, stats))


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

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"subscribers": len(queues)})

    return Starlette(routes=_routes(events, publish, stats))


def _routes(events, publish, stats) -> list[Route]:
    return [
        Route("/rooms/1/events", events),
        Route("/publish", publish, methods=["POST"]),
        Route("/stats", stats),
    ]


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = hub_app() if kind == "hub" else minimal_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096, access_log=False)


if __name__ == "__main__":
    main()
