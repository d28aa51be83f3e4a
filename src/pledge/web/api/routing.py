"""The API's module routers: each is included into the app under PREFIX (web/app.py) and
answers "no match" for any other path before trying its routes.

FastAPI tries an included router's routes one by one for every request that reaches it, and a
page request reached all 34 API routers before the pages' own: 0.45–0.56 ms of CPU per page
request went to matching it against API routes (in-process ASGI calls, docs/benchmarks.md)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

PREFIX = "/api/v1"


class ApiModuleRouter(APIRouter):
    """A router of API routes, all under PREFIX once included: a request whose path does not
    hold PREFIX cannot match one of them (a root path, if any, only comes before it)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if PREFIX not in scope.get("path", ""):
            return Match.NONE, {}
        return super().matches(scope)
