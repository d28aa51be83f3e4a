"""The merchant's inventory page: warehouses, stock per warehouse with low-stock alerts, the
pack report and recent waves; forms for warehouses, receipts and adjustments."""

from __future__ import annotations

from fastapi import Request

from pledge.catalog import queries as catalog_queries
from pledge.inventory import services as inventory
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import InvalidInput
from pledge.warehouse import services as warehouse
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text, required_number, whole_number
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import LotCode, OptionalName, PathId, Reason

router = PageRouter()


@router.get("/merchant/warehouse")
def warehouse_home_default(request: Request):
    return first_shop(request, "warehouse")


@router.get("/merchant/shops/{shop_id}/warehouse")
def warehouse_home(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        stock = inventory.shop_stock(conn, actor, shop_id)
        warehouses = inventory.shop_warehouses(conn, actor, shop_id)
        waves = warehouse.shop_waves(conn, actor, shop_id)
        report = warehouse.pack_report(conn, actor, shop_id)
        strategy = inventory.strategy_of(conn, shop_id)
        sku_catalog = catalog_queries.shop_catalog(conn, actor, shop_id)
    return render(
        request,
        "warehouse_home.html",
        shop_id=shop_id,
        warehouses=warehouses,
        stock=stock,
        low=[r for r in stock if r["low"]],
        waves=waves,
        report=report,
        strategy=strategy,
        strategies=inventory.STRATEGIES,
        sku_catalog=sku_catalog,
    )


@router.post("/merchant/shops/{shop_id}/warehouses")
def add_warehouse(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        inventory.create_warehouse(
            conn,
            caller.actor,
            shop_id=shop_id,
            code=str(form.get("code", "")),
            name=str(form.get("name", "")),
            city=form_text(form, "city", OptionalName),
            priority=whole_number(form.get("priority"), "priority", 1),
            at=app.clock.now(),
        )
    return redirect(f"/merchant/shops/{shop_id}/warehouse")


@router.post("/merchant/warehouses/{warehouse_id}/receipts")
def add_receipt(warehouse_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    expires = str(form.get("expires_on", "")).strip()
    try:
        expires_on = parse_iso(expires + "T00:00:00+00:00").date() if expires else None
    except InvalidInput:
        raise InvalidInput(f"expiry must be a date like 2026-09-05, got {expires!r}") from None
    line = inventory.ReceiptLine(
        required_number(form.get("sku_id"), "sku_id"),
        required_number(form.get("quantity"), "quantity"),
        form_text(form, "lot_code", LotCode),
        expires_on,
    )
    with app.uow.begin() as conn:
        wh = inventory.own_warehouse(conn, caller.actor, warehouse_id)
        inventory.receive(conn, caller.actor, warehouse_id, [line], at=app.clock.now())
    return redirect(f"/merchant/shops/{wh.shop_id}/warehouse")


@router.post("/merchant/warehouses/{warehouse_id}/adjustments")
def add_adjustment(warehouse_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        wh = inventory.own_warehouse(conn, caller.actor, warehouse_id)
        inventory.adjust(
            conn,
            caller.actor,
            warehouse_id,
            required_number(form.get("sku_id"), "sku_id"),
            required_number(form.get("delta"), "delta"),
            reason=form_text(form, "reason", Reason),
            at=app.clock.now(),
        )
    return redirect(f"/merchant/shops/{wh.shop_id}/warehouse")
