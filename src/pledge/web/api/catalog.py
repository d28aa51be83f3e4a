from pydantic import BaseModel, Field

from pledge.blindboxes import queries as blind_box_queries
from pledge.blindboxes import services as blindboxes
from pledge.catalog import queries
from pledge.catalog import services as catalog
from pledge.promises.model import Promise
from pledge.web.api.blindboxes import BlindBoxSeriesIn
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.catalog import (
    CategoriesOut,
    CreateProductOut,
    GetProductOut,
    ListProductsOut,
    SetStockOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.disclosure import blind_box_disclosure
from pledge.web.present import promise_badge
from pledge.web.types import Code, Description, Id, Name, PathId, PriceFen, ShippingFen, StockLevel, Title

router = ApiModuleRouter(tags=["catalog"])
MAX_SKUS = 50


class SkuIn(BaseModel):
    name: Name
    price_fen: PriceFen
    stock: StockLevel


class ProductIn(BaseModel):
    category_id: Id
    title: Title
    promise: Code = Field(description="same-day, next-day, 48h, <N>h or presale:YYYY-MM-DD")
    skus: list[SkuIn] = Field(min_length=1, max_length=MAX_SKUS)
    description: Description = ""
    perishable: bool = False
    custom_made: bool = False
    blind_box: bool = False
    blind_box_series: BlindBoxSeriesIn | None = None  # required when blind_box (douyin:aHGYneqr4WDJ)
    shipping_fee_fen: ShippingFen = 0  # 运费 per order holding the product; 0 = free shipping


@router.get(
    "/products",
    summary="Products on sale, with each one's ship promise",
    responses={200: {"model": list[ListProductsOut]}},
)
def list_products(app: AppDep, shop_id: PathId | None = None) -> list[dict]:
    with app.uow.read() as conn:
        rows = queries.list_products(conn, shop_id=shop_id)
    for row in rows:
        row["promise"] = promise_badge(row, "en")
    return rows


@router.get("/products/{product_id}", responses={200: {"model": GetProductOut}})
def get_product(product_id: PathId, app: AppDep) -> dict:
    with app.uow.read() as conn:
        product = queries.get_product(conn, product_id)
        series = blind_box_queries.series_of(conn, product_id)
    product["promise"] = promise_badge(product, "en")
    product["blind_box_series"] = blind_box_disclosure(series, app.rulebook, app.clock.now())
    return product


@router.get(
    "/categories", summary="The two-level category tree", responses={200: {"model": list[CategoriesOut]}}
)
def categories(app: AppDep) -> list[dict]:
    with app.uow.read() as conn:
        return queries.category_tree(conn)


@router.post(
    "/shops/{shop_id}/products",
    status_code=201,
    summary="Create a product (shop members only)",
    responses={201: {"model": CreateProductOut}},
)
def create_product(shop_id: PathId, body: ProductIn, app: AppDep, actor: ApiActor) -> dict:
    cmd = catalog.NewProduct(
        shop_id,
        body.category_id,
        body.title,
        Promise.parse(body.promise),
        [catalog.NewSku(s.name, s.price_fen, s.stock) for s in body.skus],
        body.description,
        body.perishable,
        body.custom_made,
        body.blind_box,
        shipping_fee_fen=body.shipping_fee_fen,
    )
    series = body.blind_box_series.series() if body.blind_box_series else None
    with app.uow.begin() as conn:
        return {
            "product_id": blindboxes.list_product(
                conn,
                actor,
                cmd,
                series,
                book=app.rulebook,
                at=app.clock.now(),
                guards=app.listing_guards,
                screen=app.listing_screen,
            )
        }


class StockIn(BaseModel):
    stock: StockLevel


@router.put(
    "/skus/{sku_id}/stock",
    summary="Set a SKU's stock (shop members only)",
    responses={200: {"model": SetStockOut}},
)
def set_stock(sku_id: PathId, body: StockIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        catalog.set_stock(conn, actor, sku_id=sku_id, stock=body.stock)
    return {"sku_id": sku_id, "stock": body.stock}
