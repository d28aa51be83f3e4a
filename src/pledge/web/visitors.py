"""Behaviour events from pages (docs/reach.md, "Anonymous visitors"): a signed-in caller's events
carry the user id; anyone else gets a first-party visitor id in a signed, HttpOnly, SameSite=Lax
cookie. Events go to the process's buffer (no database round trip on the request path); at login
the visitor's events become the user's (`merge_at_login`, in the session's transaction)."""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy.engine import Connection

from pledge.bootstrap import App
from pledge.reach import visitors
from pledge.reach.recording import BehaviourEvent, EventKind, Subject, merge_visitor
from pledge.web.deps import optional_caller, pledge
from pledge.web.security import cookie_secure

VISITOR_COOKIE = visitors.COOKIE


class Who:
    """Whose events a page records: a user id, or a visitor id (new ones set on the response)."""

    def __init__(self, request: Request) -> None:
        app = pledge(request)
        caller = optional_caller(request)
        self.user_id = caller.actor.user_id if caller else None
        self.visitor_id: str | None = None
        self._new_cookie: str | None = None
        if self.user_id is None:
            self.visitor_id = visitors.verify(app.source_secrets, request.cookies.get(visitors.COOKIE))
            if self.visitor_id is None:
                self.visitor_id, self._new_cookie = visitors.issue(app.settings.secret_key)

    def record(self, app: App, kind: EventKind, subjects: list[tuple[Subject, int]]) -> None:
        _record(app, kind, subjects, self.user_id, self.visitor_id)

    def keep(self, request: Request, response: Response) -> Response:
        if self._new_cookie is not None:
            response.set_cookie(
                visitors.COOKIE,
                self._new_cookie,
                max_age=visitors.COOKIE_MAX_AGE,
                httponly=True,
                samesite="lax",
                secure=cookie_secure(request, pledge(request).settings),
            )
        return response


def _record(
    app: App,
    kind: EventKind,
    subjects: list[tuple[Subject, int]],
    user_id: int | None,
    visitor_id: str | None,
) -> None:
    now = app.clock.now()
    due = False
    for subject, subject_id in subjects:
        due = app.events.add(BehaviourEvent(kind, subject, subject_id, now, user_id, visitor_id)) or due
    if due:
        with app.uow.begin() as conn:
            app.events.flush(conn)


def record_for(app: App, user_id: int, kind: EventKind, subjects: list[tuple[Subject, int]]) -> None:
    """A signed-in caller's own action, recorded where it succeeded (add to cart, order, follow,
    like, comment), from a page or the API alike: buffered like the pages' views."""
    _record(app, kind, subjects, user_id, None)


def merge_at_login(request: Request, conn: Connection, user_id: int) -> bool:
    """Give the visitor's events to the user who just signed in: the process's pending events are
    written first (same transaction), then re-keyed once (only rows without a user move).
    True when the request carried a genuine visitor cookie (the caller then drops it)."""
    app = pledge(request)
    visitor_id = visitors.verify(app.source_secrets, request.cookies.get(visitors.COOKIE))
    if visitor_id is None:
        return False
    app.events.flush(conn)
    merge_visitor(conn, visitor_id, user_id)
    return True
