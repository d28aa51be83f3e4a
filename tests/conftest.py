"""Fixtures shared by every test layer. Integration tests take `app`, which runs on SQLite and
on PostgreSQL (a throwaway cluster); outside CI a missing PostgreSQL skips with a hint, in CI
(CI=true) it fails."""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from pledge.accounts import services as accounts_services
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from pledge.migrate import upgrade
from tests import pg
from tests.support import World

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# 2026-09-01 10:00 in Shanghai: a Tuesday morning, after the 2026-08-10 late-ship table took effect.
START = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
_db_counter = itertools.count()
PRODUCTION_HASHER = accounts_services._hasher

# No property test has a deadline: the suite runs two workers on a shared two-core box, where a
# pure function's example can stall past hypothesis's default 200 ms, and a deadline missed once
# and not on the replay fails the test as flaky. The tests check results, not speed (bench/ does).
hypothesis_settings.register_profile("pledge", deadline=None)
hypothesis_settings.load_profile("pledge")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Every account the tests create (World.user, the demo seeds, sign-ups) hashes its password
    with a minimal argon2 cost: the production cost, about 0.12 s a hash here, was paid thousands
    of times per run. Hashes carry their parameters, so verifying works either way; a test about
    the hashing itself takes `production_password_hashes`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_services, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        accounts_services._dummy_hash.cache_clear()
        yield
    accounts_services._dummy_hash.cache_clear()


@pytest.fixture
def production_password_hashes(monkeypatch):
    """The real argon2 cost for this test (and a dummy hash made with it)."""
    monkeypatch.setattr(accounts_services, "_hasher", PRODUCTION_HASHER)
    accounts_services._dummy_hash.cache_clear()
    yield
    accounts_services._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def pg_server():
    external = os.environ.get("PLEDGE_TEST_PG_URL")
    if external:
        yield external
        return
    if not pg.available():
        if IN_CI:
            pytest.fail(
                "CI must run the PostgreSQL suite, but initdb/pg_ctl or the postgres user are missing"
            )
        pytest.skip(pg.ENABLE_HINT)
    cluster = pg.Cluster()
    cluster.start()
    yield cluster.url
    cluster.stop()


def fresh_postgres_database(server_url: str, *, template: str = "template0") -> str:
    name = f"pledge_test_{os.getpid()}_{next(_db_counter)}"
    admin = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


# Migrating takes most of a database test's set-up (about 0.7 s on SQLite, more on PostgreSQL, for
# every test). Each pytest worker migrates one template per engine once and copies it per test:
# a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL. The copy is the migrated
# schema byte for byte; tests/integration/test_migrations.py still migrates from empty itself.


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "pledge.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(pg_server) -> str:
    url = fresh_postgres_database(pg_server)
    upgrade(url)
    return url.rsplit("/", 1)[1]


def migrated_sqlite(template: Path, directory: Path, name: str = "pledge.sqlite3") -> str:
    """A migrated SQLite database at `directory/name`: a copy of the worker's template (about
    2.5 s quicker than migrating from empty)."""
    target = directory / name
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return migrated_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    template = request.getfixturevalue("postgres_template")
    return fresh_postgres_database(request.getfixturevalue("pg_server"), template=template)


@pytest.fixture
def postgres_url(pg_server, postgres_template):
    return fresh_postgres_database(pg_server, template=postgres_template)


@dataclass(frozen=True)
class SeededDemo:
    var_dir: Path
    seeded_at: datetime  # the system's time when the seed finished


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory) -> SeededDemo:
    """The demo seed, once per pytest worker (10 s on the idle box, 20 s under the suite's load):
    the live servers and the demo crawls each take a copy (demo_copy)."""
    from pledge.demo.seed import seed_demo

    var_dir = tmp_path_factory.mktemp("demo-seed")
    seed_demo(Settings(demo_mode=True, var_dir=var_dir, run_sweeper_in_server=False))
    return SeededDemo(var_dir, datetime.now(UTC))


def demo_copy(seeded: SeededDemo, var_dir: Path, **settings) -> Settings:
    """A copy of the seeded demo in `var_dir` (its database, uploads and login guide), with the
    settings to serve it in demo mode. The copy's demo clock reads as the original's did when the
    seed finished: its stored offset goes back by the time since, so what the seed made "2 hours
    ago" is 2 hours ago, as on a database seeded just now."""
    from pledge.bootstrap import CLOCK_OFFSET_KEY
    from pledge.kernel.kv import get_value, set_value

    shutil.copytree(seeded.var_dir, var_dir, dirs_exist_ok=True)
    copied = Settings(demo_mode=True, var_dir=var_dir, run_sweeper_in_server=False, **settings)
    engine = create_engine(copied.resolved_database_url())
    try:
        with engine.begin() as conn:
            stored = timedelta(seconds=float(get_value(conn, CLOCK_OFFSET_KEY) or 0))
            behind = datetime.now(UTC) - seeded.seeded_at
            set_value(conn, CLOCK_OFFSET_KEY, str((stored - behind).total_seconds()))
    finally:
        engine.dispose()
    return copied


@pytest.fixture
def clock():
    return FixedClock(START)


def make_app(url: str, clock: FixedClock, **settings):
    # The HTTP tests speak plain http://testserver, where a Secure cookie would not come back;
    # tests/security checks the default (Secure outside demo mode) on its own apps.
    settings.setdefault("secure_cookies", False)
    app = build(Settings(database_url=url, **settings), clock=clock)
    return app


@pytest.fixture
def app(db_url, clock):
    app = make_app(db_url, clock)
    yield app
    app.uow.engine.dispose()


@pytest.fixture
def world(app):
    return World(app)
