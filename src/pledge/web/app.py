"""The FastAPI application: API under /api/v1 (OpenAPI at /docs), pages, static assets."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from pledge.bootstrap import App, build
from pledge.web import errors
from pledge.web.api import router as api_router
from pledge.web.body import JsonBodyGuard
from pledge.web.pages import router as pages_router
from pledge.worker import start_in_thread

log = logging.getLogger("pledge.web")


def create_app(app: App | None = None, *, run_worker: bool | None = None) -> FastAPI:
    app = app or build()
    worker = app.settings.run_sweeper_in_server if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_fastapi: FastAPI):
        stop = None
        if worker:
            _thread, stop = start_in_thread(app, app.settings.sweep_interval_seconds)
        yield
        if stop is not None:
            stop.set()

    web = FastAPI(title="Pledge", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Live-commerce platform engine: every service promise enforced and explained.")
    web.state.pledge = app
    errors.install(web)
    web.add_middleware(JsonBodyGuard)  # JSON bodies: bounded size, valid Unicode (docs/security.md)
    web.include_router(api_router)
    web.include_router(pages_router)

    @web.get("/docs", include_in_schema=False)
    def docs():
        # Swagger UI served from our own static files: no CDN (swagger-ui-dist 5.35.0).
        return get_swagger_ui_html(openapi_url=web.openapi_url, title="Pledge API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css", swagger_favicon_url="/static/favicon.svg")

    web.mount("/static", StaticFiles(directory=str(resources.files("pledge.web") / "static")), name="static")
    return web
