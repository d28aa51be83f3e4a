"""Logging in and out, and one's API tokens. The login form carries a CSRF token of its own
(double submit: a cookie set with the form, echoed by the form), since there is no session yet
whose token it could carry; logging out ends the session on the server."""

from __future__ import annotations

import json
import math
import secrets

from fastapi import Request, Response

from pledge.accounts import queries as account_queries
from pledge.accounts import services as accounts
from pledge.config import Settings
from pledge.kernel.errors import TooManyAttempts, Unauthorized
from pledge.web.deps import (
    SESSION_COOKIE,
    CheckedForm,
    PageCaller,
    PostedForm,
    login_limits,
    optional_caller,
    pledge,
    verify_csrf,
)
from pledge.web.forms import local_path
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.security import client_address, cookie_secure
from pledge.web.visitors import VISITOR_COOKIE, merge_at_login

router = PageRouter()
LOGIN_CSRF_COOKIE = "pledge_login_csrf"
EXPIRED_FORM = "This login form has expired. Please reload the page and log in again."
THROTTLED = "Too many failed logins. Try again in {minutes} minutes."


def demo_guide(settings: Settings) -> dict | None:
    """The demo accounts and what each shows (written by the demo seed), in demo mode only:
    a real deployment never lists an account or a password."""
    if not settings.demo_mode or not settings.demo_guide_path.is_file():
        return None
    return json.loads(settings.demo_guide_path.read_text(encoding="utf-8"))


def _login_page(
    request: Request,
    *,
    status: int = 200,
    next: str = "/",
    error: str | None = None,
    error_values: dict | None = None,
):
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        next=next,
        error=error,
        error_values=error_values or {},
        login_csrf=token,
        guide=demo_guide(pledge(request).settings),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/login",
        secure=cookie_secure(request, pledge(request).settings),
    )
    return response


def _login_form_is_ours(request: Request, form) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get("csrf_token", ""))
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return _login_page(request, next=local_path(next, "/"))


@router.post("/login")
def login(request: Request, form: PostedForm):
    app = pledge(request)
    target = local_path(form.get("next"), "/")
    if not _login_form_is_ours(request, form):
        return _login_page(request, status=403, next=target, error=EXPIRED_FORM)
    now = app.clock.now()
    try:
        user_id = accounts.log_in(
            app.uow,
            email=str(form.get("email", "")),
            password=str(form.get("password", "")),
            address=client_address(request),
            at=now,
            limits=login_limits(app),
        )
    except TooManyAttempts as exc:
        response = _login_page(
            request,
            status=429,
            next=target,
            error=THROTTLED,
            error_values={"minutes": math.ceil(exc.retry_after / 60)},
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unauthorized as exc:
        return _login_page(request, status=401, next=target, error=exc.detail)
    return signed_in(request, user_id, target, form_cookie=LOGIN_CSRF_COOKIE, form_path="/login")


def signed_in(request: Request, user_id: int, target: str, *, form_cookie: str, form_path: str) -> Response:
    """Start a web session for `user_id` and go to `target`: the session cookie set, the signed-out
    form's CSRF cookie dropped (login and sign-up both end here)."""
    app = pledge(request)
    with app.uow.begin() as conn:
        token, _csrf = accounts.start_session(conn, user_id=user_id, at=app.clock.now())
        was_visitor = merge_at_login(request, conn, user_id)  # their anonymous events become theirs
    response = redirect(target)
    if was_visitor:
        response.delete_cookie(VISITOR_COOKIE, httponly=True, samesite="lax")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, app.settings),
        max_age=int(accounts.SESSION_TTL.total_seconds()),
    )
    response.delete_cookie(form_cookie, path=form_path)
    return response


@router.post("/logout")
def logout(request: Request, form: PostedForm):
    """Ends the session row, so the cookie is worthless even if it was copied; the form
    carries the session's CSRF token, so another site cannot log the user out."""
    caller = optional_caller(request)
    if caller is not None:
        verify_csrf(form, caller)
        with pledge(request).uow.begin() as conn:
            accounts.end_session(conn, request.cookies[SESSION_COOKIE])
    response = redirect("/")
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=cookie_secure(request, pledge(request).settings)
    )
    return response


# The label accounts.queries.token_status gives a token that still works (tokens have no
# lifecycle model of their own: they are revoked or they expire).
ACTIVE_TOKEN = "active"


@router.get("/account/tokens")
def api_tokens(request: Request, caller: PageCaller):
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        tokens = [
            dict(t, revocable=t["status"] == ACTIVE_TOKEN)
            for t in account_queries.api_tokens_of(conn, caller.actor.user_id, now)
        ]
    return render(request, "account_tokens.html", tokens=tokens, lifetime_days=app.settings.api_token_days)


@router.post("/account/tokens/revoke")
def revoke_api_token(request: Request, caller: PageCaller, form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        accounts.revoke_api_token(conn, user_id=caller.actor.user_id, token_hash=str(form.get("token", "")))
    return redirect("/account/tokens")
