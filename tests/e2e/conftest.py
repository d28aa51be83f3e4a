"""Fixtures for the end-to-end layer: an HTTP client over the real ASGI app, snapshots that
prove a refused request changed nothing, and a live uvicorn server on a seeded demo database
for the Chromium walk."""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.accounts.tables import users
from pledge.schema import metadata
from pledge.web.app import create_app
from tests.conftest import demo_copy

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "password123"  # tests.support.World gives every user this password
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PROBLEM = "application/problem+json"
CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


# ---------------------------------------------------------------- HTTP over the ASGI app


@pytest.fixture
def client(app):
    """The real FastAPI app over HTTP semantics (TestClient); server errors surface as
    exceptions rather than being hidden behind a 500."""
    with TestClient(create_app(app, run_worker=False)) as c:
        yield c


def email_of(app, user_id: int) -> str:
    with app.uow.read() as conn:
        return conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one()


def api_token(client: TestClient, email: str, password: str = PASSWORD) -> str:
    resp = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer" and body["token"].startswith("plg_")
    return body["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_csrf(client: TestClient) -> str:
    """The login form's CSRF token (login CSRF: the form only counts with the token its page set)."""
    found = CSRF_INPUT.search(client.get("/login").text)
    assert found, "the login form carries no CSRF token"
    return found.group(1)


def post_login(client: TestClient, email: str, password: str = PASSWORD, next_page: str = "/", **extra):
    """Submit the login form as a browser does: open it, then post it with its CSRF token."""
    data = {"email": email, "password": password, "next": next_page, "csrf_token": login_csrf(client)}
    return client.post("/login", data=data, follow_redirects=False, **extra)


def page_login(client: TestClient, email: str, form_page: str, password: str = PASSWORD) -> str:
    """Log in through the form as a browser would; returns the session's CSRF token as a
    rendered page with a form carries it (input name="csrf_token"), e.g. a product page."""
    resp = post_login(client, email, password, next_page=form_page)
    assert resp.status_code == 303 and resp.headers["location"] == form_page, resp.text
    assert client.cookies.get("pledge_session")
    page = client.get(form_page)
    assert page.status_code == 200
    found = CSRF_INPUT.search(page.text)
    assert found, f"{form_page} carries no CSRF token"
    return found.group(1)


def assert_problem(resp, status: int | tuple[int, ...]) -> dict:
    """An RFC 9457 problem document with a clear title and detail."""
    wanted = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in wanted, f"{resp.status_code}: {resp.text}"
    assert resp.headers["content-type"].split(";")[0] == PROBLEM, resp.headers["content-type"]
    body = resp.json()
    assert body["status"] == resp.status_code
    assert isinstance(body["title"], str) and body["title"].strip()
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert "Traceback" not in resp.text
    return body


# Security bookkeeping that any request writes by design, refused or not (docs/security.md):
# failed logins feed the throttle, and a token's last use is recorded. Not business state.
BOOKKEEPING = {"login_attempts": "*", "api_tokens": ("last_used_at",)}


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (without BOOKKEEPING).

    The statements are compiled once per dialect and run on the driver's own cursor: hundreds
    of tests take a snapshot before and after each call, and SQLAlchemy's per-statement work
    for ~150 tables was most of a snapshot's time."""
    with app.uow.read() as conn:
        statements = _snapshot_statements(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if conn.dialect.name == "postgresql":  # one round trip: psycopg returns each result set
                cursor.execute(";\n".join(sql for _, sql in statements))
                rows = {}
                for name, _ in statements:
                    rows[name] = [tuple(r) for r in cursor.fetchall()]
                    cursor.nextset()
                return rows
            rows = {}
            for name, sql in statements:
                cursor.execute(sql)
                rows[name] = [tuple(r) for r in cursor.fetchall()]
            return rows
        finally:
            cursor.close()


_SNAPSHOT_SQL: dict[str, list[tuple[str, str]]] = {}


def _snapshot_statements(dialect) -> list[tuple[str, str]]:
    if dialect.name not in _SNAPSHOT_SQL:
        _SNAPSHOT_SQL[dialect.name] = [
            (
                t.name,
                str(
                    select(*[c for c in t.columns if c.name not in BOOKKEEPING.get(t.name, ())])
                    .order_by(*t.primary_key.columns)
                    .compile(dialect=dialect)
                ),
            )
            for t in metadata.sorted_tables
            if BOOKKEEPING.get(t.name) != "*"
        ]
    return _SNAPSHOT_SQL[dialect.name]


# ---------------------------------------------------------------- live server for the browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, pledge_app) -> None:
        self.url = url
        self.app = pledge_app


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, seeded_demo):
    """uvicorn in a background thread on a free port, serving a copy of the seeded demo database
    (SQLite under a temp dir) in demo mode. The sweeper thread stays off: the demo clock's
    advance (button or endpoint) runs the worker pass itself, which keeps the walk deterministic."""
    import uvicorn

    from pledge.bootstrap import build

    port = free_port()
    settings = demo_copy(seeded_demo, tmp_path_factory.mktemp("live"), port=port)
    pledge_app = build(settings)
    web = create_app(pledge_app, run_worker=False)
    server = uvicorn.Server(
        uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="live-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    live = LiveServer(f"http://127.0.0.1:{port}", pledge_app)
    warm_up(live)
    yield live
    server.should_exit = True
    thread.join(timeout=10)
    pledge_app.uow.engine.dispose()


def warm_up(live: LiveServer) -> None:
    """The login page and the assets every page loads, once, before a browser asks: a fresh
    server compiles its templates and compresses its assets on first use."""
    with httpx.Client(base_url=live.url, timeout=60, headers={"Accept-Encoding": "br, gzip"}) as http:
        page = http.get("/login")
        assert page.status_code == 200, page.text[:300]
        for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text))):
            http.get(asset)


def live_server_state(live: LiveServer) -> str:
    """For a browser test that timed out: what every busy thread of this process (the server's
    included) is doing, deep enough to name the route, and the engine's pool (a connection
    checked out by no busy thread holds a transaction nobody will end: seen once in CI, a page
    request waiting 60 s in SQLite's BEGIN IMMEDIATE), then whether the live server answers a
    plain request now."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    lines = [f"pool: {live.app.uow.engine.pool.status()}"]
    for ident, frame in sys._current_frames().items():
        stack = [entry.rstrip() for entry in traceback.format_stack(frame)[-40:]]
        if "self.queue.get()" not in "".join(stack[-4:]):  # an idle worker thread says nothing
            lines += [f"--- thread {names.get(ident, ident)}", *stack]
    started = time.perf_counter()
    try:
        status = str(httpx.get(f"{live.url}/login", timeout=10).status_code)
    except httpx.HTTPError as exc:
        status = f"no answer: {exc!r}"
    lines.append(f"then GET /login from the test process: {status} in {time.perf_counter() - started:.2f} s")
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that timed out reports the live server's state with its failure: the next
    such failure shows whether the server or the browser was stuck."""
    outcome = yield
    report = outcome.get_result()
    live = item.funcargs.get("live_server") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and live is not None and call.excinfo is not None:
        if "Timeout" in call.excinfo.typename:
            report.sections.append(("live server after the timeout", live_server_state(live)))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = "browser tests need Debian's chromium: apt-get install chromium fonts-wqy-microhei"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, not the context's 15 s: on a loaded two-core CI box a page's
    # script may take longer than that to update an element.
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


def new_context(browser, live_server, viewport: dict = DESKTOP_VIEWPORT, lang: str = "zh_CN", state=None):
    """Every browser test's context: the live server as base URL, the given viewport and language,
    15 s for an element and 60 s for a page load. The first navigation of a module, to a freshly
    seeded server on a loaded two-core CI box, has taken over 15 s (stop 30's CI) and once over
    30 s (a clean-clone run beside other test runs). The server is warmed before the first test
    (`warm_up`), and a test that still times out reports the server's threads and whether it
    answers (`live_server_state`)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        storage_state=state,
        locale="zh-CN" if lang == "zh_CN" else "en-US",
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(60_000)
    return context


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser, live_server)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
