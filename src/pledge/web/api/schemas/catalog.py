"""What the catalog operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime

from pydantic import BaseModel

from pledge.web.api.schemas.blindboxes import BlindBoxSeriesOut


class ListProductsOut(BaseModel):
    id: int
    title: str
    promise_kind: str
    promise_hours: int | None
    presale_date: date | None
    perishable: bool
    shop_id: int
    shop_name: str
    city: str
    from_price_fen: int
    promise: str


class GetProductOutSkus(BaseModel):
    id: int
    product_id: int
    shop_id: int
    name: str
    price_fen: int
    stock: int
    barcode: str | None


class GetProductOutContent(BaseModel):
    id: int
    shop_id: int
    kind: str
    title: str
    promise_kind: str
    promise_hours: int | None
    presale_date: date | None


class GetProductOut(BaseModel):
    id: int
    shop_id: int
    category_id: int
    title: str
    description: str
    perishable: bool
    custom_made: bool
    blind_box: bool
    booked_delivery: bool
    promise_kind: str
    promise_hours: int
    presale_date: date | None
    active: bool
    created_at: datetime
    shop_name: str
    timezone: str
    city: str
    category_name: str
    category_name_en: str
    skus: list[GetProductOutSkus]
    content: list[GetProductOutContent]
    promise: str
    blind_box_series: BlindBoxSeriesOut | None  # the disclosure, for a blind box (douyin:aHGYneqr4WDJ)


class CategoriesOutChildren(BaseModel):
    id: int
    parent_id: int
    name: str
    name_en: str


class CategoriesOut(BaseModel):
    id: int
    parent_id: int | None
    name: str
    name_en: str
    children: list[CategoriesOutChildren]


class CreateProductOut(BaseModel):
    product_id: int


class SetStockOut(BaseModel):
    sku_id: int
    stock: int
