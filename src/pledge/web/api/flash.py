"""Flash deal API: a shop opens a deal for its live room; buyers take it (one order each)."""

from datetime import datetime

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pledge.flash import services as flash
from pledge.kernel.clock import ensure_utc
from pledge.kernel.errors import InvalidInput
from pledge.web import live_actions
from pledge.web.api.orders import placed_response
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.flash import BuyOut, FlashDealOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Id, Moment, OptionalTitle, PathId, PriceFen, Quantity, Units

router = ApiModuleRouter(tags=["flash"])


class DealIn(BaseModel):
    sku_id: Id
    price_fen: PriceFen
    quantity: Units
    per_buyer_limit: Quantity = 1
    starts_at: Moment
    ends_at: Moment
    title: OptionalTitle = ""
    content_id: Id | None = None


class PurchaseIn(BaseModel):
    deal_id: Id
    quantity: Quantity = 1
    address_id: Id | None = None  # from the caller's address book (else the default); the order keeps a copy


def _aware(at: datetime, name: str) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput(f"{name} needs a UTC offset, e.g. 2026-09-01T20:00:00+08:00")
    return ensure_utc(at)


@router.post(
    "/shops/{shop_id}/flash-deals",
    status_code=201,
    summary="Open a flash deal (units leave the SKU's stock)",
    responses={201: {"model": FlashDealOut}},
)
def create_deal(shop_id: PathId, body: DealIn, app: AppDep, actor: ApiActor) -> dict:
    deal = flash.NewDeal(
        shop_id,
        body.sku_id,
        body.price_fen,
        body.quantity,
        body.per_buyer_limit,
        _aware(body.starts_at, "starts_at"),
        _aware(body.ends_at, "ends_at"),
        body.title,
        body.content_id,
    )
    with app.uow.begin() as conn:
        deal_id = flash.create_deal(conn, actor, deal, at=app.clock.now())
        opened = flash.deal_view(conn, deal_id)
    live_actions.announce_deal(app, opened)
    return _deal(opened)


@router.get(
    "/shops/{shop_id}/flash-deals",
    summary="A shop's flash deals with units sold and left",
    responses={200: {"model": list[FlashDealOut]}},
)
def shop_deals(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return [_deal(d) for d in flash.shop_deals(conn, actor, shop_id)]


@router.get(
    "/flash-deals/{deal_id}", summary="A flash deal (public)", responses={200: {"model": FlashDealOut}}
)
def get_deal(deal_id: PathId, app: AppDep) -> dict:
    with app.uow.read() as conn:
        return _deal(flash.deal_view(conn, deal_id))


@router.post(
    "/flash-orders",
    status_code=201,
    summary="Buy a flash deal: one order awaiting payment",
    responses={201: {"model": BuyOut}},
    # Ids and text only: no response model to validate, which for a `def` handler is one more
    # trip to the thread pool (docs/benchmarks.md).
    response_model=None,
)
def buy(body: PurchaseIn, app: AppDep, actor: ApiActor) -> JSONResponse:
    with app.uow.begin() as conn:
        placed = flash.buy(
            conn,
            actor,
            body.deal_id,
            quantity=body.quantity,
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            address_id=body.address_id,
        )
    return placed_response(app, placed)


def _deal(d: dict) -> dict:
    keys = (
        "id",
        "shop_id",
        "sku_id",
        "content_id",
        "title",
        "price_fen",
        "quantity",
        "per_buyer_limit",
        "starts_at",
        "ends_at",
        "closed_at",
        "remaining",
        "sold",
        "product_id",
    )
    return {k: d[k] for k in keys}
