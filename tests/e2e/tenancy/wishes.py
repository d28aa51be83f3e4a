"""Tenancy cases of the wish pool: a shop's open wishes are public; any signed-in user but the
shop's own members may wish and +1 in any shop ("open": merchant A wishes in shop B, and is
refused 403 in its own shop); only the shop's members read its board and merge, split, rename
or turn its demands into products."""

from __future__ import annotations

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.wishes import services as wishes
from pledge.wishes.tables import wishes as wish_rows
from tests.e2e.tenancy import Case, Ids

OTHER = (("demand_id", "other_demand_id"),)  # the API's +1 goes to demand_id, the page's here
WISHER = {"json": {"text": "许愿木柄伞"}}  # a demand of its own: the +1 below is not a repeat


def _form(csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/shops/{shop_id}/wishes"): Case(
        "open", lambda ids, csrf: WISHER, ok=403, foreign_ok=201
    ),
    ("GET", "/api/v1/shops/{shop_id}/wishes"): Case("public"),
    ("POST", "/api/v1/wishes/{demand_id}/plus-one"): Case("open", ok=403, foreign_ok=201),
    ("GET", "/api/v1/shops/{shop_id}/wish-board"): Case("denied"),
    ("PUT", "/api/v1/wishes/{demand_id}/name"): Case(
        "denied", lambda ids, csrf: {"json": {"name": "越权改名"}}
    ),
    ("POST", "/api/v1/wishes/{demand_id}/merge"): Case(
        "denied", lambda ids, csrf: {"json": {"from_id": ids.extra["other_demand_id"]}}
    ),
    ("POST", "/api/v1/wish-entries/{wish_id}/split"): Case("denied", ok=201),
    ("POST", "/api/v1/wishes/{demand_id}/product"): Case(
        "denied", lambda ids, csrf: {"json": {"product_id": ids.extra["wish_product_id"]}}
    ),
    # pages
    ("GET", "/shops/{shop_id}/wishes"): Case("public"),
    ("POST", "/shops/{shop_id}/wishes"): Case(
        "open", lambda ids, csrf: _form(csrf, text="求双人伞"), ok=403, foreign_ok=303
    ),
    ("POST", "/wishes/{demand_id}/plus-one"): Case(
        "open", lambda ids, csrf: _form(csrf), ok=403, foreign_ok=303, params=OTHER
    ),
    ("GET", "/merchant/shops/{shop_id}/wishes"): Case("denied"),
    ("POST", "/merchant/wishes/{demand_id}/name"): Case(
        "denied", lambda ids, csrf: _form(csrf, name="越权改名"), ok=303
    ),
    ("POST", "/merchant/wishes/{demand_id}/merge"): Case(
        "denied", lambda ids, csrf: _form(csrf, from_id=str(ids.extra["other_demand_id"])), ok=303
    ),
    ("POST", "/merchant/wish-entries/{wish_id}/split"): Case("denied", lambda ids, csrf: _form(csrf), ok=303),
    ("POST", "/merchant/wishes/{demand_id}/product"): Case(
        "denied", lambda ids, csrf: _form(csrf, product_id=str(ids.extra["wish_product_id"])), ok=303
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """Two open demands of the side's shop (a larger umbrella wished twice, a clear one once),
    and a new product of the shop for a demand to become (each product closes one demand)."""
    app = world.app
    wishers = [world.user("许愿人") for _ in range(3)]
    with app.uow.begin() as c:
        for who, text in zip(wishers, ("求双人伞", "要是有超大号的伞就好了", "许愿透明伞"), strict=True):
            wishes.make_wish(c, who, shop_id=ids.shop_id, text=text, at=app.clock.now())
        rows = c.execute(
            select(wish_rows.c.id, wish_rows.c.demand_id)
            .where(wish_rows.c.shop_id == ids.shop_id)
            .order_by(wish_rows.c.id.desc())
            .limit(3)
        ).all()
        big, clear = rows[-1].demand_id, rows[0].demand_id
        if clear == big:  # the items grouped with an open demand that earlier routes merged
            clear = wishes.split(c, owner, wish_id=rows[0].id, at=app.clock.now())
    sku_id = world.product(owner, ids.shop_id, title="双人大伞", category=ids.category_id)
    with app.uow.read() as c:
        ids.extra["wish_product_id"] = c.execute(
            select(skus.c.product_id).where(skus.c.id == sku_id)
        ).scalar_one()
    ids.extra.update(demand_id=big, other_demand_id=clear, wish_id=rows[-1].id)
