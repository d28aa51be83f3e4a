"""Bulk operations for an ERP: the orders' change feed, stock set for many SKUs, many orders
shipped. A batch is per item, not atomic: each item runs the same use case as its single
operation (catalog.set_stock, fulfilment.ship_order) in a transaction of its own, so an item is
written whole or not at all, and one item's refusal never undoes another's. The answer holds one
result per item, in the request's order; a refused item carries its problem (status, code,
detail). A batch over its limit, an empty one, or one naming a SKU or an order twice is refused
whole (422) before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from pledge.bootstrap import App
from pledge.catalog import services as catalog
from pledge.fulfilment.services import ship_order, shipped_with
from pledge.integrations import changes
from pledge.kernel.errors import DomainError, InvalidInput
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.bulk import OrderChangesOut, ShipBatchOut, StockBatchOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Carrier, Id, PathId, StockLevel, TrackingNo

router = ApiModuleRouter(tags=["bulk"])
MAX_STOCK_ITEMS = 500
MAX_SHIP_ITEMS = 200
FEED_PAGE = 100
T = TypeVar("T")


class StockItemIn(BaseModel):
    sku_id: Id
    quantity: StockLevel


class StockBatchIn(BaseModel):
    items: list[StockItemIn] = Field(min_length=1, max_length=MAX_STOCK_ITEMS)


class ShipItemIn(BaseModel):
    order_id: Id
    carrier: Carrier
    waybill: TrackingNo


class ShipBatchIn(BaseModel):
    items: list[ShipItemIn] = Field(min_length=1, max_length=MAX_SHIP_ITEMS)


def _refuse_duplicates(ids: Iterable[int], what: str) -> None:
    seen: set[int] = set()
    twice = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if twice:
        raise InvalidInput(f"items: {what} {', '.join(map(str, twice))} named more than once; name each once")


def _problem(exc: DomainError) -> dict:
    return {"status": exc.status, "code": exc.code, "title": exc.title, "detail": exc.detail}


def _each(app: App, work: Callable[..., dict], key: str, items: list[T]) -> dict:
    """Every item's work in a transaction of its own; one result per item and the totals."""
    results = []
    for item in items:
        try:
            with app.uow.begin() as conn:
                results.append(work(conn, item))
        except DomainError as exc:
            results.append({key: getattr(item, key), "result": "problem", "problem": _problem(exc)})
    failed = sum(1 for r in results if r["result"] == "problem")
    return {"results": results, "ok": len(results) - failed, "failed": failed}


@router.get(
    "/orders/changes",
    summary="The shop's order changes after the cursor, oldest first, with the next cursor",
    responses={200: {"model": OrderChangesOut}},
)
def order_changes(
    app: AppDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=changes.CURSOR_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=changes.LIMIT_MAX)] = FEED_PAGE,
    shop_id: PathId | None = None,
) -> dict:
    secrets = (app.settings.secret_key, app.settings.secret_key_previous)
    with app.uow.read() as conn:
        page = changes.changes_since(
            conn, actor, shop_id=shop_id, cursor=cursor, limit=limit, secrets=secrets
        )
    return {"changes": page.changes, "next_cursor": page.next_cursor, "more": page.more}


@router.put(
    "/stock",
    summary=f"Set the stock of up to {MAX_STOCK_ITEMS} SKUs; one result per item (per item, not atomic)",
    responses={200: {"model": StockBatchOut}},
)
def put_stock(body: StockBatchIn, app: AppDep, actor: ApiActor) -> dict:
    _refuse_duplicates((i.sku_id for i in body.items), "SKU")

    def set_one(conn, item: StockItemIn) -> dict:
        catalog.set_stock(conn, actor, sku_id=item.sku_id, stock=item.quantity)
        return {"sku_id": item.sku_id, "result": "ok", "stock": item.quantity}

    return _each(app, set_one, "sku_id", body.items)


@router.post(
    "/orders/ship",
    summary=f"Ship up to {MAX_SHIP_ITEMS} orders; one result per order (per item, not atomic)",
    responses={200: {"model": ShipBatchOut}},
)
def post_ship(body: ShipBatchIn, app: AppDep, actor: ApiActor) -> dict:
    _refuse_duplicates((i.order_id for i in body.items), "order")
    at = app.clock.now()

    def ship_one(conn, item: ShipItemIn) -> dict:
        found = shipped_with(
            conn, actor, order_id=item.order_id, carrier=item.carrier, tracking_no=item.waybill
        )
        if found is not None:
            return {"order_id": item.order_id, "result": "already_shipped", "shipment_id": found}
        shipment_id = ship_order(
            conn, actor, order_id=item.order_id, carrier=item.carrier, tracking_no=item.waybill, at=at
        )
        return {"order_id": item.order_id, "result": "shipped", "shipment_id": shipment_id}

    return _each(app, ship_one, "order_id", body.items)
