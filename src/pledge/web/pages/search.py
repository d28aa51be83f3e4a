"""The search page (docs/search.md): a GET form a buyer can bookmark; what it cannot read
(a price that is not yuan, page 0, a 101-character search) is a translated message above the
form, never an error page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from pledge.catalog import queries as catalog_queries
from pledge.kernel.errors import InvalidInput
from pledge.kernel.indexing import Indexed
from pledge.kernel.money import parse_yuan
from pledge.promises.model import Promise
from pledge.search.model import Hit, Query, Results, Sort
from pledge.search.services import search
from pledge.web.deps import pledge
from pledge.web.pages.routing import PageRouter
from pledge.web.render import error_text, language, render

router = PageRouter()
SHIP_CHOICES = (24, 48, 72)  # the hours the form offers; the API takes any
FIELDS = ("q", "kind", "category", "min_price", "max_price", "ship_within_hours", "late_ship_pledge", "sort")


@dataclass(frozen=True)
class Shown:
    """One result as the page shows it."""

    hit: Hit
    href: str
    promise: dict | None  # promise_kind / promise_hours / presale_date for the badge


def _number(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput(f"{name} must be a whole number")
    return int(text)


def _or_first(page: int | None) -> int:
    return 1 if page is None else page


def _fen(text: str) -> int | None:
    text = text.strip().removeprefix("¥").removeprefix("￥").strip()
    return parse_yuan(text) if text else None


def _choice(enum, text: str, default):
    try:
        return enum(text) if text else default
    except ValueError:
        raise InvalidInput(f"unknown choice {text[:20]!r}") from None


def read_query(params) -> Query:
    """The form's fields as a search, with the service's own checks."""
    return Query(
        params.get("q", ""),
        _choice(Indexed, params.get("kind", ""), Indexed.PRODUCT),
        category_id=_number(params.get("category", ""), "category"),
        min_price_fen=_fen(params.get("min_price", "")),
        max_price_fen=_fen(params.get("max_price", "")),
        ship_within_hours=_number(params.get("ship_within_hours", ""), "ship within hours"),
        late_ship_pays=params.get("late_ship_pledge", "") in ("1", "true", "on"),
        sort=_choice(Sort, params.get("sort", ""), Sort.RELEVANCE),
        page=_or_first(_number(params.get("page", ""), "page")),
    )


def _shown(hit: Hit) -> Shown:
    href = {Indexed.PRODUCT: "/products/", Indexed.SHOP: "/shops/", Indexed.VIDEO: "/videos/"}[hit.kind]
    promise = None
    if hit.promise:
        p = Promise.parse(hit.promise)
        promise = {"promise_kind": p.kind, "promise_hours": p.hours, "presale_date": p.presale_date}
    return Shown(hit, f"{href}{hit.subject_id}", promise)


def _page_link(request: Request, page: int) -> str:
    kept = {k: v for k in FIELDS if (v := request.query_params.get(k))}
    return "/search?" + urlencode(kept | {"page": page})


@router.get("/search")
def search_page(request: Request):
    app = pledge(request)
    error, results = None, None
    with app.uow.read() as conn:
        categories = catalog_queries.category_tree(conn)
        try:
            results = search(conn, read_query(request.query_params))
        except InvalidInput as exc:
            error = exc.detail
    return _render(request, categories, results, error)


def _render(request: Request, categories: list[dict], results: Results | None, error: str | None):
    shown_error = error_text(language(request), 422, None, error)[1] if error else None
    page = results.query.page if results else 1
    return render(
        request,
        "search.html",
        form={k: request.query_params.get(k, "") for k in FIELDS},
        categories=categories,
        hits=[_shown(h) for h in results.hits] if results else [],
        error=shown_error,
        ship_choices=SHIP_CHOICES,
        sorts=list(Sort),
        kinds=list(Indexed),
        previous=_page_link(request, page - 1) if page > 1 else None,
        next=_page_link(request, page + 1) if results and results.has_more else None,
    )
