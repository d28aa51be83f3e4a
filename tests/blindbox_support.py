"""Builders for blind-box tests: the Kunming florist's flower-seed surprise box (花种盲盒)."""

from __future__ import annotations

from sqlalchemy import select

from pledge.blindboxes import services as blindboxes
from pledge.blindboxes.model import BoxItem, BoxSeries, BoxType
from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.promises.model import Promise

SEED_BOX = BoxSeries(
    BoxType.SEEDS.value,
    True,
    6,
    (
        BoxItem("向日葵种子", 4000, 500, 400),
        BoxItem("波斯菊种子", 3500, 600, 350),
        BoxItem("满天星种子", 2400, 800, 240),
        BoxItem("蓝色绣球种子（隐藏款）", 100, 3000, 10, hidden=True),
    ),
)


def list_seed_box(
    world, owner, shop_id: int, *, price_fen: int = 1990, stock: int = 100, series=SEED_BOX
) -> int:
    """A blind-box product with one SKU; returns the SKU id."""
    cmd = catalog.NewProduct(
        shop_id,
        world.category(),
        "花种盲盒 四季花种惊喜盒",
        Promise.parse("48h"),
        [catalog.NewSku("一盒", price_fen, stock)],
        blind_box=True,
    )
    with world.app.uow.begin() as c:
        product_id = blindboxes.list_product(
            c, owner, cmd, series, book=world.app.rulebook, at=world.now, guards=world.app.listing_guards
        )
        return c.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalar_one()
