"""Database plumbing shared by every domain: one MetaData, UTC timestamps on both SQLite and
PostgreSQL, and the engine factory with SQLite pragmas for concurrent use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    DateTime,
    FromClause,
    Index,
    Insert,
    Integer,
    MetaData,
    Row,
    Select,
    Table,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

from pledge.kernel.clock import as_utc, ensure_utc
from pledge.kernel.errors import InvalidInput

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def shop_keys(*tables: Table) -> None:
    """Declares UNIQUE (shop_id, primary key) on tables a shop owns: the shop is in a key of each,
    so the tables can be distributed by shop_id and co-located (docs/scaling.md, Citus). The index
    also serves every query that filters by shop, so it replaces a plain index on shop_id."""
    for table in tables:
        key = list(table.primary_key.columns)
        name = "_".join(["uq", table.name, "shop_id", *(column.name for column in key)])
        Index(name, table.c.shop_id, *key, unique=True)


# BIGINT on PostgreSQL, INTEGER on SQLite so that it is the rowid alias and autoincrements.
Id = BigInteger().with_variant(Integer(), "sqlite")


# Money in fen: BIGINT everywhere (SQLite's INTEGER is already 64-bit).
Fen = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Refuses naive datetimes on the way in; returns aware UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)


def dialect_insert(conn: Connection):
    """The INSERT construct of the connection's database, which has ON CONFLICT (DO NOTHING /
    DO UPDATE) on both SQLite and PostgreSQL: the exactly-once inserts use it."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


# Rows and selects of any shape, for helpers that do not care which columns a query names.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def inserted_id(conn: Connection, statement: Insert, params: Mapping[str, Any] | None = None) -> int:
    """Run a one-row INSERT (with `params` for its columns, if given) and return the id the
    database gave the row."""
    key = conn.execute(statement, params).inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


def claim_batch(conn: Connection, query: AnySelect, *, of: FromClause | None = None) -> Sequence[AnyRow]:
    """The rows of a sweep's batch, claimed: on PostgreSQL they are locked FOR UPDATE SKIP LOCKED
    (`of` names the table to lock when the query joins others), so concurrent workers take
    disjoint batches instead of queueing on each other's rows; SQLite serialises writers at
    BEGIN IMMEDIATE, so the plain query is already a claim there. What the rows are then used
    for still goes through a conditional write (a claim row, a status move) that wins once."""
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=of)
    return conn.execute(query).all()


def _unstorable_text(joined: str, wide: list[str]) -> bool:
    """A NUL anywhere, or a lone surrogate in the non-ASCII texts: surrogates are the only code
    points UTF-8 cannot encode, so encoding those texts is the search."""
    if "\x00" in joined:
        return True
    try:
        "".join(wide).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


BIGINT_RANGE = range(-(2**63), 2**63)


def _unstorable(value: object) -> str | None:
    """Why `value` (a parameter, a row of them, or an executemany's rows; nested lists, tuples and
    dicts) cannot be stored, or None. Walks the values once without recursion, then looks at all
    the text at once and checks the integers' range by their extremes: it sees every value of
    every statement, so it must cost little per value (issue 19)."""
    texts: list[str] = []
    ints: list[int] = []
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str:
            texts.append(item)  # type: ignore[arg-type]
        elif kind is int:
            ints.append(item)  # type: ignore[arg-type]
        elif kind is dict:
            pending.extend(item.values())  # type: ignore[attr-defined]
        elif kind is list or kind is tuple:
            if not _uniform(item, texts, ints):  # type: ignore[arg-type]
                pending.extend(_columns(item) or item)  # type: ignore[arg-type]
        elif isinstance(item, str):  # a str subclass (StrEnum)
            texts.append(str(item))
        elif isinstance(item, int) and not isinstance(item, bool):  # an int subclass (IntEnum)
            ints.append(int(item))
        elif isinstance(item, (dict, list, tuple, type({}.values()))):
            pending.extend(item.values() if isinstance(item, dict) else item)
    return _problem(texts, ints)


def _columns(rows: list | tuple) -> list[tuple] | None:
    """An executemany's rows (tuples of one length) as their columns, each of which `_uniform`
    can then take in one look; None when `rows` are not such rows."""
    if len(rows) < _UNIFORM_MIN or type(rows[0]) is not tuple:
        return None
    try:
        return list(zip(*rows, strict=True))
    except (TypeError, ValueError):  # not all iterable, or not all of one length
        return None


# A list this long whose first item is one of these may be a column of one kind (kernel.bulk's).
_UNIFORM_MIN = 8
_SCALARS = frozenset({str, int, float, datetime, date})


def _uniform(items: list | tuple, texts: list[str], ints: list[int]) -> bool:
    """Whether `items` is all text, all integers or all dates, told with builtins that visit every
    item in C: joining needs every item to be text; min and max need every pair comparable, so
    when the least and the greatest are integers (or dates) no item is text or a container. If
    so, their joined text or their extreme integers go to `texts` / `ints` and True is returned;
    otherwise nothing is added and the caller walks the items one by one. A sweep's columns of
    500 values went from the walk's 74 ns per value to a few (issue 19)."""
    if len(items) < _UNIFORM_MIN or type(items[0]) not in _SCALARS:
        return False
    try:
        texts.append("".join(items))
        return True
    except TypeError:
        pass
    try:
        least, greatest = min(items), max(items)
    except TypeError:
        return False
    if isinstance(least, int) and isinstance(greatest, int):  # floats between them are storable
        ints += (int(least), int(greatest))
        return True
    return isinstance(least, date) and isinstance(greatest, date)


def _problem(texts: Sequence[str], ints: Sequence[int]) -> str | None:
    """One look for a NUL over all the text (joining cannot make or hide a single character),
    lone surrogates only in the texts that are not ASCII (`isascii` answers without reading the
    text), and the integers' extremes against the 64-bit range. A regular expression over a
    batch's 100 000 characters took 0.29–0.33 ms; this takes 1 µs when they are ASCII and about
    half the expression's time when they are Chinese (docs/benchmarks.md)."""
    if texts and _unstorable_text("".join(texts), [t for t in texts if not t.isascii()]):
        return "text with a NUL character or a lone surrogate cannot be stored"
    if ints:
        for extreme in (min(ints), max(ints)):
            if extreme not in BIGINT_RANGE:
                return f"the number {extreme} is too large"
    return None


def refuse_unstorable(conn, cursor, statement, parameters, context, executemany) -> None:
    """The last line before the driver: a value that SQLite and PostgreSQL would treat
    differently (NUL, stored by one and refused by the other) or could not encode at all (a
    lone surrogate, an integer beyond 64 bits) is refused as bad input, never a 500. The
    transaction rolls back whole. The web and CLI layers refuse such input first, with the
    field's name (docs/security.md, "Input bounds")."""
    problem = _unstorable(parameters)
    if problem:
        raise InvalidInput(problem)


def unstorable_problem(values: object) -> str | None:
    """Why these values (nested lists, tuples, dicts) cannot be stored, or None: the guard of
    `refuse_unstorable`, for a caller that encodes values before they reach the driver
    (kernel.bulk's JSON rows, where JSON would escape a NUL past the guard)."""
    return _unstorable(values)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    engine = _make_engine(url, echo=echo)
    event.listen(engine, "before_cursor_execute", refuse_unstorable)
    return engine


def _make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            # Let SQLAlchemy issue BEGIN itself so that BEGIN IMMEDIATE below takes the write lock.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            # Writers queue on the database lock at BEGIN rather than failing mid-transaction;
            # read-only units of work take no write lock (WAL lets them run beside a writer).
            readonly = conn.get_execution_options().get("pledge_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, echo=echo, pool_size=20, max_overflow=20)
    ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine) -> None:
    """The pool's pre-ping, for connections that sat idle only. `pool_pre_ping` pinged on every
    checkout: a round trip per unit of work, as much as the checkout request's token check
    (docs/benchmarks.md). A connection back in the pool for less than PING_AFTER_IDLE_SECONDS
    is used as it is; an older one is pinged, and a dead one replaced before anyone uses it. A
    server restart while connections are busy fails what was in flight, as it did with the
    pre-ping, and SQLAlchemy then invalidates the whole pool."""

    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["pledge_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.get("pledge_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as gone:
            raise DisconnectionError("an idle connection did not answer its ping") from gone


BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for the write lock before it fails


class SqliteWriters:
    """SQLite lets one transaction write at a time. A process's writers queue for their turn
    here, and the one that commits hands it straight to the next. Without the queue they wait
    in SQLite's busy handler, which sleeps 1, 2, 5, … 100 ms between tries, so a writer could
    sleep on long after the lock was free (the checkout benchmark's 95th percentile). Reentrant,
    like the nested `UnitOfWork.begin`; a turn not given within BUSY_TIMEOUT_S fails as SQLite's
    busy timeout would."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=BUSY_TIMEOUT_S):
            raise TimeoutError(f"no turn to write to SQLite within {BUSY_TIMEOUT_S} s")
        try:
            yield
        finally:
            self._lock.release()


@contextmanager
def _in_turn(writers: SqliteWriters, engine: Engine) -> Iterator[Connection]:
    with writers.turn(), engine.begin() as conn:
        yield conn


# Writes that must outlive the transaction a check runs in (pledge.governance records a refusal
# whose request rolls back): kept per thread of work, written once the outermost `begin` ends.
Afterwards: TypeAlias = Callable[[Connection], None]
_AFTERWARDS: ContextVar[list[Afterwards] | None] = ContextVar("pledge_afterwards", default=None)


class UnitOfWork:
    """One transaction per use case: `with uow.begin() as conn:` commits or rolls back whole."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writers = SqliteWriters() if engine.dialect.name == "sqlite" else None

    def _write(self) -> AbstractContextManager[Connection]:
        """A write transaction; on SQLite, once it is this thread's turn (SqliteWriters)."""
        if self._writers is None:
            return self.engine.begin()
        return _in_turn(self._writers, self.engine)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """The use case's transaction; then, committed or rolled back, each write handed to
        `afterwards` during it, in a transaction of its own, before the caller goes on (or sees
        the error): nothing is left to a background thread."""
        if _AFTERWARDS.get() is not None:  # nested: the outermost transaction writes them
            with self._write() as conn:
                yield conn
            return
        token = _AFTERWARDS.set([])
        try:
            with self._write() as conn:
                yield conn
        finally:
            pending = _AFTERWARDS.get() or []
            _AFTERWARDS.reset(token)
            for write in pending:
                with self._write() as conn:
                    write(conn)

    def afterwards(self, write: Afterwards) -> None:
        """Write this once the current transaction has ended, whether it commits or rolls back
        (at once when there is none): the outbox of records that must survive a refusal."""
        pending = _AFTERWARDS.get()
        if pending is None:
            with self._write() as conn:
                write(conn)
        else:
            pending.append(write)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work. On PostgreSQL its statements run in autocommit: under READ
        COMMITTED each statement sees its own snapshot whether or not a transaction wraps them,
        so the wrapper bought nothing but a BEGIN and a ROLLBACK round trip per unit (two of
        the checkout request's, for its bearer token). SQLite keeps a deferred BEGIN."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(pledge_readonly=True, isolation_level="AUTOCOMMIT")
            else:
                conn.execution_options(pledge_readonly=True)
            yield conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
