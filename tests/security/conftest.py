"""Fixtures for the security tests (issue 11): the HTTP client of the e2e layer, and apps built
with the settings a test is about (demo mode with its real shared clock, cookie and proxy
settings), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pledge.bootstrap import build
from pledge.config import Settings
from pledge.web.app import create_app
from tests.conftest import make_app
from tests.e2e.conftest import client  # noqa: F401  (the real app over HTTP)


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
