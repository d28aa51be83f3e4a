"""The seeded demo that the live servers and demo crawls copy (tests/conftest.demo_copy): a
copy holds the seed's data, is its own database, and its demo clock reads the time the seed
finished, so the seed's "2 hours ago" is still 2 hours ago however late the copy is taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pledge.bootstrap import build
from pledge.catalog.tables import shops
from tests.conftest import demo_copy


def _shop_count(app) -> int:
    with app.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(shops)).scalar_one()


def test_a_copy_taken_an_hour_after_the_seed_reads_the_seed_time(seeded_demo, tmp_path):
    an_hour_ago = replace(seeded_demo, seeded_at=datetime.now(UTC) - timedelta(hours=1))
    app = build(demo_copy(an_hour_ago, tmp_path / "late"))
    try:
        behind = datetime.now(UTC) - app.clock.now()
        assert timedelta(minutes=59) < behind < timedelta(minutes=61)
        assert _shop_count(app) > 0
    finally:
        app.uow.engine.dispose()


def _shop_names(app) -> list[str]:
    with app.uow.read() as conn:
        return list(conn.execute(select(shops.c.name).order_by(shops.c.id)).scalars())


def test_each_copy_is_its_own_database(seeded_demo, tmp_path):
    first = build(demo_copy(seeded_demo, tmp_path / "a"))
    second = build(demo_copy(seeded_demo, tmp_path / "b"))
    try:
        names = _shop_names(second)
        with first.uow.begin() as conn:
            conn.execute(shops.update().values(name="改名测试"))
        assert set(_shop_names(first)) == {"改名测试"} and _shop_names(second) == names
        assert "改名测试" not in names
    finally:
        first.uow.engine.dispose()
        second.uow.engine.dispose()
