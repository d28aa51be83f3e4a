"""Logistics: the carrier tracking webhook (one signed endpoint per tracked carrier), the
shop's sanctions with their reasons and clauses, the operator's fraudulent-shipping finding and
the buyer's booked delivery day (预约达)."""

from datetime import date
from typing import Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pledge.fulfilment.carriers import CARRIERS
from pledge.logistics.sanctions import shop_sanctions
from pledge.logistics.services import order_logistics, report_fraudulent_shipping
from pledge.logistics.timers import book_delivery
from pledge.logistics.webhook import carrier_secrets, receive_delivery
from pledge.orders.services import get_order_for
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.logistics import (
    BookedDeliveryOut,
    CarrierEventOut,
    FraudulentOut,
    LogisticsOut,
    SanctionsOut,
)
from pledge.web.deps import ApiActor, AppDep, RawBody, pledge
from pledge.web.types import Count, FraudNote, PathId

router = ApiModuleRouter(tags=["logistics"])

WEBHOOK_DOC = """A carrier pushes one tracking event (picked_up, in_transit, delivered, returned,
refused (the buyer refused the parcel or asked for it back), exception) as JSON: {"event_id",
"tracking_no", "kind", "occurred_at" (ISO-8601 with offset), "location"?, "origin_province"?,
"destination_province"?}. Headers: X-Pledge-Timestamp (Unix seconds, within 5 minutes of our clock)
and X-Pledge-Signature = hex HMAC-SHA256 of "{timestamp}.{body}" with the carrier's secret. 202:
stored; 200: an event id seen before, acknowledged and ignored; 401: bad signature or stale
timestamp; 404: unknown waybill; 422: an event dated before its order or older than the rulebook's
carrier-events.max-age (logged, kept aside, never applied). Nothing is applied unless the answer is
202."""


def _webhook(carrier: str):
    def receive(request: Request, body: RawBody) -> JSONResponse:
        app = pledge(request)
        result = receive_delivery(
            app.uow,
            carrier=carrier,
            secrets=carrier_secrets(app.settings, carrier),
            timestamp=request.headers.get("x-pledge-timestamp"),
            signature=request.headers.get("x-pledge-signature"),
            body=body,
            now=app.clock.now(),
            book=app.rulebook,
        )
        return JSONResponse(result, status_code=202 if result["status"] == "accepted" else 200)

    return receive


# One static route per tracked carrier (a carrier is code, not data): /carriers/sf/events ...
for _code, _carrier in CARRIERS.items():
    if _carrier.tracked:
        router.add_api_route(
            f"/carriers/{_code}/events",
            _webhook(_code),
            methods=["POST"],
            status_code=202,
            summary=f"Carrier webhook: {_carrier.name} pushes a tracking event",
            description=WEBHOOK_DOC,
            name=f"carrier_events_{_code}",
            responses={202: {"model": CarrierEventOut}, 200: {"model": CarrierEventOut}},
        )


@router.get(
    "/shops/{shop_id}/sanctions",
    summary="The shop's sanctions from daily late rates, with reason and clause",
    responses={200: {"model": SanctionsOut}},
)
def sanctions(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return shop_sanctions(conn, actor, shop_id, now=app.clock.now())


@router.get(
    "/orders/{order_id}/logistics",
    summary="Logistics-rule compensations of an order",
    responses={200: {"model": LogisticsOut}},
)
def logistics(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        get_order_for(conn, actor, order_id)
        return order_logistics(conn, order_id)


class FraudIn(BaseModel):
    finding: Literal["empty_parcel", "wrong_item", "short"]
    units_received: Count | None = None
    note: FraudNote = ""


@router.post(
    "/orders/{order_id}/fraudulent-shipping",
    status_code=201,
    summary="Operator: record an empty, wrong or more-than-half-short parcel; the buyer is compensated once",
    responses={201: {"model": FraudulentOut}},
)
def fraudulent(order_id: PathId, body: FraudIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return report_fraudulent_shipping(
            conn,
            actor,
            app.rulebook,
            order_id=order_id,
            finding=body.finding,
            units_received=body.units_received,
            note=body.note,
            at=app.clock.now(),
        )


class BookedDeliveryIn(BaseModel):
    day: date


@router.post(
    "/orders/{order_id}/booked-delivery",
    summary="Buyer: book the day the parcel arrives (预约达); delivered later, 5% (5-50 yuan) is paid once",
    responses={200: {"model": BookedDeliveryOut}},
)
def booked_delivery(order_id: PathId, body: BookedDeliveryIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        deadline = book_delivery(
            conn, actor, app.rulebook, order_id=order_id, day=body.day, at=app.clock.now()
        )
    return {"order_id": order_id, "booked_delivery_by": deadline.isoformat()}
