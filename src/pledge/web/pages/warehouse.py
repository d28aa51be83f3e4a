"""The merchant's warehouse pages (waves and pick lists, the pack station, labels, the carrier
handover) and the order page's live timeline, pushed with Server-Sent Events."""

from __future__ import annotations

import asyncio
import time

from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from pledge.fulfilment.carriers import CARRIERS
from pledge.kernel.errors import InvalidInput
from pledge.orders import services as orders
from pledge.orders.tables import order_events
from pledge.orders.tables import orders as orders_table
from pledge.warehouse import estimate, labels
from pledge.warehouse import services as warehouse
from pledge.web.deps import CheckedForm, PageCaller, page_caller, pledge
from pledge.web.downloads import pdf
from pledge.web.pages.routing import PageRouter
from pledge.web.pages.shopping import _order
from pledge.web.render import redirect, render, templates
from pledge.web.types import PathId

router = PageRouter()
STREAM_SECONDS = 55.0  # then the browser's EventSource reconnects by itself

templates.env.globals["delivery_estimate"] = estimate.for_order
templates.env.globals["product_estimate"] = estimate.for_product


# ---------------------------------------------------------------- live order timeline (SSE)


def _version(app, order_id: int) -> tuple:
    with app.uow.read() as conn:
        events = conn.execute(
            select(func.count(), func.max(order_events.c.id)).where(order_events.c.order_id == order_id)
        ).one()
        status = conn.execute(select(orders_table.c.status).where(orders_table.c.id == order_id)).scalar()
    return tuple(events) + (status,)


def sse(event: str, html: str) -> str:
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in html.splitlines() or [""]) + "\n"


@router.get("/orders/{order_id}/stream")
async def order_stream(order_id: PathId, request: Request, caller: PageCaller, wait: float = STREAM_SECONDS):
    """text/event-stream: the order's live fragment now, then again whenever a step happens
    (picked, packed, labelled, picked up, in transit, delivered ...)."""
    app = pledge(request)

    def authorised() -> None:
        with app.uow.read() as conn:
            orders.get_order_for(conn, caller.actor, order_id)

    await run_in_threadpool(authorised)
    wait = max(0.0, min(wait, STREAM_SECONDS))

    def fragment() -> str:
        return bytes(render(request, "_order_live.html", order=_order(request, order_id)).body).decode()

    async def events():
        last, deadline = None, time.monotonic() + wait
        while True:
            version = await run_in_threadpool(_version, app, order_id)
            if version != last:
                last = version
                yield sse("update", await run_in_threadpool(fragment))
            if time.monotonic() >= deadline or await request.is_disconnected():
                break
            await asyncio.sleep(1.0)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# ---------------------------------------------------------------- merchant: waves


@router.post("/merchant/warehouses/{warehouse_id}/waves")
def new_wave(warehouse_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        wave_id = warehouse.create_wave(conn, caller.actor, warehouse_id, at=app.clock.now())
    return redirect(f"/merchant/waves/{wave_id}")


# ---------------------------------------------------------------- waves and the pack station


@router.get("/merchant/waves/{wave_id}")
def wave_page(wave_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        picks = warehouse.pick_list(conn, actor, wave_id)
    return render(request, "warehouse_wave.html", picks=picks)


@router.post("/merchant/waves/{wave_id}/picked")
def wave_picked(wave_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        warehouse.confirm_picked(conn, caller.actor, wave_id, at=app.clock.now())
    return redirect(f"/merchant/waves/{wave_id}")


@router.get("/merchant/waves/{wave_id}/labels.pdf")
def wave_labels(wave_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        return pdf(labels.wave_labels_pdf(conn, actor, wave_id), f"wave-{wave_id}-labels.pdf")


def _pack_page(
    request: Request,
    parcel_id: int,
    *,
    message: str = "",
    kind: str = "",
    status: int = 200,
    last: str = "",
):
    actor = page_caller(request).actor
    with pledge(request).uow.read() as conn:
        parcel = warehouse.own_parcel(conn, actor, parcel_id)
        contents = warehouse.parcel_contents(conn, parcel_id)
    return render(
        request,
        "warehouse_parcel.html",
        status=status,
        parcel=parcel,
        contents=contents,
        message=message,
        kind=kind,
        last=last,
        carriers={c: a for c, a in CARRIERS.items() if a.tracked},
    )


@router.get("/merchant/parcels/{parcel_id}")
def pack_station(parcel_id: PathId, request: Request):
    return _pack_page(request, parcel_id)


@router.post("/merchant/parcels/{parcel_id}/scan")
def pack_scan(parcel_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    code = str(form.get("barcode", "")).strip()
    try:
        with app.uow.begin() as conn:
            blocked = warehouse.scan(conn, caller.actor, parcel_id, code, at=app.clock.now())
    except InvalidInput as exc:  # unknown or misread barcode: nothing recorded, the packer sees why
        return _pack_page(request, parcel_id, message=exc.detail, kind="unreadable", status=422, last=code)
    if blocked is not None:
        return _pack_page(
            request, parcel_id, message=blocked.message, kind=blocked.kind, status=409, last=code
        )
    return redirect(f"/merchant/parcels/{parcel_id}")


@router.post("/merchant/parcels/{parcel_id}/label")
def pack_label(parcel_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        outcome = warehouse.label(
            conn, caller.actor, parcel_id, carrier=str(form.get("carrier", "sf")), at=app.clock.now()
        )
    if isinstance(outcome, warehouse.Blocked):
        return _pack_page(request, parcel_id, message=outcome.message, kind=outcome.kind, status=409)
    return redirect(f"/merchant/parcels/{parcel_id}")


@router.get("/merchant/parcels/{parcel_id}/label.pdf")
def pack_label_pdf(parcel_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    with pledge(request).uow.read() as conn:
        return pdf(labels.parcel_label_pdf(conn, actor, parcel_id), f"parcel-{parcel_id}-label.pdf")


@router.post("/merchant/parcels/{parcel_id}/handover")
def pack_handover(parcel_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        warehouse.hand_over(conn, caller.actor, parcel_id, at=app.clock.now())
    return redirect(f"/merchant/parcels/{parcel_id}")
