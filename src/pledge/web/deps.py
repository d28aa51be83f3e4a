"""Who is calling: bearer tokens for the API, session cookies (with CSRF) for pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, TypeAlias

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from pledge.accounts import services as accounts
from pledge.accounts.services import Actor
from pledge.accounts.throttle import LoginLimits
from pledge.bootstrap import App
from pledge.integrations import apps, ratelimits
from pledge.kernel.errors import Forbidden, Unauthorized
from pledge.web.app_scopes import require_scope

SESSION_COOKIE = "pledge_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def pledge(request: Request) -> App:
    """The application's services, built once by bootstrap and kept on the FastAPI app."""
    app: App = request.app.state.pledge
    return app


async def _app_dependency(request: Request) -> App:
    """`pledge` as a dependency. A plain attribute read needs no worker thread: a `def`
    dependency costs a hop to the thread pool and back on every request (docs/benchmarks.md)."""
    return pledge(request)


def login_limits(app: App) -> LoginLimits:
    s = app.settings
    return LoginLimits(
        s.login_failures_per_account,
        s.login_failures_per_address,
        timedelta(minutes=s.login_failure_window_minutes),
    )


@dataclass(frozen=True)
class Caller:
    actor: Actor
    csrf: str | None  # set when authenticated by the session cookie


def _from_cookie(request: Request) -> Caller | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    app = pledge(request)
    with app.uow.read() as conn:
        found = accounts.session_for(conn, token, app.clock.now())
        if found is None:
            return None
        return Caller(accounts.load_actor(conn, found[0]), found[1])


def optional_caller(request: Request) -> Caller | None:
    cached: Caller | None | bool = getattr(request.state, "caller", False)
    if cached is not False:
        return cached if isinstance(cached, Caller) else None
    caller = _from_cookie(request)
    request.state.caller = caller
    return caller


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _app_actor(request: Request, key: str) -> Actor:
    """An app key's actor: counted against its app's and its shop's rate limits (429), then
    checked against the operation's scope (403)."""
    app = pledge(request)
    with app.uow.begin() as conn:  # one transaction: the key's app, then its request counted
        found = apps.caller_for_key(conn, key)
        limits = [
            ratelimits.Limit(f"app:{found.app_id}", app.settings.app_requests_per_minute),
            ratelimits.Limit(f"shop:{found.shop_id}", app.settings.shop_app_requests_per_minute),
        ]
        ratelimits.take(conn, limits, at=app.clock.now())
    require_scope(request, found)
    return found.actor


def api_actor(request: Request) -> Actor:
    """Bearer token, or the page session plus an X-CSRF-Token header for changes."""
    token = bearer_token(request)
    if token is not None and token.startswith(apps.KEY_PREFIX):
        return _app_actor(request, token)
    if token is not None:
        app = pledge(request)
        return accounts.actor_for_api_token(app.uow, token, app.clock.now())
    caller = optional_caller(request)
    if caller is None:
        raise Unauthorized("send `Authorization: Bearer <token>` (POST /api/v1/auth/token) or log in")
    if request.method not in SAFE_METHODS and request.headers.get("x-csrf-token") != caller.csrf:
        raise Forbidden("missing or wrong X-CSRF-Token header")
    return caller.actor


def optional_api_actor(request: Request) -> Actor | None:
    """For public reads that say more to a known caller (is the shop followed?): the bearer
    token's actor, the page session's, or None. Reads only, so no CSRF header is needed."""
    if bearer_token(request) is not None:
        return api_actor(request)
    caller = optional_caller(request)
    return caller.actor if caller else None


def page_caller(request: Request) -> Caller:
    caller = optional_caller(request)
    if caller is None:
        raise Unauthorized("please log in")
    return caller


# The fields of a submitted form: text, or an uploaded file.
FormFields: TypeAlias = dict[str, str | UploadFile]

# The dependencies every route declares, once: `app: AppDep`, `actor: ApiActor`, `caller: PageCaller`.
AppDep: TypeAlias = Annotated[App, Depends(_app_dependency)]
ApiActor: TypeAlias = Annotated[Actor, Depends(api_actor)]
MaybeApiActor: TypeAlias = Annotated[Actor | None, Depends(optional_api_actor)]
PageCaller: TypeAlias = Annotated[Caller, Depends(page_caller)]


def verify_csrf(form: FormFields | FormData, caller: Caller) -> None:
    """Refuses a page POST whose CSRF token is not the session's."""
    if form.get("csrf_token") != caller.csrf:
        raise Forbidden("this form has expired or did not come from Pledge; reload the page and try again")


async def check_csrf(request: Request, caller: Caller) -> FormFields:
    """Form fields of a page POST, after checking its CSRF token against the session's."""
    form = dict(await request.form())
    verify_csrf(form, caller)
    return form


async def checked_form(request: Request, caller: PageCaller) -> FormFields:
    """A page POST's form fields, CSRF checked, read before its handler runs. The handler can then
    be a plain `def`, which FastAPI runs in its thread pool: its transaction, and any wait for
    SQLite's write turn or a PostgreSQL row lock, never holds up the event loop and with it every
    other request of the process (as an `async def` handler's database work did)."""
    return await check_csrf(request, caller)


CheckedForm: TypeAlias = Annotated[FormFields, Depends(checked_form)]


async def checked_form_data(request: Request, caller: PageCaller) -> FormData:
    """As checked_form, but the parsed form itself, for a field that repeats (form.getlist)."""
    await check_csrf(request, caller)
    return await request.form()  # Starlette keeps the parsed form: this is the same one


CheckedFormData: TypeAlias = Annotated[FormData, Depends(checked_form_data)]


async def posted_form(request: Request) -> FormFields:
    """A form that proves itself in another way than the session's CSRF token: the login and
    sign-up forms (a cookie of their own), or logout (which checks the token only when someone is
    logged in). Read before a plain `def` handler runs, as checked_form is."""
    return dict(await request.form())


PostedForm: TypeAlias = Annotated[FormFields, Depends(posted_form)]


async def raw_body(request: Request) -> bytes:
    """The request's bytes as sent, for a signature over them (payment and carrier callbacks)."""
    return await request.body()


RawBody: TypeAlias = Annotated[bytes, Depends(raw_body)]
