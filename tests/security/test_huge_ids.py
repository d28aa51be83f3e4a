"""Issue 11, item 7: an id of 2^63 or more, anywhere (path, query, body), is a 404/422 answer,
never a 500. Ids are BIGINT, so no row can have such an id; before the bound the number went
to the database driver, which cannot encode it ("Python int too large to convert to SQLite
INTEGER") and the answer was a text 500. Every route with an id in its path is called, API and
pages alike, so a new route is covered the day it is added."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from tests.e2e.conftest import PROBLEM, assert_problem
from tests.e2e.test_tenancy_api import all_routes

MERCHANT, BUYER = "florist@pledge.demo", "buyer@pledge.demo"
HUGE = (2**63, 2**64 + 7, 10**30)
PARAM = re.compile(r"{(\w+)}")


def int_path_routes(web) -> list[tuple[str, str, list[str]]]:
    """(method, path, id parameters) of every route whose path takes a whole number."""
    found = []
    for context in all_routes(web):
        route = getattr(context, "original_route", context)
        if not isinstance(route, APIRoute):
            continue
        ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        if ints:
            found += [(method, context.path, ints) for method in sorted(set(context.methods) - {"HEAD"})]
    return found


def test_every_route_with_an_id_in_its_path_refuses_an_id_beyond_64_bits(demo):
    routes = int_path_routes(demo.web)
    assert len(routes) > 60, "the route table was not read"
    api = demo.headers(MERCHANT)
    browser, csrf = demo.session(MERCHANT)
    failures = []
    for method, path, ints in routes:
        for huge in HUGE:
            url = PARAM.sub(lambda m, huge=huge, ints=ints: str(huge) if m.group(1) in ints else "x", path)
            if path.startswith("/api/"):
                resp = demo.client.request(method, url, headers=api, json={})
                ok = resp.status_code in (404, 422) and resp.headers["content-type"].startswith(PROBLEM)
            else:
                resp = browser.request(method, url, data={"csrf_token": csrf}, follow_redirects=False)
                ok = resp.status_code in (404, 422) and resp.headers["content-type"].startswith("text/html")
            if not ok:
                failures.append(f"{method} {url} -> {resp.status_code} {resp.headers.get('content-type')}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products?shop_id={n}",
        "/api/v1/conversations/1?after={n}",
        "/api/v1/shops/1/experience/gates/ad_spend?amount_fen={n}",
    ],
)
def test_ids_and_numbers_in_the_query_string(demo, path):
    for huge in HUGE:
        assert_problem(demo.client.get(path.format(n=huge), headers=demo.headers(MERCHANT)), (404, 422))


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/cart/lines", {"sku_id": 2**63, "quantity": 1}),
        (
            "/api/v1/checkout",
            {"lines": [{"sku_id": 1, "quantity": 1}], "source": {"kind": "live_room", "id": 2**64}},
        ),
        ("/api/v1/checkout", {"lines": [{"sku_id": 1, "quantity": 1}], "coupon_id": 2**63}),
        ("/api/v1/flash-orders", {"deal_id": 10**30}),
        ("/api/v1/reviews", {"order_line_id": 2**63, "stars": 5}),
        (
            "/api/v1/orders/1/cases",
            {
                "case_type": "refund_only",
                "reason": "quality",
                "lines": [{"order_line_id": 2**63, "units": 1}],
            },
        ),
        (
            "/api/v1/orders/1/cases",
            {
                "case_type": "damage_claim",
                "reason": "damaged",
                "upload_ids": [2**63],
                "lines": [{"order_line_id": 1, "units": 1}],
            },
        ),
        ("/api/v1/shops/1/conversations", {"order_id": 2**63}),
    ],
)
def test_ids_in_a_json_body(demo, path, body):
    body = assert_problem(demo.client.post(path, json=body, headers=demo.headers(BUYER)), (404, 422))
    assert "9223372036854775807" in body["detail"] or body["status"] == 404


def test_ids_in_a_page_form(demo):
    browser, csrf = demo.session(BUYER)
    for field in ("sku_id", "quantity"):
        form = {"csrf_token": csrf, "sku_id": "1", "quantity": "1", field: str(2**63)}
        page = browser.post("/cart", data=form, follow_redirects=False)
        assert page.status_code in (404, 422) and page.headers["content-type"].startswith("text/html"), field
