"""Product, shop and video search (docs/search.md): anyone may search, signed in or not."""

from dataclasses import asdict
from typing import Annotated, Literal

from annotated_types import Interval
from fastapi import Query
from pydantic import Field

from pledge.kernel.indexing import Indexed
from pledge.kernel.money import parse_yuan
from pledge.search.model import MAX_SHIP_HOURS, PAGE_MAX, PAGE_SIZE_MAX, Hit, Sort
from pledge.search.model import Query as SearchQuery
from pledge.search.services import search
from pledge.search.text import MAX_QUERY_CHARS
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.search import SearchOut
from pledge.web.deps import AppDep
from pledge.web.types import PathId

router = ApiModuleRouter(tags=["search"])
# An amount in yuan as a buyer types it (19.9, 19.90, 20), at most ten million yuan.
YuanQuery = Annotated[str, Field(max_length=11, pattern=r"^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$")]
Words = Annotated[str, Query(max_length=MAX_QUERY_CHARS)]


def _fen(yuan: str | None) -> int | None:
    return None if yuan is None else parse_yuan(yuan)


@router.get(
    "/search",
    summary="Products, shops or videos matching Chinese words (segmented, with synonyms) and filters",
    responses={200: {"model": SearchOut}},
)
def search_route(
    app: AppDep,
    q: Words = "",
    kind: Literal["product", "shop", "video"] = "product",
    category: PathId | None = None,
    min_price: YuanQuery | None = None,
    max_price: YuanQuery | None = None,
    ship_within_hours: Annotated[int, Interval(ge=1, le=MAX_SHIP_HOURS)] | None = None,
    late_ship_pledge: bool = False,
    sort: Sort = Sort.RELEVANCE,
    page: Annotated[int, Interval(ge=1, le=PAGE_MAX)] = 1,
    size: Annotated[int, Interval(ge=1, le=PAGE_SIZE_MAX)] = 20,
) -> dict:
    query = SearchQuery(
        q,
        Indexed(kind),
        category_id=category,
        min_price_fen=_fen(min_price),
        max_price_fen=_fen(max_price),
        ship_within_hours=ship_within_hours,
        late_ship_pays=late_ship_pledge,
        sort=sort,
        page=page,
        size=size,
    )
    with app.uow.read() as conn:
        results = search(conn, query)
    return {"page": page, "has_more": results.has_more, "items": [_hit(h) for h in results.hits]}


def _hit(hit: Hit) -> dict:
    fields = asdict(hit)
    del fields["subject_id"]
    return fields | {"kind": hit.kind.value, "id": hit.subject_id}
