"""How a request finds its route: FastAPI tries routes one by one, so the app's routers are kept
flat, an API router turns away paths outside the API and a page router paths that start with
none of its routes' first segments, before trying their routes (docs/architecture.md; the CPU
it saved is in docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from pledge.web import api, pages
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.app import create_app
from pledge.web.pages.routing import PageRouter
from pledge.web.routing import first_segments, route_path


@pytest.fixture
def tried(monkeypatch) -> list[tuple[object, str]]:
    """(router, route path) of every API and page route a request was matched against."""
    seen: list[tuple[object, str]] = []
    for router in (*api.ROUTERS, *pages.ROUTERS):
        for route in router.routes:
            match = route.matches

            def counted(scope, _match=match, _router=router, _path=route.path):
                seen.append((_router, _path))
                return _match(scope)

            monkeypatch.setattr(route, "matches", counted, raising=False)
    return seen


def test_the_apps_routers_are_not_nested(app):
    """FastAPI matches a router included in an included router twice per request, and sums the
    nested routers' versions on every match: the API's and the pages' routers are included into
    the app one by one (web/app.py)."""
    web = create_app(app, run_worker=False)
    included = [route.original_router for route in web.router.routes if hasattr(route, "original_router")]
    assert len(included) > 40
    assert not [r for r in included if any(hasattr(route, "original_router") for route in r.routes)]


def test_every_api_router_turns_away_other_paths():
    assert all(isinstance(router, ApiModuleRouter) for router in api.ROUTERS)


def test_a_page_request_is_not_matched_against_api_routes(client, tried):
    assert client.get("/login").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert not [path for router, path in tried if router in api.ROUTERS]
    assert client.get("/api/v1/health").status_code == 200  # the control: API paths still are
    assert [path for router, path in tried if router in api.ROUTERS][-1] == "/health"


def test_every_page_router_turns_away_paths_outside_its_first_segments():
    assert all(isinstance(router, PageRouter) for router in pages.ROUTERS)
    assert all(first_segments(router.routes) is not None for router in pages.ROUTERS)


def test_a_page_is_matched_only_against_the_routers_that_could_serve_it(client, tried):
    assert client.get("/feed").status_code in (200, 303)
    routers = [router for router, _ in tried]
    assert routers and all("feed" in first_segments(router.routes) for router in routers)
    assert client.get("/no-such-page").status_code == 404
    assert len(tried) == len(routers)  # no page router starts with no-such-page


def test_first_segments_and_theroute_path():
    routes = [type("R", (), {"path": p})() for p in ("/", "/feed", "/merchant/{shop_id}/orders")]
    assert first_segments(routes) == frozenset({"", "feed", "merchant"})
    assert first_segments([*routes, type("R", (), {"path": "/{slug}"})()]) is None
    assert first_segments([object()]) is None
    assert route_path({"path": "/shop/feed", "root_path": "/shop"}) == "/feed"
    assert route_path({"path": "/shopping", "root_path": "/shop"}) == "/shopping"
    assert route_path({"path": "/feed", "root_path": ""}) == "/feed"


def test_an_api_request_is_matched_only_against_the_routers_that_could_serve_it(client, tried):
    """After /api/v1, a request's first segment picks the API routers it is tried against:
    `GET /api/v1/health` was matched against 61 API routes before (docs/benchmarks.md)."""
    assert client.get("/api/v1/health").status_code == 200
    routers = [router for router, _ in tried]
    assert routers and all("health" in first_segments(router.routes) for router in routers)
    assert [path for _, path in tried][-1] == "/health"
    tried.clear()
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert tried == []
