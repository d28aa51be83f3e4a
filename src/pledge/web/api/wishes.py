"""The wish pool (许愿池): buyers wish and +1; the merchant's board, merge, split, rename, and
turning a demand into a product (which tells every wisher)."""

from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import select

from pledge.catalog.services import NewSku
from pledge.kernel.limits import NAME_MAX
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.wishes import BoardOut, FulfilledOut, OpenWishOut, SplitOut, WishMadeOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Days, Id, IntRange, PathId, PriceFen, StockLevel
from pledge.wishes import queries
from pledge.wishes import services as wishes
from pledge.wishes.policy import WisherOffer
from pledge.wishes.tables import wish_demands
from pledge.wishes.tables import wishes as wish_rows

router = ApiModuleRouter(tags=["wishes"])


class WishIn(BaseModel):
    text: Annotated[str, Field(strict=True, max_length=wishes.WISH_MAX_CHARS)]
    session_id: Id | None = None  # made in a live room


class RenameIn(BaseModel):
    name: Annotated[str, Field(strict=True, max_length=wishes.NAME_MAX_CHARS)]


class MergeIn(BaseModel):
    from_id: Id


class NewSkuIn(BaseModel):
    """A new SKU of the product, made for the demand (through the catalogue's checks)."""

    name: Annotated[str, Field(strict=True, max_length=NAME_MAX)]
    price_fen: PriceFen
    stock: StockLevel


class OfferIn(BaseModel):
    """The wisher offer: a wisher price (fen off, valid so many days) and/or first access (hours);
    bounds: rulebook clause wishes.wisher-offer."""

    price_off_fen: PriceFen | None = None
    valid_days: Days | None = None
    first_access_hours: Annotated[int, IntRange(1, 24 * 365)] | None = None  # the clause bounds it tighter


class ProductIn(BaseModel):
    product_id: Id
    new_sku: NewSkuIn | None = None
    offer: OfferIn | None = None


@router.post(
    "/shops/{shop_id}/wishes",
    status_code=201,
    summary="Buyer: make a wish (许愿) in the shop; it joins the demand it groups with",
    responses={201: {"model": WishMadeOut}},
)
def make_wish(shop_id: PathId, body: WishIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        wish_id = wishes.make_wish(
            conn, actor, shop_id=shop_id, text=body.text, session_id=body.session_id, at=app.clock.now()
        )
        demand_id = conn.execute(select(wish_rows.c.demand_id).where(wish_rows.c.id == wish_id)).scalar_one()
    return {"wish_id": wish_id, "demand_id": demand_id}


@router.get(
    "/shops/{shop_id}/wishes",
    summary="The shop's open wishes, most wished first (to +1)",
    responses={200: {"model": list[OpenWishOut]}},
)
def open_wishes(shop_id: PathId, app: AppDep) -> list[dict]:
    with app.uow.read() as conn:
        return queries.open_wishes(conn, shop_id)


@router.post(
    "/wishes/{demand_id}/plus-one",
    status_code=201,
    summary="Buyer: +1 an open wish (once per buyer)",
    responses={201: {"model": WishMadeOut}},
)
def plus_one(demand_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        wish_id = wishes.plus_one(conn, actor, demand_id=demand_id, at=app.clock.now())
    return {"wish_id": wish_id, "demand_id": demand_id}


@router.get(
    "/shops/{shop_id}/wish-board",
    summary="Merchant: the wish board, demands ranked by distinct wishers then recency",
    responses={200: {"model": BoardOut}},
)
def board(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.board(conn, actor, shop_id, now=app.clock.now())


@router.put(
    "/wishes/{demand_id}/name",
    summary="Merchant: rename a demand",
    responses={200: {"model": SplitOut}},
)
def rename(demand_id: PathId, body: RenameIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        wishes.rename(conn, actor, demand_id=demand_id, name=body.name)
    return {"demand_id": demand_id}


@router.post(
    "/wishes/{demand_id}/merge",
    summary="Merchant: move every wish of another demand of the shop into this one",
    responses={200: {"model": SplitOut}},
)
def merge(demand_id: PathId, body: MergeIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        wishes.merge(conn, actor, into_id=demand_id, from_id=body.from_id)
    return {"demand_id": demand_id}


@router.post(
    "/wish-entries/{wish_id}/split",
    status_code=201,
    summary="Merchant: take one wish out of its demand into a new one",
    responses={201: {"model": SplitOut}},
)
def split(wish_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return {"demand_id": wishes.split(conn, actor, wish_id=wish_id, at=app.clock.now())}


@router.post(
    "/wishes/{demand_id}/product",
    summary="Merchant: the demand became this product (or a new SKU of it; a presale when the product is "
    "sold under a presale promise): close it, tell every wisher, make the wisher offer",
    responses={200: {"model": FulfilledOut}},
)
def fulfil(demand_id: PathId, body: ProductIn, app: AppDep, actor: ApiActor) -> dict:
    offer = None if body.offer is None else WisherOffer(**body.offer.model_dump())
    sku_id = None
    with app.uow.begin() as conn:
        if body.new_sku is None:
            count = wishes.fulfil(
                conn,
                actor,
                demand_id=demand_id,
                product_id=body.product_id,
                at=app.clock.now(),
                offer=offer,
                book=app.rulebook,
            )
        else:
            sku = NewSku(body.new_sku.name, body.new_sku.price_fen, body.new_sku.stock)
            sku_id = wishes.new_sku(
                conn,
                actor,
                demand_id=demand_id,
                product_id=body.product_id,
                sku=sku,
                at=app.clock.now(),
                screen=app.listing_screen,
                offer=offer,
                book=app.rulebook,
            )
            count = conn.execute(
                select(wish_demands.c.wishers_at_close).where(wish_demands.c.id == demand_id)
            ).scalar_one()
    return {"demand_id": demand_id, "product_id": body.product_id, "sku_id": sku_id, "wishers": count}
