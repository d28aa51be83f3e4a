"""How a request finds its route: FastAPI tries routes one by one, so the app's routers are kept
flat and an API router turns away paths outside the API before trying its routes
(docs/architecture.md; the CPU it saved is in docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from pledge.web import api
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.app import create_app


@pytest.fixture
def tried(monkeypatch) -> list[str]:
    """The paths of the API routes a request was matched against."""
    seen: list[str] = []
    for router in api.ROUTERS:
        for route in router.routes:
            match = route.matches

            def counted(scope, _match=match, _path=route.path):
                seen.append(_path)
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
    assert tried == []
    assert client.get("/api/v1/health").status_code == 200  # the control: API paths still are
    assert "/health" in tried
