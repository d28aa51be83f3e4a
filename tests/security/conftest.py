"""Fixtures for the security tests (issue 11): the real app over HTTP on a World (SQLite and
PostgreSQL), apps built with the settings a test is about (demo mode with its real shared clock,
cookie and proxy settings), and a seeded demo database with a token and a page session for each
kind of account."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from pledge.accounts.services import issue_api_token
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.demo.seed import PASSWORD
from pledge.uploads.store import LocalFileStore
from pledge.web.app import create_app
from tests.conftest import demo_copy, make_app
from tests.e2e.conftest import bearer, post_login

CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@pytest.fixture
def client(app, tmp_path):
    """Server errors come back as 500 answers here rather than exceptions: these tests assert
    on the status a client would see."""
    app.files = LocalFileStore(tmp_path / "uploads")
    with TestClient(create_app(app, run_worker=False), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def app_with(db_url, clock):
    """Build an app on the test database with some settings changed (the injected clock)."""
    built = []

    def make(**settings):
        app = make_app(db_url, clock, **settings)
        built.append(app)
        return app

    yield make
    for app in built:
        app.uow.engine.dispose()


@pytest.fixture
def demo_app(db_url):
    """Demo mode as `pledge demo` runs it: the shared clock (system time plus the stored offset)."""
    app = build(Settings(database_url=db_url, demo_mode=True, run_sweeper_in_server=False))
    yield app
    app.uow.engine.dispose()


def http(app, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(app, run_worker=False), base_url=base_url)


def token_for(app, actor) -> dict[str, str]:
    with app.uow.begin() as c:
        return bearer(issue_api_token(c, user_id=actor.user_id, at=app.clock.now()))


class Demo:
    """The seeded demo behind the ASGI app, with helpers to act as its accounts."""

    def __init__(self, app, web) -> None:
        self.app, self.web = app, web
        self.client = TestClient(web, raise_server_exceptions=False)
        self._tokens: dict[str, dict] = {}

    def headers(self, email: str) -> dict[str, str]:
        if email not in self._tokens:
            resp = self.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            self._tokens[email] = bearer(resp.json()["token"])
        return self._tokens[email]

    def session(self, email: str, form_page: str = "/") -> tuple[TestClient, str]:
        """A browser-like client logged in as `email`, and its CSRF token."""
        browser = TestClient(self.web, raise_server_exceptions=False)
        resp = post_login(browser, email, PASSWORD)
        assert resp.status_code == 303, resp.text
        found = CSRF_INPUT.search(browser.get(form_page).text)
        assert found, f"{form_page} carries no CSRF token"
        return browser, found.group(1)

    def shop_of(self, email: str) -> int:
        return self.client.get("/api/v1/me", headers=self.headers(email)).json()["shops"][0]["shop_id"]

    def category_id(self) -> int:
        tree = self.client.get("/api/v1/categories").json()
        return tree[0]["children"][0]["id"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, seeded_demo):
    settings = demo_copy(seeded_demo, tmp_path_factory.mktemp("security-demo"))
    app = build(settings)
    yield Demo(app, create_app(app, run_worker=False))
    app.uow.engine.dispose()
