"""Alembic environment: the URL comes from the caller (pledge db upgrade) or PLEDGE settings."""

from alembic import context

from pledge.config import Settings
from pledge.kernel.db import make_engine
from pledge.schema import metadata

config = context.config
url = config.attributes.get("url") or Settings().resolved_database_url()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
