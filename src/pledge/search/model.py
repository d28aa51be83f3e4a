"""A search request and its answer, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pledge.kernel.errors import InvalidInput
from pledge.kernel.indexing import Indexed
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.search.text import MAX_QUERY_CHARS

PAGE_SIZE_MAX = 50  # pledge:default
PAGE_MAX = 50  # pledge:default: nobody reads past the 50th page; deeper offsets cost the database
MAX_SHIP_HOURS = 24 * 365  # longer than any promise the catalog accepts to list


class Sort(StrEnum):
    RELEVANCE = "relevance"
    SALES = "sales"  # units sold (products, shops), plays (videos): most first
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


# The filters that read product columns; shops and videos have no category or price.
PRODUCT_ONLY = ("category", "min_price", "max_price")


@dataclass(frozen=True)
class Query:
    text: str = ""
    kind: Indexed = Indexed.PRODUCT
    category_id: int | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    ship_within_hours: int | None = None
    late_ship_pays: bool = False
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    size: int = 20

    def __post_init__(self) -> None:
        if len(self.text) > MAX_QUERY_CHARS:
            raise InvalidInput(f"a search is at most {MAX_QUERY_CHARS} characters")
        if not 1 <= self.page <= PAGE_MAX:
            raise InvalidInput(f"page is from 1 to {PAGE_MAX}")
        if not 1 <= self.size <= PAGE_SIZE_MAX:
            raise InvalidInput(f"page size is from 1 to {PAGE_SIZE_MAX}")
        for price in (self.min_price_fen, self.max_price_fen):
            if price is not None and not 0 <= price <= MAX_PRICE_FEN:
                raise InvalidInput("a price filter is between 0 and the highest price a SKU may have")
        if self.ship_within_hours is not None and not 1 <= self.ship_within_hours <= MAX_SHIP_HOURS:
            raise InvalidInput(f"ship within is from 1 to {MAX_SHIP_HOURS} hours")
        self._check_kind()

    def _check_kind(self) -> None:
        product_filters = (self.category_id, self.min_price_fen, self.max_price_fen)
        if self.kind is not Indexed.PRODUCT and any(f is not None for f in product_filters):
            raise InvalidInput("category and price filters apply to products only")
        if self.kind is Indexed.SHOP and (self.ship_within_hours is not None or self.late_ship_pays):
            raise InvalidInput("ship promise filters apply to products and videos only")
        if self.kind is not Indexed.PRODUCT and self.sort in (Sort.PRICE_ASC, Sort.PRICE_DESC):
            raise InvalidInput("sorting by price applies to products only")


@dataclass(frozen=True)
class Hit:
    kind: Indexed
    subject_id: int
    shop_id: int | None  # None: a creator's own video
    title: str
    price_fen: int | None
    promise: str | None
    ship_hours: int | None
    late_ship_pays: bool
    popularity: int


@dataclass(frozen=True)
class Results:
    query: Query
    hits: list[Hit]
    has_more: bool
