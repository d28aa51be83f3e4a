"""The rows of an order and of a shipment carry their parent's shop (issue 19, docs/scaling.md,
migration 0046): the composite foreign key (shop_id, parent id) → parent (shop_id, id) refuses a
row whose shop disagrees with its parent's, and the migration fills the column from the parent,
refuses orphans, and comes back down and up again with the data intact. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from pledge.fulfilment.tables import shipments, tracking_events, waybills
from pledge.migrate import alembic_config, upgrade
from pledge.orders.tables import order_events, order_lines, orders

SHIPMENT_ROWS = (tracking_events, waybills)


def _shipped_order(world) -> tuple[int, int, int]:
    """(order id, its shop, another shop): a paid order shipped under a tracked waybill."""
    shop_id, owner = world.shop()
    other_shop, _ = world.shop("另一家花店")
    order_id = world.paid_order(world.user(), world.product(owner, shop_id))
    world.ship(owner, order_id)
    return order_id, shop_id, other_shop


def test_an_order_event_of_another_shop_is_refused(app, world):
    order_id, shop_id, other_shop = _shipped_order(world)
    event = {"order_id": order_id, "at": world.now, "kind": "note", "detail": "{}"}
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        c.execute(order_events.insert().values(**event, shop_id=other_shop))
    with app.uow.begin() as c:
        c.execute(order_events.insert().values(**event, shop_id=shop_id))


def test_a_tracking_event_of_another_shop_is_refused(app, world):
    order_id, _, other_shop = _shipped_order(world)
    with app.uow.read() as c:
        shipment = c.execute(select(shipments).where(shipments.c.order_id == order_id)).one()
    scan = {"shipment_id": shipment.id, "kind": "in_transit", "occurs_at": world.now, "location": ""}
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        c.execute(tracking_events.insert().values(**scan, shop_id=other_shop, applied=False))


def _shops(url: str) -> dict[str, set]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {
                t.name: set(c.execute(select(t.c.shop_id).distinct()).scalars())
                for t in (order_lines, order_events, shipments, *SHIPMENT_ROWS)
            }
    finally:
        engine.dispose()


def test_the_migration_fills_the_shop_from_the_parent_and_comes_back(app, world, db_url):
    _, shop_id, _ = _shipped_order(world)
    before = _shops(db_url)
    assert all(shops == {shop_id} for shops in before.values()), before
    app.uow.engine.dispose()

    command.downgrade(alembic_config(db_url), "0045")
    engine = create_engine(db_url)
    try:
        assert "shop_id" not in {col["name"] for col in inspect(engine).get_columns("order_lines")}
    finally:
        engine.dispose()
    upgrade(db_url)
    assert _shops(db_url) == before


def test_the_migration_refuses_a_row_without_its_order(app, world, db_url):
    order_id, _, _ = _shipped_order(world)
    app.uow.engine.dispose()
    command.downgrade(alembic_config(db_url), "0045")
    engine = create_engine(db_url)  # plain connection: on SQLite, foreign keys unchecked
    try:
        with engine.begin() as c:
            if engine.dialect.name == "postgresql":
                c.execute(text("SET LOCAL session_replication_role = replica"))  # no FK triggers
            c.execute(
                text("UPDATE order_events SET order_id = :gone WHERE order_id = :id"),
                {"gone": order_id + 1000, "id": order_id},
            )
    finally:
        engine.dispose()
    with pytest.raises(RuntimeError, match="of order_events have no orders row"):
        upgrade(db_url)
    engine = create_engine(db_url)
    try:
        assert "shop_id" not in {col["name"] for col in inspect(engine).get_columns("order_lines")}
        with engine.connect() as c:
            assert c.execute(select(orders.c.id)).scalars().all() == [order_id]
    finally:
        engine.dispose()
