"""What the bulk (ERP) operations answer: the order change feed and one result per batch item."""

from typing import Literal

from pydantic import BaseModel


class OrderChangeOut(BaseModel):
    change_id: int
    order_id: int
    status: str  # the order's status after this change


class OrderChangesOut(BaseModel):
    changes: list[OrderChangeOut]
    next_cursor: str  # pass it back as ?cursor= for the changes after these
    more: bool  # true when more changes wait already


class ItemProblemOut(BaseModel):
    """The problem+json fields of one item's refusal."""

    status: int
    code: str
    title: str
    detail: str


class StockItemOut(BaseModel):
    sku_id: int
    result: Literal["ok", "problem"]
    stock: int | None = None
    problem: ItemProblemOut | None = None


class StockBatchOut(BaseModel):
    results: list[StockItemOut]
    ok: int
    failed: int


class ShipItemOut(BaseModel):
    order_id: int
    result: Literal["shipped", "already_shipped", "problem"]
    shipment_id: int | None = None
    problem: ItemProblemOut | None = None


class ShipBatchOut(BaseModel):
    results: list[ShipItemOut]
    ok: int
    failed: int
