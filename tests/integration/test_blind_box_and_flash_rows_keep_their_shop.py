"""A blind box's series, items and draws and a flash deal's buckets, allowances and purchases carry
their parent's shop (issue 19, docs/scaling.md, migration 0049): the composite foreign key (shop_id,
parent key) → parent (shop_id, key) refuses a row whose shop disagrees with its parent's, the
services write the parent's shop, and the migration fills the column from the parent, refuses
orphans, and comes back down and up again with the data intact. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from pledge.blindboxes.tables import blind_box_draws, blind_box_items, blind_box_series
from pledge.catalog.tables import skus
from pledge.flash import services as flash
from pledge.flash.tables import flash_allowances, flash_buckets, flash_purchases
from pledge.migrate import alembic_config, upgrade
from tests.blindbox_support import list_seed_box
from tests.integration.test_blind_boxes import ADULT

TABLES = (
    blind_box_series,
    blind_box_items,
    blind_box_draws,
    flash_buckets,
    flash_allowances,
    flash_purchases,
)


def _before_0049(db_url: str) -> str:
    """The revision 0049 follows (0047 on its own branch, whatever it is re-chained to)."""
    down = ScriptDirectory.from_config(alembic_config(db_url)).get_revision("0049").down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture
def bought(world) -> dict:
    """A shop whose blind box and flash deal were each bought once, and another shop."""
    shop_id, owner = world.shop()
    other_shop, _ = world.shop("另一家花店")
    box_sku = list_seed_box(world, owner, shop_id)
    buyer = world.user(born=ADULT)
    world.paid_order(buyer, box_sku)
    sku = world.product(owner, shop_id, stock=50)
    deal = flash.NewDeal(shop_id, sku, 990, 10, 2, world.now, world.now + timedelta(hours=1), "秒杀")
    with world.app.uow.begin() as c:
        deal_id = flash.create_deal(c, owner, deal, at=world.now)
        flash.buy(
            c, buyer, deal_id, at=world.now, pay_window=world.app.pay_window, guards=world.app.sale_guards
        )
    return {"shop_id": shop_id, "other": other_shop, "owner": owner, "buyer": buyer}


def _shops(url: str) -> dict[str, set]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {t.name: set(c.execute(select(t.c.shop_id).distinct()).scalars()) for t in TABLES}
    finally:
        engine.dispose()


def test_the_services_write_the_parent_s_shop(app, db_url, bought):
    assert _shops(db_url) == {t.name: {bought["shop_id"]} for t in TABLES}


def _first(app, table) -> dict:
    """A row the services wrote, without its generated id: the base of a second row."""
    with app.uow.read() as c:
        row = dict(c.execute(select(table).limit(1)).one()._mapping)
    row.pop("id", None)
    return row


def _refused_in_another_shop_then_accepted(app, table, row: dict, bought: dict) -> None:
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        c.execute(table.insert().values(**{**row, "shop_id": bought["other"]}))
    with app.uow.begin() as c:  # the same row in its parent's shop is accepted
        c.execute(table.insert().values(**{**row, "shop_id": bought["shop_id"]}))


def test_a_series_of_another_shop_than_its_product_is_refused(app, world, bought):
    sku = world.product(bought["owner"], bought["shop_id"])
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    row = {**_first(app, blind_box_series), "product_id": product_id}
    _refused_in_another_shop_then_accepted(app, blind_box_series, row, bought)


def test_an_item_of_another_shop_than_its_series_is_refused(app, bought):
    row = {**_first(app, blind_box_items), "position": 99}
    _refused_in_another_shop_then_accepted(app, blind_box_items, row, bought)


def test_a_draw_of_another_shop_than_its_order_is_refused(app, bought):
    row = {**_first(app, blind_box_draws), "unit": 99}
    _refused_in_another_shop_then_accepted(app, blind_box_draws, row, bought)


def test_a_bucket_of_another_shop_than_its_deal_is_refused(app, bought):
    row = {**_first(app, flash_buckets), "bucket": 99}
    _refused_in_another_shop_then_accepted(app, flash_buckets, row, bought)


def test_an_allowance_of_another_shop_than_its_deal_is_refused(app, world, bought):
    row = {**_first(app, flash_allowances), "buyer_id": world.user().user_id}
    _refused_in_another_shop_then_accepted(app, flash_allowances, row, bought)


def test_a_purchase_of_another_shop_than_its_deal_is_refused(app, world, bought):
    order_id = world.paid_order(world.user(), world.product(bought["owner"], bought["shop_id"]))
    row = {**_first(app, flash_purchases), "order_id": order_id}
    _refused_in_another_shop_then_accepted(app, flash_purchases, row, bought)


def test_the_migration_fills_the_shop_from_the_parent_and_comes_back(app, db_url, bought):
    before = _shops(db_url)
    app.uow.engine.dispose()

    command.downgrade(alembic_config(db_url), _before_0049(db_url))
    engine = create_engine(db_url)
    try:
        for table in TABLES:
            assert "shop_id" not in {col["name"] for col in inspect(engine).get_columns(table.name)}
    finally:
        engine.dispose()
    upgrade(db_url)
    assert _shops(db_url) == before


def test_the_migration_refuses_an_item_without_its_series(app, db_url, bought):
    """Before 0049 an item referred to its product only: a series removed by hand leaves its items
    with no shop to take, and the upgrade stops with nothing changed."""
    app.uow.engine.dispose()
    command.downgrade(alembic_config(db_url), _before_0049(db_url))
    engine = create_engine(db_url)
    try:
        with engine.begin() as c:
            c.execute(text("DELETE FROM blind_box_series"))  # no foreign key refers to a series yet
    finally:
        engine.dispose()
    with pytest.raises(RuntimeError, match="of blind_box_items have no blind_box_series row"):
        upgrade(db_url)
    engine = create_engine(db_url)
    try:
        assert "shop_id" not in {col["name"] for col in inspect(engine).get_columns("blind_box_series")}
        with engine.connect() as c:
            assert len(c.execute(select(blind_box_items.c.id)).all()) == 4
    finally:
        engine.dispose()
