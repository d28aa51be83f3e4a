"""Warehouse API: pick waves, the pack station's scans, labels (PDF) and the carrier handover."""

from fastapi.responses import Response
from pydantic import BaseModel

from pledge.accounts.services import Actor
from pledge.inventory.model import ParcelStatus
from pledge.kernel.errors import Conflict
from pledge.warehouse import labels
from pledge.warehouse import services as warehouse
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.warehouse import (
    HandoverOut,
    LabelOut,
    PackReportOut,
    ParcelOut,
    PickedOut,
    WaveOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.downloads import pdf
from pledge.web.types import Barcode, Carrier, PathId

router = ApiModuleRouter(tags=["warehouse"])


class ScanIn(BaseModel):
    barcode: Barcode


class LabelIn(BaseModel):
    carrier: Carrier = "sf"


def _parcel(conn, actor: Actor, parcel_id: int) -> dict:
    row = warehouse.own_parcel(conn, actor, parcel_id)
    return dict(row._mapping, contents=warehouse.parcel_contents(conn, parcel_id))


@router.post(
    "/warehouses/{warehouse_id}/waves",
    status_code=201,
    summary="Allocate the shop's paid orders and gather this warehouse's parcels into a pick wave",
    responses={201: {"model": WaveOut}},
)
def create_wave(warehouse_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        wave_id = warehouse.create_wave(conn, actor, warehouse_id, at=app.clock.now())
        return warehouse.pick_list(conn, actor, wave_id)


@router.get(
    "/waves/{wave_id}",
    summary="A wave's pick list (per SKU and lot, earliest expiry first) and parcels",
    responses={200: {"model": WaveOut}},
)
def wave(wave_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return warehouse.pick_list(conn, actor, wave_id)


@router.post(
    "/waves/{wave_id}/picked",
    summary="The wave is picked: its parcels go to the pack station",
    responses={200: {"model": PickedOut}},
)
def picked(wave_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {
            "wave_id": wave_id,
            "parcels": warehouse.confirm_picked(conn, actor, wave_id, at=app.clock.now()),
        }


@router.get(
    "/waves/{wave_id}/labels.pdf",
    summary="Every label of the wave in one PDF (batch printing)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A PDF"}},
)
def wave_labels(wave_id: PathId, app: AppDep, actor: ApiActor) -> Response:
    with app.uow.read() as conn:
        return pdf(labels.wave_labels_pdf(conn, actor, wave_id), f"wave-{wave_id}-labels.pdf")


@router.get(
    "/parcels/{parcel_id}",
    summary="A parcel: what it must hold and what was scanned",
    responses={200: {"model": ParcelOut}},
)
def parcel(parcel_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return _parcel(conn, actor, parcel_id)


@router.post(
    "/parcels/{parcel_id}/scans",
    summary="Scan one unit at the pack station (EAN-13)",
    responses={200: {"model": ParcelOut}},
)
def scan(parcel_id: PathId, body: ScanIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        blocked = warehouse.scan(conn, actor, parcel_id, body.barcode, at=app.clock.now())
    if blocked is not None:  # recorded (and counted) before it is reported
        raise Conflict(blocked.message, blocked=blocked.kind)
    with app.uow.read() as conn:
        return _parcel(conn, actor, parcel_id)


@router.post(
    "/parcels/{parcel_id}/label",
    summary="The carrier assigns a waybill to a packed parcel of a paid order",
    responses={200: {"model": LabelOut}},
)
def label(parcel_id: PathId, app: AppDep, actor: ApiActor, body: LabelIn | None = None) -> dict:
    with app.uow.begin() as conn:
        outcome = warehouse.label(
            conn, actor, parcel_id, carrier=(body or LabelIn()).carrier, at=app.clock.now()
        )
    if isinstance(outcome, warehouse.Blocked):
        raise Conflict(outcome.message, blocked=outcome.kind)
    return {
        "parcel_id": parcel_id,
        "tracking_no": outcome,
        "label_url": f"/api/v1/parcels/{parcel_id}/label.pdf",
    }


@router.get(
    "/parcels/{parcel_id}/label.pdf",
    summary="The parcel's shipping label with the waybill's Code128 barcode",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A PDF"}},
)
def label_pdf(parcel_id: PathId, app: AppDep, actor: ApiActor) -> Response:
    with app.uow.read() as conn:
        return pdf(labels.parcel_label_pdf(conn, actor, parcel_id), f"parcel-{parcel_id}-label.pdf")


@router.post(
    "/parcels/{parcel_id}/handover",
    summary="The carrier picks the parcel up (pickup scan); ships the order",
    responses={200: {"model": HandoverOut}},
)
def handover(parcel_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        shipment_id = warehouse.hand_over(conn, actor, parcel_id, at=app.clock.now())
    return {"parcel_id": parcel_id, "shipment_id": shipment_id, "status": ParcelStatus.HANDED_OVER.value}


@router.get(
    "/shops/{shop_id}/pack-report",
    summary="Scans and the errors the pack station blocked",
    responses={200: {"model": PackReportOut}},
)
def pack_report(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return warehouse.pack_report(conn, actor, shop_id)
