"""The API's module routers: each is included into the app under PREFIX (web/app.py) and turns
away a path outside PREFIX, or one whose segment after PREFIX starts none of its routes, before
trying its routes (web.routing).

A page request reached all 34 API routers before the pages' own: 0.45–0.56 ms of CPU per page
request went to matching it against API routes (in-process ASGI calls, docs/benchmarks.md)."""

from __future__ import annotations

from pledge.web.routing import SegmentRouter

PREFIX = "/api/v1"


class ApiModuleRouter(SegmentRouter):
    """A router of API routes, all under PREFIX once included."""

    included_under = PREFIX
