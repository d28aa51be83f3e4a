"""Tenancy cases of the experience score and reviews: a shop's score, indicators, diff, trend
and gates are its members' (and platform staff's) only; incidents are recorded by staff only;
a review is its buyer's; a product's reviews are public."""

from __future__ import annotations

from sqlalchemy import update

from pledge.catalog.tables import skus
from pledge.reviews import services as reviews
from tests.e2e.tenancy import Case, Ids
from tests.e2e.test_aftersales_api import delivered_order

REVIEW_ORDER = (("order_id", "review_order_id"),)

ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}/experience"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/experience/indicators/{code}"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/experience/compare"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/experience/history"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/experience/gates/{use}"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/experience/incidents"): Case(
        "denied",
        lambda ids, csrf: {"json": {"kind": "refused_invoice", "occurred_at": "2026-08-30T10:00:00+08:00"}},
        ok=403,
        operator_ok=201,
    ),
    ("PUT", "/api/v1/shops/{shop_id}/experience/profile"): Case(
        "denied",
        lambda ids, csrf: {"json": {"industry": "生活鲜花", "flagship": False}},
        ok=403,
        operator_ok=200,
    ),
    ("PUT", "/api/v1/reviews/{review_id}"): Case(
        "denied", lambda ids, csrf: {"json": {"stars": 5, "body": "改评"}}
    ),
    ("GET", "/api/v1/products/{product_id}/reviews"): Case("public"),
    ("GET", "/merchant/shops/{shop_id}/experience"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/experience/{code}"): Case("denied"),
    ("GET", "/orders/{order_id}/review"): Case("denied", params=REVIEW_ORDER),
    ("POST", "/orders/{order_id}/review"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, f"stars_{ids.extra['review_line_id']}": "5"}},
        ok=303,
        params=REVIEW_ORDER,
    ),
    ("GET", "/products/{product_id}/reviews"): Case("public"),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The owner as a customer of their own shop: a delivered order to review, and another
    already reviewed (to edit)."""
    app = world.app
    with app.uow.begin() as c:
        c.execute(update(skus).where(skus.c.id == ids.sku_id).values(stock=skus.c.stock + 2))
    ids.extra["review_order_id"], ids.extra["review_line_id"] = delivered_order(app, owner, owner, ids.sku_id)
    _order, line = delivered_order(app, owner, owner, ids.sku_id)
    with app.uow.begin() as c:
        ids.extra["review_id"] = reviews.post_review(
            c, owner, line, reviews.ReviewIn(3, "还行"), book=app.rulebook, at=world.now
        )
    ids.extra["code"] = "pickup_score"
    ids.extra["use"] = "campaign_signup"
