"""The FastAPI application: API under /api/v1 (OpenAPI at /docs), pages, static assets."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from importlib import resources

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from pledge.bootstrap import App, build, clock_refreshes, refresh_clock
from pledge.kernel.heap import freeze_startup_objects
from pledge.live import runtime as live_runtime
from pledge.reach.recording import flush_buffer
from pledge.web import api, errors, pages, security
from pledge.web.api import demo as demo_api
from pledge.web.body import JsonBodyGuard
from pledge.web.idempotency import IdempotencyKeys
from pledge.web.pages import operator as operator_pages
from pledge.web.static_files import STATIC_DIR, CompressedStaticFiles
from pledge.web.threads import ThreadValve
from pledge.worker import start_in_thread

log = logging.getLogger("pledge.web")
SWEEP_STOP_SECONDS = 30.0  # at shutdown, how long a sweep pass under way may take to finish
# The demo's looping HLS sample (docs/live.md), served read-only as the florist's playback URL.
DEMO_LIVE_MEDIA = resources.files("pledge") / "demo" / "media" / "sunflower-live"
SWAGGER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pledge API</title><link rel="stylesheet" href="/static/swagger/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg">
</head><body><div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/pledge-init.js"></script>
</body></html>"""


def create_app(app: App | None = None, *, run_worker: bool | None = None) -> FastAPI:
    app = app or build()
    worker = app.settings.run_sweeper_in_server if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_fastapi: FastAPI):
        least, most = app.settings.server_thread_range()
        valve = ThreadValve(to_thread.current_default_thread_limiter(), least=least, most=most)
        sweeper = start_in_thread(app, app.settings.sweep_interval_seconds) if worker else None
        async with live_runtime.running(app.hub, app.uow, app.clock, app.settings):
            opening = asyncio.create_task(valve.run()) if most > least else None
            try:
                yield
            finally:
                if opening is not None:
                    opening.cancel()
        if sweeper is not None:
            thread, stop = sweeper
            stop.set()
            await asyncio.to_thread(thread.join, SWEEP_STOP_SECONDS)  # let a running pass finish
        flush_buffer(app.uow, app.events)  # behaviour events still buffered when the server stops

    async def fresh_clock(request: Request) -> None:
        # Before the route opens any transaction: the demo clock is read here, never inside one,
        # in a worker thread.
        await run_in_threadpool(refresh_clock, app)

    web = FastAPI(
        title="Pledge",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Only the demo clock has an offset to load before a request; any other clock is left
        # out, so a request has no app-wide dependency to solve (docs/benchmarks.md).
        dependencies=[Depends(fresh_clock)] if clock_refreshes(app) else [],
        description="Live-commerce platform engine: every service promise enforced and explained.",
    )
    web.state.pledge = app
    errors.install(web)
    security.install(web, app.settings)
    web.add_middleware(IdempotencyKeys)  # inside the body guard: it reads checked bodies only
    web.add_middleware(JsonBodyGuard)  # JSON bodies: bounded size, valid Unicode (docs/security.md)
    for router in api.ROUTERS:
        web.include_router(router, prefix=api.PREFIX)
    for router in pages.ROUTERS:
        web.include_router(router, include_in_schema=False)
    if app.settings.demo_mode:  # elsewhere the demo clock's routes do not exist
        web.include_router(demo_api.clock_router, prefix="/api/v1")
        web.include_router(operator_pages.clock_router)

    @web.get("/docs", include_in_schema=False)
    def docs():
        # Swagger UI served from our own static files: no CDN (swagger-ui-dist 5.35.0), and
        # started by a static file rather than an inline script (the CSP allows none).
        return HTMLResponse(SWAGGER_PAGE.format(openapi_url=web.openapi_url))

    web.mount("/media/live/sunflower", StaticFiles(directory=str(DEMO_LIVE_MEDIA)), name="demo-live")
    web.mount("/static", CompressedStaticFiles(directory=str(STATIC_DIR)), name="static")
    return web


def from_environment() -> FastAPI:
    """The app of one `pledge serve --workers N` process (uvicorn's factory, in each process):
    settings from the PLEDGE_* environment, its own engine, hub, event buffer and sweeper thread.
    What start-up built is then frozen out of the collector's passes (kernel.heap)."""
    web = create_app(build())
    freeze_startup_objects()
    return web
