"""Inventory API: warehouses, receipts, adjustments and counts (audited), stock with low-stock
alerts, the shop's allocation strategy, SKU barcodes."""

from datetime import date

from pydantic import BaseModel, Field

from pledge.inventory import services as inventory
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.inventory import (
    BarcodeOut,
    CreateWarehouseOut,
    LowStockOut,
    MovementsOut,
    ReceiptOut,
    StockChangeOut,
    StockOut,
    StrategyOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import (
    Barcode,
    Code,
    Id,
    LotCode,
    Name,
    OptionalName,
    PathId,
    Priority,
    Reason,
    StockLevel,
    UnitDelta,
    Units,
    WarehouseCode,
)

router = ApiModuleRouter(tags=["inventory"])
MAX_RECEIPT_LINES = 200


class WarehouseIn(BaseModel):
    code: WarehouseCode
    name: Name
    city: OptionalName = ""
    priority: Priority = 1


class StrategyIn(BaseModel):
    strategy: Code = Field(description="priority | most_stock")


class BarcodeIn(BaseModel):
    barcode: Barcode = Field(description="EAN-13 with its check digit")


class ReceiptLineIn(BaseModel):
    sku_id: Id
    quantity: Units
    lot_code: LotCode = ""
    expires_on: date | None = None


class ReceiptIn(BaseModel):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=MAX_RECEIPT_LINES)


class AdjustmentIn(BaseModel):
    sku_id: Id
    delta: UnitDelta
    reason: Reason


class CountIn(BaseModel):
    sku_id: Id
    counted: StockLevel
    reason: Reason = "stock count"


class LowStockIn(BaseModel):
    sku_id: Id
    low_at: StockLevel


@router.post(
    "/shops/{shop_id}/warehouses",
    status_code=201,
    summary="Add a warehouse to a shop",
    responses={201: {"model": CreateWarehouseOut}},
)
def create_warehouse(shop_id: PathId, body: WarehouseIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        warehouse_id = inventory.create_warehouse(
            conn,
            actor,
            shop_id=shop_id,
            code=body.code,
            name=body.name,
            city=body.city,
            priority=body.priority,
            at=app.clock.now(),
        )
    return {"id": warehouse_id}


@router.get(
    "/shops/{shop_id}/stock",
    summary="Stock per warehouse and SKU, with low-stock alerts",
    responses={200: {"model": StockOut}},
)
def stock(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        rows = inventory.shop_stock(conn, actor, shop_id)
        return {
            "warehouses": inventory.shop_warehouses(conn, actor, shop_id),
            "stock": rows,
            "low_stock": [r for r in rows if r["low"]],
            "strategy": inventory.strategy_of(conn, shop_id),
        }


@router.put(
    "/shops/{shop_id}/allocation-strategy",
    summary="How paid lines are allocated to warehouses",
    responses={200: {"model": StrategyOut}},
)
def strategy(shop_id: PathId, body: StrategyIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        inventory.set_strategy(conn, actor, shop_id, body.strategy)
    return {"shop_id": shop_id, "strategy": body.strategy}


@router.put(
    "/skus/{sku_id}/barcode", summary="Set a SKU's EAN-13 barcode", responses={200: {"model": BarcodeOut}}
)
def barcode(sku_id: PathId, body: BarcodeIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        inventory.set_barcode(conn, actor, sku_id, body.barcode)
    return {"sku_id": sku_id, "barcode": body.barcode.strip()}


@router.post(
    "/warehouses/{warehouse_id}/receipts",
    status_code=201,
    summary="An inbound receipt: one lot per line",
    responses={201: {"model": ReceiptOut}},
)
def receipt(warehouse_id: PathId, body: ReceiptIn, app: AppDep, actor: ApiActor) -> dict:
    lines = [
        inventory.ReceiptLine(line.sku_id, line.quantity, line.lot_code, line.expires_on)
        for line in body.lines
    ]
    with app.uow.begin() as conn:
        lot_ids = inventory.receive(conn, actor, warehouse_id, lines, at=app.clock.now())
    return {"lot_ids": lot_ids}


@router.post(
    "/warehouses/{warehouse_id}/adjustments",
    summary="Adjust stock with a reason (never below zero)",
    responses={200: {"model": StockChangeOut}},
)
def adjustment(warehouse_id: PathId, body: AdjustmentIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        on_hand = inventory.adjust(
            conn, actor, warehouse_id, body.sku_id, body.delta, reason=body.reason, at=app.clock.now()
        )
    return {"sku_id": body.sku_id, "on_hand": on_hand}


@router.post(
    "/warehouses/{warehouse_id}/counts",
    summary="Record a stock count",
    responses={200: {"model": StockChangeOut}},
)
def stock_count(warehouse_id: PathId, body: CountIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        on_hand = inventory.count(
            conn, actor, warehouse_id, body.sku_id, body.counted, reason=body.reason, at=app.clock.now()
        )
    return {"sku_id": body.sku_id, "on_hand": on_hand}


@router.put(
    "/warehouses/{warehouse_id}/low-stock",
    summary="Alert when a SKU's units fall to this level",
    responses={200: {"model": LowStockOut}},
)
def low_stock(warehouse_id: PathId, body: LowStockIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        inventory.set_low_stock(conn, actor, warehouse_id, body.sku_id, body.low_at)
    return {"sku_id": body.sku_id, "low_at": body.low_at}


@router.get(
    "/warehouses/{warehouse_id}/movements",
    summary="The audit trail of a warehouse's stock",
    responses={200: {"model": list[MovementsOut]}},
)
def movements(warehouse_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return inventory.movements_of(conn, actor, warehouse_id)
