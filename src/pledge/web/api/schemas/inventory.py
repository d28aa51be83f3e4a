"""What the inventory operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class CreateWarehouseOut(BaseModel):
    id: int


class StockOutWarehouses(BaseModel):
    id: int
    shop_id: int
    code: str
    name: str
    city: str
    priority: int
    created_at: datetime


class StockOutStock(BaseModel):
    warehouse_id: int
    code: str
    warehouse: str
    sku_id: int
    on_hand: int
    low_at: int
    sellable: int
    barcode: str
    sku_name: str
    title: str
    low: bool


class StockOut(BaseModel):
    warehouses: list[StockOutWarehouses]
    stock: list[StockOutStock]
    low_stock: list[Any]
    strategy: str


class StrategyOut(BaseModel):
    shop_id: int
    strategy: str


class BarcodeOut(BaseModel):
    sku_id: int
    barcode: str


class ReceiptOut(BaseModel):
    lot_ids: list[int]


class StockChangeOut(BaseModel):
    sku_id: int
    on_hand: int


class LowStockOut(BaseModel):
    sku_id: int
    low_at: int


class MovementsOut(BaseModel):
    id: int
    warehouse_id: int
    sku_id: int
    lot_id: int
    kind: str
    delta: int
    reason: str
    order_id: int | None
    actor_id: int | None
    at: datetime
