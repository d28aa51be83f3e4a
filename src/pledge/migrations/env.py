"""Alembic environment: the URL comes from the caller (pledge db upgrade) or PLEDGE settings."""

from alembic import context

from pledge.config import Settings
from pledge.kernel.db import make_engine
from pledge.schema import metadata

config = context.config
url = config.attributes.get("url") or Settings().resolved_database_url()


def _dangling(conn) -> set[tuple]:
    """SQLite's rows whose foreign keys point nowhere, as (table, rowid, parent table): those the
    run found are not the run's doing (a database written with foreign keys off); only new ones
    fail it."""
    return {tuple(row[:3]) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the original (batch mode), which
            # foreign keys refuse while other tables' rows refer to it: they are off for the run
            # (before the transaction: the pragma is ignored inside one), as SQLite's own procedure
            # for schema changes says, and checked before the commit instead.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            before = _dangling(conn) if sqlite else set()
            context.run_migrations()
            broken = sorted(_dangling(conn) - before) if sqlite else []
            if broken:
                raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")
    engine.dispose()


run()
