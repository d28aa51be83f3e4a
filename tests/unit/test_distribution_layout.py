"""The schema stays ready for distributed PostgreSQL (docs/scaling.md, Citus): every table a shop
owns has shop_id in a key, and every table has a placement that its columns can honour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Table, UniqueConstraint

import pledge.schema  # noqa: F401  (declares every table)
from pledge.kernel.db import metadata

DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
GROUPS = {"shop", "buyer", "creator", "room", "video", "ledger", "reference", "local"}
DISTRIBUTION_COLUMN = {"shop": "shop_id", "room": "room_id", "video": "video_id"}
PLACEMENT_ROW = re.compile(r"^\| `(\w+)` \| (\w+) \| ([^|]*)\|$", re.M)
UNIQUE_ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \| [^|]*\|$", re.M)


def _placements() -> dict[str, tuple[str, str]]:
    rows = PLACEMENT_ROW.findall(DOC.read_text(encoding="utf-8"))
    placed: dict[str, tuple[str, str]] = {}
    for table, group, note in rows:
        assert table not in placed, f"{table} is placed twice in docs/scaling.md"
        placed[table] = (group, note.strip())
    return placed


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [
        (c.name, [col.name for col in c.columns])
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    ]
    keys += [(ix.name, [col.name for col in ix.columns]) for ix in table.indexes if ix.unique]
    return [(str(name), columns) for name, columns in keys]


def _keyed_by(table: Table, column: str) -> bool:
    """The column is in the primary key or in a unique key."""
    if column in {c.name for c in table.primary_key.columns}:
        return True
    return any(column in columns for _, columns in _unique_keys(table))


TABLES = sorted(metadata.tables.values(), key=lambda t: t.name)


@pytest.mark.parametrize("table", [t for t in TABLES if "shop_id" in t.c], ids=lambda t: t.name)
def test_every_table_with_a_shop_has_the_shop_in_a_key(table: Table) -> None:
    assert _keyed_by(table, "shop_id"), f"{table.name}: add it to kernel.db.shop_keys in its tables.py"


def test_every_table_is_placed_once_in_a_known_group() -> None:
    placed = _placements()
    assert set(placed) == set(metadata.tables), (
        f"not placed: {sorted(set(metadata.tables) - set(placed))}; "
        f"no such table: {sorted(set(placed) - set(metadata.tables))}"
    )
    assert {group for group, _ in placed.values()} <= GROUPS


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_distributed_table_carries_its_column_or_says_it_needs_it(table: Table) -> None:
    placed = _placements()
    assert table.name in placed, f"{table.name} has no placement in docs/scaling.md"
    group, note = placed[table.name]
    column = DISTRIBUTION_COLUMN.get(group)
    if column is None:
        return
    owner = {"shop": "shops", "room": "live_rooms", "video": "videos"}[group]
    needs = f"needs {column}"
    if table.name == owner or column in table.c:
        assert note != needs, f"{table.name} has {column}: docs/scaling.md still says it needs it"
        if table.name != owner and column == "shop_id":
            assert _keyed_by(table, column)
    else:
        assert note == needs, f"{table.name} is in the {group} group without {column}: say '{needs}'"


def test_every_unique_key_without_the_shop_is_listed() -> None:
    placed = _placements()
    assert set(metadata.tables) <= set(placed), "every table needs a placement first"
    listed = set(UNIQUE_ROW.findall(DOC.read_text(encoding="utf-8")))
    missing = [
        (table.name, name)
        for table in TABLES
        if placed[table.name][0] == "shop"
        for name, columns in _unique_keys(table)
        if "shop_id" not in columns
    ]
    assert [key for key in missing if key not in listed] == []
    assert listed <= set(missing), f"listed but gone or keyed by shop now: {sorted(listed - set(missing))}"


def test_the_checks_see_a_table_without_its_shop_key() -> None:
    """Positive control: the key check fails for a shop table keyed only by id."""
    from sqlalchemy import Column, Integer, MetaData

    table = Table("orphan", MetaData(), Column("id", Integer, primary_key=True), Column("shop_id", Integer))
    assert not _keyed_by(table, "shop_id")
