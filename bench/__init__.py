"""Benchmarks, run by `make bench` (`python -m bench`). Each writes bench/results/<name>.json and
prints its figures next to a baseline measured in the same run on the same machine, so a ratio
means something even on a shared, noisy box. They are measurements, not tests: they never fail
on speed, but they do print (and record) any wrong result they notice."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, text

from pledge.accounts.tables import users

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
PG_URL_ENV = "PLEDGE_BENCH_PG_URL"


def say(message: str = "") -> None:
    print(message, flush=True)


def shape(statement: str) -> str:
    """A SQL statement reduced to its verb and table, e.g. 'INSERT INTO orders'."""
    flat = " ".join(statement.split())
    m = re.match(r"(?i)(insert into|update|delete from)\s+(\w+)", flat)
    if m:
        return f"{m.group(1).upper()} {m.group(2)}"
    m = re.match(r"(?is)select\b.*?\bfrom\s+(\w+)", flat)
    return f"SELECT FROM {m.group(1)}" if m else flat[:40]


def guarded(label: str, work):
    """Run one database's benchmark; a crash is printed and recorded, and the others still run."""
    try:
        return work()
    except Exception as exc:
        message = " ".join(str(exc).split())[:600]  # SQLAlchemy errors carry every bound parameter
        where = [
            f"{Path(f.filename).name}:{f.lineno} {f.name}"
            for f in traceback.extract_tb(exc.__traceback__)
            if "/bench/" in f.filename or "/pledge/" in f.filename
        ][-4:]
        say(
            f"  [{label}] FAILED: {type(exc).__name__}: {message}\n  [{label}]   at "
            f"{' ← '.join(reversed(where))}"
        )
        return {"error": f"{type(exc).__name__}: {message}", "at": where}


_filled: set[str] = set()


def fill_required(table, given, at: datetime) -> dict:
    """Values for NOT NULL columns that a benchmark does not write itself, i.e. columns added to
    the schema after it was written: '' for text, 0 for numbers, `at` for times. Printed once,
    so that a stale benchmark is visible rather than silently wrong or broken."""
    extra = {}
    for col in table.columns:
        if (
            col.name in given
            or col.nullable
            or col.primary_key
            or col.default is not None
            or col.server_default is not None
        ):
            continue
        kind = col.type.python_type
        extra[col.name] = "" if kind is str else False if kind is bool else 0 if kind in (int, float) else at
    if extra and table.name not in _filled:
        _filled.add(table.name)
        say(
            f"  note: the benchmark does not know {table.name}.{', '.join(extra)}; it writes "
            f"{list(extra.values())}"
        )
    return extra


def seed_buyers(app, emails: list[str], password: str, now: datetime) -> list[int]:
    """Buyers who log in normally with `password`, their ids in email order of creation. One
    argon2 hash serves them all (hashing takes ≈0.2 s here)."""
    password_hash = PasswordHasher().hash(password)
    with app.uow.begin() as c:
        c.execute(
            users.insert(),
            [
                {"email": e, "display_name": f"买家{n}", "password_hash": password_hash, "created_at": now}
                for n, e in enumerate(emails)
            ],
        )
        return list(
            c.execute(select(users.c.id).where(users.c.email.in_(emails)).order_by(users.c.id)).scalars()
        )


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"
    return "'" + str(value).replace("'", "''") + "'"


def latency_summary(latencies: list[list[float]]) -> tuple[int, dict]:
    """Requests made and their p50/p95/p99/max in ms, from per-thread lists of seconds."""
    flat = [x * 1000 for part in latencies for x in part]
    return len(flat), {
        "p50": round(percentile(flat, 50), 2),
        "p95": round(percentile(flat, 95), 2),
        "p99": round(percentile(flat, 99), 2),
        "max": round(max(flat), 2) if flat else None,
    }


def release_together(
    threads: int, per_thread: Callable[[int], object], body: Callable[[int, object], None], name: str
) -> float:
    """One thread per k: each builds its state (per_thread(k): an HTTP client, its buyers) before
    the clock starts, then all run body(k, state) at once; a state with close() is closed after.
    Returns the wall time in seconds from the release to the last thread's end."""
    ready = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        state = per_thread(k)
        try:
            ready.wait()
            body(k, state)
        finally:
            close = getattr(state, "close", None)
            if close:
                close()

    started_threads = [threading.Thread(target=work, args=(k,), name=f"{name}-{k}") for k in range(threads)]
    for t in started_threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in started_threads:
        t.join()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of an unsorted list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _versions() -> dict:
    found = {}
    for module in ("sqlalchemy", "psycopg", "fastapi", "uvicorn", "httpx"):
        try:
            found[module] = __import__(module).__version__
        except Exception:
            found[module] = None
    return found


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
        return (
            out.stdout.strip() + ("+dirty-src" if dirty.stdout.strip() else "")
            if out.returncode == 0
            else None
        )
    except (OSError, subprocess.SubprocessError):
        return None


def pg_server_version(url: str | None) -> str | None:
    if not url:
        return None
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


def machine_facts(pg_url: str | None = None) -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": pg_server_version(pg_url),
        "libraries": _versions(),
        "git_commit": _git_commit(),
    }


def write_result(name: str, data: dict) -> Path:
    """Atomically: a half-written result never replaces a good one (*.tmp is git-ignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def envelope(name: str, pg_url: str | None, **body) -> dict:
    return {
        "name": name,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]]),
        "machine": machine_facts(pg_url),
        **body,
    }


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url


# --- databases -----------------------------------------------------------------------------


class PgServer:
    """A PostgreSQL server the benchmarks may create databases on: PLEDGE_BENCH_PG_URL, or a
    throwaway cluster (tests/pg.py) with fsync and synchronous_commit off."""

    def __init__(self, url: str | None, origin: str, skipped: str | None = None) -> None:
        self.url, self.origin, self.skipped = url, origin, skipped
        self._counter = 0

    def fresh_database(self, label: str) -> str:
        self._counter += 1
        name = f"pledge_bench_{label}_{os.getpid()}_{self._counter}"
        admin = create_engine(sqlalchemy_url(self.url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def copy_database(self, source_url: str, label: str) -> str:
        """CREATE DATABASE ... TEMPLATE: a file-level copy, much faster than loading twice."""
        self._counter += 1
        name = f"pledge_bench_{label}_{os.getpid()}_{self._counter}"
        template = source_url.rsplit("/", 1)[1]
        admin = create_engine(sqlalchemy_url(self.url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        finally:
            admin.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        admin = create_engine(sqlalchemy_url(self.url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception:
            pass
        finally:
            admin.dispose()


@contextmanager
def pg_server() -> Iterator[PgServer]:
    external = os.environ.get(PG_URL_ENV)
    if external:
        yield PgServer(external, f"{PG_URL_ENV}")
        return
    sys.path.insert(0, str(ROOT))  # tests/ is importable from the repository root
    from tests import pg

    if not pg.available():
        yield PgServer(
            None,
            "none",
            skipped="PostgreSQL benchmarks skipped: initdb/pg_ctl not on PATH (or no "
            f"`postgres` user when running as root); install PostgreSQL or set {PG_URL_ENV}",
        )
        return
    cluster = pg.Cluster()
    started = time.perf_counter()
    try:
        cluster.start()
    except Exception as exc:
        cluster.stop()
        yield PgServer(
            None,
            "none",
            skipped=f"PostgreSQL benchmarks skipped: the throwaway cluster did not start ({exc})",
        )
        return
    say(
        f"PostgreSQL: throwaway cluster on port {cluster.port} (fsync=off, synchronous_commit=off), "
        f"started in {time.perf_counter() - started:.1f} s"
    )
    try:
        yield PgServer(cluster.url, "throwaway cluster (tests/pg.py; fsync=off, synchronous_commit=off)")
    finally:
        cluster.stop()


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
