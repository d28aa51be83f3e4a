"""Module routers that turn away, before trying their routes, a request whose path cannot be
theirs: each knows the first segments of its routes' paths (after the prefix it is included
under) and answers "no match" for a path that starts with none of them.

FastAPI tries an included router's routes one by one, so a request served by one of the last
routers was first matched against the routes of all the others: /feed, 28th of 33 page routers,
spent about 0.37 ms of CPU more than when its router came early, and `GET /api/v1/health` was
matched against 61 API routes (in-process ASGI calls, docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from starlette.routing import BaseRoute, Match
from starlette.types import Scope


class SegmentRouter(APIRouter):
    """A router included into the app under `included_under` ("" for none), one by one
    (web/app.py)."""

    included_under: str = ""
    _first_segments: frozenset[str] | None = None
    _segments_of: int = -1  # how many routes _first_segments was taken from

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = route_path(scope)
        if self.included_under:
            if not path.startswith(self.included_under + "/"):
                return Match.NONE, {}
            path = path[len(self.included_under) :]
        if self._segments_of != len(self.routes):
            self._first_segments = first_segments(self.routes)
            self._segments_of = len(self.routes)
        firsts = self._first_segments
        if firsts is not None and first_segment(path) not in firsts:
            return Match.NONE, {}
        return super().matches(scope)


def first_segments(routes: Sequence[BaseRoute]) -> frozenset[str] | None:
    """The first segments of the routes' paths ("" for "/"), or None when one of them could
    match any first segment (a path parameter there, or a route without a path)."""
    found = set()
    for route in routes:
        path = getattr(route, "path", None)
        if not isinstance(path, str) or not path.startswith("/"):
            return None
        segment = first_segment(path)
        if "{" in segment:
            return None
        found.add(segment)
    return frozenset(found)


def first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") else path


def route_path(scope: Scope) -> str:
    """The path the routes see: the request's path after the root path, as Starlette's routing
    takes it."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path
