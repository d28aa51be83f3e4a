"""Inventory: receipts into lots, FEFO allocation, allocation strategies and split parcels,
adjustments and counts with an audit trail (never below zero), low-stock alerts, release of a
cancelled order's units. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.inventory import services as inventory
from pledge.inventory.tables import allocations, parcels, stock_lots, stock_movements
from pledge.kernel.errors import IllegalTransition, InvalidInput, NotFound
from pledge.orders.model import OrderStatus
from pledge.orders.services import transition
from tests.e2e.conftest import snapshot
from tests.support import World


def ean13(n: int) -> str:
    """A valid EAN-13 from a number (a Chinese 69 prefix, then the check digit)."""
    first12 = f"69{n:010d}"
    return first12 + str(inventory.ean13_check_digit(first12))


class Stock:
    """A shop with warehouses and barcoded SKUs whose sellable stock starts at zero: units come
    in through receipts, as in a real warehouse."""

    def __init__(self, world: World, houses: tuple[tuple[str, int], ...] = (("KM", 1),)) -> None:
        self.world, self.app = world, world.app
        self.shop_id, self.owner = world.shop()
        with self.app.uow.begin() as c:
            self.houses = [
                inventory.create_warehouse(
                    c,
                    self.owner,
                    shop_id=self.shop_id,
                    code=code,
                    name=f"{code}仓",
                    city="昆明",
                    priority=prio,
                    at=world.now,
                )
                for code, prio in houses
            ]

    def sku(self, barcode_no: int, title: str = "A级向日葵 12枝", price_fen: int = 1990, **flags) -> int:
        sku_id = self.world.product(
            self.owner, self.shop_id, stock=0, title=title, price_fen=price_fen, **flags
        )
        with self.app.uow.begin() as c:
            inventory.set_barcode(c, self.owner, sku_id, ean13(barcode_no))
        return sku_id

    def receive(
        self, house: int, sku_id: int, quantity: int, lot: str = "", expires: date | None = None
    ) -> int:
        with self.app.uow.begin() as c:
            return inventory.receive(
                c,
                self.owner,
                self.houses[house],
                [inventory.ReceiptLine(sku_id, quantity, lot, expires)],
                at=self.world.now,
            )[0]

    def allocate(self, order_id: int) -> list[int]:
        with self.app.uow.begin() as c:
            return inventory.allocate_order(c, order_id, at=self.world.now)


def sellable(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar_one()


def lots(app, sku_id: int) -> dict[str, int]:
    with app.uow.read() as c:
        return {
            r.lot_code: r.quantity for r in c.execute(select(stock_lots).where(stock_lots.c.sku_id == sku_id))
        }


def allocated(app, order_id: int) -> list[tuple]:
    """(warehouse index order, lot code, units) per allocation of the order."""
    with app.uow.read() as c:
        return [
            tuple(r)
            for r in c.execute(
                select(parcels.c.warehouse_id, stock_lots.c.lot_code, allocations.c.quantity)
                .join(parcels, parcels.c.id == allocations.c.parcel_id)
                .join(stock_lots, stock_lots.c.id == allocations.c.lot_id)
                .where(parcels.c.order_id == order_id)
                .order_by(allocations.c.id)
            )
        ]


@pytest.mark.parametrize(
    "code, ok",
    [
        ("6901234567892", True),
        ("6901234567891", False),
        ("690123456789", False),
        ("69012345678a2", False),
        ("", False),
        ("4006381333931", True),
    ],
)
def test_ean13_check_digit(code, ok):
    if ok:
        assert inventory.valid_ean13(code) == code
    else:
        with pytest.raises(InvalidInput):
            inventory.valid_ean13(code)


def test_receipt_adds_a_lot_and_sellable_stock(app, world):
    s = Stock(world)
    sku = s.sku(1)
    s.receive(0, sku, 30, "L1", date(2026, 9, 5))
    assert sellable(app, sku) == 30 and lots(app, sku) == {"L1": 30}
    with app.uow.read() as c:
        assert [(m.kind, m.delta, m.actor_id) for m in c.execute(select(stock_movements))] == [
            ("receipt", 30, s.owner.user_id)
        ]


def test_fefo_allocation_takes_the_earliest_expiry_first_and_skips_expired_lots(app, world, clock):
    s = Stock(world)
    sku = s.sku(2, perishable=True)
    s.receive(0, sku, 5, "LATE", date(2026, 9, 9))
    s.receive(0, sku, 4, "NOEXP", None)
    s.receive(0, sku, 3, "SOON", date(2026, 9, 3))
    s.receive(0, sku, 2, "GONE", date(2026, 8, 31))  # expired before today (2026-09-01 in Shanghai)
    order = world.paid_order(world.user(), sku, 9)
    s.allocate(order)
    assert [(lot, units) for _, lot, units in allocated(app, order)] == [
        ("SOON", 3),
        ("LATE", 5),
        ("NOEXP", 1),
    ]
    assert lots(app, sku) == {"LATE": 0, "NOEXP": 3, "SOON": 0, "GONE": 2}
    assert s.allocate(order) == s.allocate(order)  # allocating again keeps the parcel
    assert lots(app, sku)["NOEXP"] == 3


def test_priority_strategy_splits_a_line_across_warehouses_into_two_parcels(app, world):
    s = Stock(world, (("SH", 2), ("KM", 1)))  # KM first by priority
    sku = s.sku(3)
    s.receive(0, sku, 10, "SH1")
    s.receive(1, sku, 4, "KM1")
    order = world.paid_order(world.user(), sku, 6)
    parcel_ids = s.allocate(order)
    assert len(parcel_ids) == 2
    assert allocated(app, order) == [(s.houses[1], "KM1", 4), (s.houses[0], "SH1", 2)]


def test_most_stock_strategy_prefers_the_fuller_warehouse(app, world):
    s = Stock(world, (("SH", 2), ("KM", 1)))
    sku = s.sku(4)
    s.receive(0, sku, 10, "SH1")
    s.receive(1, sku, 4, "KM1")
    with app.uow.begin() as c:
        inventory.set_strategy(c, s.owner, s.shop_id, "most_stock")
    order = world.paid_order(world.user(), sku, 6)
    assert len(s.allocate(order)) == 1
    assert allocated(app, order) == [(s.houses[0], "SH1", 6)]


def test_an_unpaid_order_is_not_allocated(app, world):
    s = Stock(world)
    sku = s.sku(5)
    s.receive(0, sku, 10)
    placed = world.place(world.user(), (sku, 1))
    before = snapshot(app)
    with pytest.raises(IllegalTransition, match="only a paid order"):
        s.allocate(placed.order_ids[0])
    assert snapshot(app) == before


def test_adjustment_below_zero_is_refused_and_changes_nothing(app, world):
    s = Stock(world)
    sku = s.sku(6)
    s.receive(0, sku, 3)
    before = snapshot(app)
    for delta, reason in ((-4, "破损"), (0, "无"), (-1, "  ")):
        with pytest.raises(InvalidInput):
            with app.uow.begin() as c:
                inventory.adjust(c, s.owner, s.houses[0], sku, delta, reason=reason, at=world.now)
        assert snapshot(app) == before
    world.paid_order(world.user(), sku, 2)  # sold: 3 in the warehouse, 1 still for sale
    before = snapshot(app)
    with pytest.raises(InvalidInput, match="still for sale"):
        with app.uow.begin() as c:
            inventory.adjust(c, s.owner, s.houses[0], sku, -2, reason="破损", at=world.now)
    assert snapshot(app) == before
    with pytest.raises(InvalidInput, match="zero or more"):
        with app.uow.begin() as c:
            inventory.count(c, s.owner, s.houses[0], sku, -1, at=world.now)
    assert snapshot(app) == before


def test_adjustments_and_counts_change_both_layers_with_an_audit_trail(app, world):
    s = Stock(world)
    sku = s.sku(7)
    s.receive(0, sku, 10, "L1", date(2026, 9, 10))
    s.receive(0, sku, 5, "L0", date(2026, 9, 4))
    with app.uow.begin() as c:
        assert inventory.adjust(c, s.owner, s.houses[0], sku, -6, reason="运输破损", at=world.now) == 9
        assert inventory.count(c, s.owner, s.houses[0], sku, 12, at=world.now, reason="月末盘点") == 12
    assert sellable(app, sku) == 12
    assert lots(app, sku) == {"L1": 9, "L0": 0, "ADJ20260901": 3}  # removals came from the earliest expiry
    with app.uow.read() as c:
        trail = [
            (m.kind, m.delta, m.reason)
            for m in c.execute(select(stock_movements).order_by(stock_movements.c.id))
        ]
    assert trail[2:] == [
        ("adjustment", -5, "运输破损"),
        ("adjustment", -1, "运输破损"),
        ("count", 3, "月末盘点"),
    ]


def test_low_stock_alert(app, world):
    s = Stock(world)
    a, b = s.sku(8), s.sku(9, title="玫瑰")
    s.receive(0, a, 3)
    s.receive(0, b, 30)
    with app.uow.begin() as c:
        inventory.set_low_stock(c, s.owner, s.houses[0], a, 5)
        inventory.set_low_stock(c, s.owner, s.houses[0], b, 5)
    with app.uow.read() as c:
        assert [r["sku_id"] for r in inventory.low_stock(c, s.owner, s.shop_id)] == [a]


def test_another_shop_cannot_touch_the_warehouse(app, world):
    s = Stock(world)
    sku = s.sku(10)
    _, stranger = world.shop("别家")
    before = snapshot(app)
    with pytest.raises(NotFound):
        with app.uow.begin() as c:
            inventory.receive(c, stranger, s.houses[0], [inventory.ReceiptLine(sku, 5)], at=world.now)
    assert snapshot(app) == before


def test_a_cancelled_order_gives_its_units_back_once(app, world):
    s = Stock(world)
    sku = s.sku(11)
    s.receive(0, sku, 5, "L1")
    order = world.paid_order(world.user(), sku, 2)
    s.allocate(order)
    assert lots(app, sku) == {"L1": 3}
    with app.uow.begin() as c:
        transition(c, order, OrderStatus.PAID.value, OrderStatus.CANCELLED, cancelled_at=world.now)
    with app.uow.begin() as c:
        assert inventory.release_cancelled(c, now=world.now) == 1
    with app.uow.begin() as c:
        assert inventory.release_cancelled(c, now=world.now) == 0
    assert lots(app, sku) == {"L1": 5}
    with app.uow.read() as c:
        assert (
            c.execute(select(parcels.c.status).where(parcels.c.order_id == order)).scalar_one() == "released"
        )
