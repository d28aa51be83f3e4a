"""Demo warehouses: the flower shop digitises its two warehouses (Kunming flower base first,
Shanghai front warehouse second) with EAN-13 barcodes and lots of cut flowers that expire in a
few days; a low-stock alert; and a flash deal in its live room tonight."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.bootstrap import App
from pledge.catalog.tables import skus
from pledge.flash import services as flash
from pledge.inventory import services as inventory
from pledge.kernel.clock import local_time

FLOWER_SHOP = 0  # index in the seeded shops


def barcode_for(sku_id: int) -> str:
    first12 = f"69{sku_id:010d}"
    return first12 + str(inventory.ean13_check_digit(first12))


def seed_warehouse(app: App, shops: list[dict], now: datetime) -> int:
    shop = shops[FLOWER_SHOP]
    owner, shop_id = shop["owner"], shop["shop_id"]
    today = local_time(now, "Asia/Shanghai").date()
    with app.uow.begin() as conn:
        kunming = inventory.create_warehouse(
            conn, owner, shop_id=shop_id, code="KM", name="昆明斗南花卉仓", city="昆明", priority=1, at=now
        )
        shanghai = inventory.create_warehouse(
            conn, owner, shop_id=shop_id, code="SH", name="上海前置仓", city="上海", priority=2, at=now
        )
        rows = conn.execute(
            select(skus.c.id, skus.c.stock).where(skus.c.shop_id == shop_id).order_by(skus.c.id)
        ).all()
        for n, row in enumerate(rows):
            inventory.set_barcode(conn, owner, row.id, barcode_for(row.id))
            if row.stock < 4:
                continue
            near, far = row.stock // 4, row.stock // 2  # the rest stays for orders already paid
            inventory.open_balance(
                conn,
                owner,
                kunming,
                [
                    inventory.ReceiptLine(row.id, near, f"KM{today:%m%d}A", today + timedelta(days=2)),
                    inventory.ReceiptLine(row.id, far, f"KM{today:%m%d}B", today + timedelta(days=5)),
                ],
                at=now,
            )
            if n == 0:
                inventory.open_balance(
                    conn,
                    owner,
                    shanghai,
                    [
                        inventory.ReceiptLine(
                            row.id, row.stock // 8, f"SH{today:%m%d}", today + timedelta(days=3)
                        )
                    ],
                    at=now,
                )
            inventory.set_low_stock(conn, owner, kunming, row.id, 30 if n else 20)
        _flash_deal_tonight(conn, shop, rows[0].id, now)
    return len(rows)


def _flash_deal_tonight(conn: Connection, shop: dict, sku_id: int, now: datetime) -> None:
    """A two-hour flash deal in the live room from 20:00 tonight (from now, if that is later)."""
    evening = local_time(now, "Asia/Shanghai").replace(hour=20, minute=0, second=0, microsecond=0)
    starts = evening if evening > local_time(now, "Asia/Shanghai") else local_time(now, "Asia/Shanghai")
    flash.create_deal(
        conn,
        shop["owner"],
        flash.NewDeal(
            shop["shop_id"],
            sku_id,
            990,
            30,
            2,
            starts.astimezone(now.tzinfo),
            starts.astimezone(now.tzinfo) + timedelta(hours=2),
            "直播间秒杀 · 向日葵 9.9元",
            shop["live_id"],
        ),
        at=now,
    )
