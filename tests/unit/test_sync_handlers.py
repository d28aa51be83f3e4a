"""Route handlers do their database work off the event loop. A plain `def` handler runs in
FastAPI's thread pool; an `async def` one runs on the event loop, where its transaction, and any
wait for SQLite's write turn or a PostgreSQL row lock, holds up every other request of the
process. A page's form post is a plain `def` taking `form: CheckedForm` (docs/architecture.md).

The handlers below are still `async`: they read an upload or keep a stream open, and run their
database work through run_in_threadpool. A form that proves itself otherwise (login, sign-up)
is read by the PostedForm dependency, and a signed callback's bytes by RawBody. The list may only
shrink: a new `async` handler fails this test, and so does an entry whose handler became a plain
`def`."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

from fastapi.routing import APIRoute

from pledge.web.app import create_app

STILL_ASYNC = {
    # they read an upload or keep a stream open; their database work runs in the thread pool
    # (run_in_threadpool)
    "pledge.web.api.aftersales.upload_photo",
    "pledge.web.pages.aftersales.file_case",
    "pledge.web.api.live.room_events",
    "pledge.web.api.shops.add_product_image",
    "pledge.web.api.videos.upload_video",
    "pledge.web.pages.warehouse.order_stream",
    "pledge.web.pages.creator_videos.publish",
    "pledge.web.pages.products.add_photo",
    "pledge.web.pages.reviews.save_reviews",
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


def _uow_uses_on_the_loop(fn) -> list[int]:
    """Lines where an async handler touches `….uow` itself, not inside a nested plain function
    (which it hands to run_in_threadpool)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    handler = tree.body[0]
    found = []

    def walk(node, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.Lambda))
            if isinstance(child, ast.Attribute) and child.attr == "uow" and not inner:
                found.append(child.lineno)
            walk(child, inner)

    walk(handler, False)
    return found


def test_the_async_handlers_leave_the_database_to_the_thread_pool():
    """Every handler still async opens its transactions in a nested def run by run_in_threadpool."""
    on_the_loop = {}
    for name in sorted(STILL_ASYNC):
        module, _, attr = name.rpartition(".")
        fn = getattr(importlib.import_module(module), attr, None)
        if fn is None:  # made by a factory (the carrier webhooks): not listed here
            continue
        lines = _uow_uses_on_the_loop(fn)
        if lines:
            on_the_loop[name] = lines
    assert on_the_loop == {}, f"database work on the event loop (handler-relative lines): {on_the_loop}"
