from typing import Annotated, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pledge.attribution.model import PRODUCT_CARD, Channel, Source
from pledge.attribution.tokens import TOKEN_MAX, verify
from pledge.bootstrap import App
from pledge.compensation import queries as compensation_queries
from pledge.fulfilment.services import ship_order
from pledge.kernel.errors import InvalidInput
from pledge.orders import queries
from pledge.orders import services as orders
from pledge.orders.model import OrderStatus
from pledge.reach.recording import EventKind, Subject
from pledge.web import live_actions
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.orders import CartOut, CheckoutOut, OrderOut, OrderSummaryOut, ShipOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Carrier, Id, PathId, Quantity, TrackingNo, Word
from pledge.web.visitors import record_for

router = ApiModuleRouter(tags=["orders"])
MAX_CHECKOUT_LINES = 100


SourceToken = Annotated[str, Field(min_length=1, max_length=TOKEN_MAX)]


class CartLineIn(BaseModel):
    sku_id: Id
    quantity: Quantity
    source_token: SourceToken | None = None  # from the room or video page the line was added on


class LineIn(BaseModel):
    sku_id: Id
    quantity: Quantity


class SourceIn(BaseModel):
    """The live room or short video the lines are bought from; what it binds is the server's."""

    kind: Literal["live_room", "short_video"]
    id: Id


class CheckoutIn(BaseModel):
    """The channel is never the buyer's to choose: it follows from `source` or `source_token`
    (both with `lines` only; cart lines carry their own), else the product card. A `channel`
    field is refused."""

    model_config = ConfigDict(extra="forbid")

    lines: list[LineIn] | None = Field(None, max_length=MAX_CHECKOUT_LINES)  # omitted: check out the cart
    coupon_id: Id | None = None
    address_id: Id | None = None  # from the caller's address book; the orders keep a copy
    source: SourceIn | None = None
    source_token: SourceToken | None = None


class ShipIn(BaseModel):
    carrier: Carrier
    tracking_no: TrackingNo


def _source(app: App, body: CheckoutIn) -> Source:
    if body.source is not None and body.source_token is not None:
        raise InvalidInput("send a source or a source token, not both")
    if body.lines is None and (body.source is not None or body.source_token is not None):
        raise InvalidInput("a source goes with `lines`; cart lines carry the source they were added from")
    if body.source is not None:
        return Source(Channel(body.source.kind), body.source.id)
    if body.source_token is not None:
        return verify(app.source_secrets, body.source_token, now=app.clock.now())
    return PRODUCT_CARD


def placed_response(app, placed: orders.PlacedCheckout) -> JSONResponse:
    """201 with the placed checkout (CheckoutOut): ids, amounts and text, which JSON encodes as
    they are, so the answer is sent as it is, without FastAPI's serialize_response pass over it
    (4.2 % of a checkout request's interpreter samples under py-spy, though not measurable in the
    benchmark's CPU per order; docs/benchmarks.md)."""
    return JSONResponse(
        {
            "checkout_id": placed.checkout_id,
            "order_ids": list(placed.order_ids),
            "total_fen": placed.total_fen,
            "payment": {
                "provider": app.payments.name,
                "ref": placed.payment_ref,
                "pay_url": app.payments.checkout_url(placed.payment_ref, placed.total_fen),
            },
        },
        status_code=201,
    )


@router.get("/cart", responses={200: {"model": CartOut}})
def get_cart(app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        lines = orders.cart_lines_for(conn, actor.user_id, secrets=app.source_secrets, now=app.clock.now())
    return {
        "lines": [
            {
                "sku_id": line.sku_id,
                "quantity": line.quantity,
                "source": {"kind": line.source.channel.value, "id": line.source.id},
            }
            for line in lines
        ]
    }


@router.post("/cart/lines", status_code=201, responses={201: {"model": CartOut}})
def add_cart_line(body: CartLineIn, app: AppDep, actor: ApiActor) -> dict:
    now = app.clock.now()
    source = (
        PRODUCT_CARD if body.source_token is None else verify(app.source_secrets, body.source_token, now=now)
    )
    with app.uow.begin() as conn:
        product_id = orders.add_to_cart(
            conn,
            actor,
            orders.LineRequest(body.sku_id, body.quantity, source),
            at=now,
            source_token=body.source_token,
        )
    record_for(app, actor.user_id, EventKind.CART, [(Subject.PRODUCT, product_id)])
    return get_cart(app, actor)


@router.delete("/cart/lines/{sku_id}", responses={200: {"model": CartOut}})
def remove_cart_line(sku_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        orders.remove_from_cart(conn, actor, sku_id)
    return get_cart(app, actor)


@router.post(
    "/checkout",
    status_code=201,
    summary="Place orders (one per shop) and open one payment",
    responses={201: {"model": CheckoutOut}},
    # Ids and text only: no response model to validate, which for a `def` handler is one more
    # trip to the thread pool (docs/benchmarks.md).
    response_model=None,
)
def checkout(body: CheckoutIn, app: AppDep, actor: ApiActor) -> JSONResponse:
    source = _source(app, body)
    with app.uow.begin() as conn:
        if body.lines is None:
            placed = orders.checkout_cart(
                conn,
                actor,
                at=app.clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
                coupon_id=body.coupon_id,
                sources=app.sources,
                secrets=app.source_secrets,
                address_id=body.address_id,
            )
        else:
            if not body.lines:
                raise InvalidInput("the order has no lines")
            lines = [orders.LineRequest(line.sku_id, line.quantity, source) for line in body.lines]
            placed = orders.place_order(
                conn,
                actor,
                lines,
                at=app.clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
                coupon_id=body.coupon_id,
                sources=app.sources,
                address_id=body.address_id,
            )
    live_actions.announce_orders(app, placed.sourced_order_ids)
    record_for(app, actor.user_id, EventKind.ORDER, [(Subject.PRODUCT, p) for p in placed.product_ids])
    return placed_response(app, placed)


@router.get(
    "/orders", summary="The caller's orders as a buyer", responses={200: {"model": list[OrderSummaryOut]}}
)
def my_orders(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.buyer_orders(conn, actor.user_id)


@router.get(
    "/orders/{order_id}",
    summary="One order with its timeline and any compensation",
    responses={200: {"model": OrderOut}},
)
def get_order(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        orders.get_order_for(conn, actor, order_id)
        return compensation_queries.order_view(conn, order_id, actor.user_id)


@router.get(
    "/shops/{shop_id}/orders",
    summary="A shop's orders: all, to_ship, due_soon, overdue, shipped",
    responses={200: {"model": list[OrderSummaryOut]}},
)
def shop_orders(shop_id: PathId, app: AppDep, actor: ApiActor, filter: Word = "all") -> list[dict]:
    with app.uow.read() as conn:
        return queries.shop_orders(conn, actor, shop_id, now=app.clock.now(), which=filter)


@router.post(
    "/orders/{order_id}/ship",
    summary="Hand the parcel to a carrier (shop members only)",
    responses={200: {"model": ShipOut}},
)
def ship(order_id: PathId, body: ShipIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        shipment_id = ship_order(
            conn,
            actor,
            order_id=order_id,
            carrier=body.carrier,
            tracking_no=body.tracking_no,
            at=app.clock.now(),
        )
    return {"order_id": order_id, "shipment_id": shipment_id, "status": OrderStatus.SHIPPED.value}
