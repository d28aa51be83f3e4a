"""Tenancy cases of the merchant's dashboard, product editor and staff (issue 17): all are the
shop's members' only. prepare gives each shop a clerk (user_id) and an unregistered-in-the-shop
invitee, restoring both before every positive control (removing or inviting changes them)."""

from __future__ import annotations

from sqlalchemy import delete, select

from pledge.accounts import services as accounts
from pledge.accounts.tables import shop_members, users
from tests.e2e.tenancy import Case, Ids
from tests.e2e.test_aftersales_api import PNG


def _invitee(ids: Ids) -> str:
    return f"invitee-{ids.shop_id}@example.cn"


def _clerk(ids: Ids) -> str:
    return f"clerk-{ids.shop_id}@example.cn"


def _product_form(ids: Ids, csrf: str) -> dict:
    return {
        "data": {
            "csrf_token": csrf,
            "title": "越权编辑测试",
            "category_id": str(ids.category_id),
            "promise_kind": "hours",
            "promise_hours": "48",
            "sku_id": str(ids.sku_id),
            "sku_name": "默认",
            "sku_price": "19.90",
            "sku_stock": "5",
        }
    }


def _new_product_form(ids: Ids, csrf: str) -> dict:
    form = _product_form(ids, csrf)
    form["data"]["sku_id"] = ""
    return form


def _page(**fields) -> object:
    return lambda ids, csrf: {"data": {"csrf_token": csrf, **fields}}


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}/staff"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/staff"): Case(
        "denied", lambda ids, csrf: {"json": {"email": _invitee(ids), "role": "operations"}}, ok=201
    ),
    ("PUT", "/api/v1/shops/{shop_id}/staff/{user_id}"): Case(
        "denied", lambda ids, csrf: {"json": {"role": "fulfilment"}}
    ),
    ("DELETE", "/api/v1/shops/{shop_id}/staff/{user_id}"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/home"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/products"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/products/new"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/products"): Case("denied", _new_product_form, ok=303),
    ("GET", "/merchant/products/{product_id}/edit"): Case("denied"),
    ("POST", "/merchant/products/{product_id}"): Case("denied", _product_form, ok=303),
    ("POST", "/merchant/products/{product_id}/images"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf}, "files": {"photo": ("card.png", PNG, "image/png")}},
        ok=303,
    ),
    ("GET", "/merchant/shops/{shop_id}/staff"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/staff"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, "email": _invitee(ids), "role": "finance"}},
        ok=303,
    ),
    ("POST", "/merchant/shops/{shop_id}/staff/{user_id}/role"): Case("denied", _page(role="finance"), ok=303),
    ("POST", "/merchant/shops/{shop_id}/staff/{user_id}/remove"): Case("denied", _page(), ok=303),
}


def _user(conn, email: str, at) -> int:
    found = conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
    if found is not None:
        return found
    return accounts.create_user(conn, email=email, password="password123", display_name="店员", at=at)


def prepare(world, owner, buyer, ids: Ids) -> None:
    with world.app.uow.begin() as c:
        clerk = _user(c, _clerk(ids), world.now)
        invitee = _user(c, _invitee(ids), world.now)
        m = shop_members.c
        c.execute(delete(shop_members).where(m.shop_id == ids.shop_id, m.user_id.in_([clerk, invitee])))
        accounts.add_shop_member(c, shop_id=ids.shop_id, user_id=clerk, role="operations")
    ids.extra["user_id"] = clerk
