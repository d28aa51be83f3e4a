"""The schema comes from Alembic only: after upgrading to the heads, the database must match the
tables the code declares (a table, column, index or constraint added without a migration fails
here), on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from pledge.schema import metadata

# Full-text indexes that SQLAlchemy cannot declare on both databases (pledge.search.tables):
# SQLite's FTS5 virtual table search_fts and the shadow tables FTS5 keeps for it
# (search_fts_data, _idx, _docsize, _config), and PostgreSQL's GIN index over an expression
# (to_tsvector('simple', words)). Migration 0030 creates them per dialect; they are left out of
# the comparison by name, and tests/integration/test_search.py checks they work.
ENGINE_INDEXES = ("search_fts", "ix_search_documents_words")


def _declared_or_compared(name, type_, parent_names) -> bool:
    return not (name or "").startswith(ENGINE_INDEXES)


def test_migrations_create_exactly_the_declared_schema(app, db_url):
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"compare_type": False, "include_name": _declared_or_compared}
                ),
                metadata,
            )
    finally:
        engine.dispose()
    assert diff == [], f"tables in code and migrations differ; write a migration: {diff}"


def test_migrations_form_one_line_of_history():
    """Each migration follows exactly one other: one head, so `pledge db upgrade` is unambiguous."""
    from alembic.script import ScriptDirectory

    from pledge.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(list(script.walk_revisions())) == len({r.revision for r in script.walk_revisions()})
