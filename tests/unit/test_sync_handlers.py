"""Route handlers do their database work off the event loop. A plain `def` handler runs in
FastAPI's thread pool; an `async def` one runs on the event loop, where its transaction, and any
wait for SQLite's write turn or a PostgreSQL row lock, holds up every other request of the
process. A page's form post is a plain `def` taking `form: CheckedForm` (docs/architecture.md).

The handlers below are still `async`: they await more than the form (an upload, a stream, the
login form with its own CSRF cookie), or they are the next to move. The list may only shrink: a
new `async` handler fails this test, and so does an entry whose handler became a plain `def`."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from pledge.web.app import create_app

STILL_ASYNC = {
    # their database work already runs in the thread pool (run_in_threadpool)
    "pledge.web.api.aftersales.upload_photo",
    "pledge.web.pages.aftersales.file_case",
    "pledge.web.api.live.room_events",
    "pledge.web.api.shops.add_product_image",
    "pledge.web.api.videos.upload_video",
    "pledge.web.pages.warehouse.order_stream",
    # the next to move: their database work still runs on the event loop
    "pledge.web.pages.account.login",
    "pledge.web.pages.account.logout",
    "pledge.web.pages.aftersales.set_pledge",
    "pledge.web.pages.apps.add_listing",
    "pledge.web.pages.apps.install",
    "pledge.web.pages.buyers.signup",
    "pledge.web.pages.creator_videos.publish",
    "pledge.web.api.payments.callback",  # the provider's signed body
    "pledge.web.api.logistics.receive",  # the carrier's signed body
    "pledge.web.pages.products.add_photo",
    "pledge.web.pages.products.create_product",
    "pledge.web.pages.products.save_product",
    "pledge.web.pages.reviews.save_reviews",
    "pledge.web.pages.shopping.sandbox_pay",
    "pledge.web.pages.shops.add_photo",
    "pledge.web.pages.videos.upload",
}


def _api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, through the routers included in others (FastAPI keeps those whole)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def _async_handlers() -> set[str]:
    return {
        f"{route.endpoint.__module__}.{route.endpoint.__name__}"
        for route in _api_routes(create_app().routes)
        if inspect.iscoroutinefunction(route.endpoint)
    }


def test_the_routes_are_all_seen():
    assert len(_api_routes(create_app().routes)) > 400


def test_only_the_listed_handlers_are_async():
    found = _async_handlers()
    assert found - STILL_ASYNC == set(), "new async handlers: make them plain def (form: CheckedForm)"
    assert STILL_ASYNC - found == set(), "these are plain def now: take them off the list"
