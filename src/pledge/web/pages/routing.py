"""The pages' module routers: included into the app without a prefix, each turns away a path
that starts with none of its routes' first segments (web.routing)."""

from __future__ import annotations

from pledge.web.routing import SegmentRouter


class PageRouter(SegmentRouter):
    """A router of pages, included into the app without a prefix (web/app.py)."""
