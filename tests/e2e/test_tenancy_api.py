"""A merchant cannot read or change another shop's orders through ANY endpoint.

The test enumerates every route of the FastAPI app that takes an id in its path, API and pages
alike, and calls each one as merchant A with shop B's ids: every call must be refused (403 or
404) and the database must be exactly as before. Each call is then repeated with A's own ids and
must succeed, which proves the refusal came from tenancy and not from a malformed request.
A route with a path id that this file does not know fails the test, so it stays exhaustive:
add the new route to ROUTES (denied, public, or scoped to the caller) when you add it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.aftersales import services as aftersales
from pledge.catalog.tables import shops, skus
from pledge.chat.services import open_conversation, post_message
from pledge.orders.services import LineRequest, add_to_cart
from pledge.orders.tables import order_lines
from pledge.uploads.services import save_image
from pledge.uploads.store import LocalFileStore
from tests.e2e.conftest import api_token, bearer, email_of, page_login, snapshot
from tests.e2e.tenancy import Case, Ids
from tests.e2e.test_aftersales_api import PNG, delivered_order
from tests.support import World

DENIED = (403, 404)
TENANT_PARAMS = {"shop_id", "order_id", "sku_id"}  # what the brief names; every path id is covered below


def SHIP(ids: Ids) -> dict:
    return {"carrier": "sf", "tracking_no": f"SF{ids.order_id:010d}"}


def product_json(ids: Ids, _csrf: str) -> dict:
    return {
        "json": {
            "category_id": ids.category_id,
            "title": "越权上架测试",
            "promise": "48h",
            "skus": [{"name": "默认", "price_fen": 100, "stock": 1}],
        }
    }


OWN_ORDER = (("order_id", "own_order_id"),)
OWN_CASE = (("case_id", "own_case_id"),)
OWN_RETURN = (("case_id", "own_return_case_id"),)
SHIPPED = (("case_id", "shipped_case_id"),)
RETURN = {"carrier": "sf", "tracking_no": "SF2468013579"}


def REFUND_ONLY(ids: Ids) -> dict:
    return {
        "case_type": "refund_only",
        "reason": "quality",
        "lines": [{"order_line_id": ids.own_line_id, "units": 1}],
    }


ROUTES: dict[tuple[str, str], Case] = {
    # API (bearer token of merchant A)
    ("GET", "/api/v1/products/{product_id}"): Case("public"),
    ("POST", "/api/v1/shops/{shop_id}/products"): Case("denied", product_json, ok=201),
    ("PUT", "/api/v1/skus/{sku_id}/stock"): Case("denied", lambda ids, csrf: {"json": {"stock": 7}}),
    ("DELETE", "/api/v1/cart/lines/{sku_id}"): Case("own"),
    ("POST", "/api/v1/checkouts/{checkout_id}/pay"): Case("denied"),
    ("GET", "/api/v1/orders/{order_id}"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/orders"): Case("denied"),
    ("POST", "/api/v1/orders/{order_id}/ship"): Case("denied", lambda ids, csrf: {"json": SHIP(ids)}),
    ("GET", "/api/v1/shops/{shop_id}/compensations"): Case("denied"),
    # operators only: a merchant may not exempt even its own shop's order from the pledge
    ("POST", "/api/v1/orders/{order_id}/late-ship-exemption"): Case(
        "denied",
        lambda ids, csrf: {"json": {"reason": "force majeure: road closed"}},
        ok=403,
        operator_ok=200,
    ),
    # pages (session cookie of merchant A; forms carry the session's CSRF token)
    ("GET", "/products/{product_id}"): Case("public"),
    ("GET", "/pay/sandbox/{ref}"): Case("denied"),
    ("POST", "/pay/sandbox/{ref}"): Case("denied", lambda ids, csrf: {"data": {"csrf_token": csrf}}, ok=303),
    ("GET", "/orders/{order_id}"): Case("denied"),
    ("GET", "/orders/{order_id}/live"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/orders"): Case("denied"),
    ("POST", "/merchant/orders/{order_id}/ship"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, **SHIP(ids)}}, ok=303
    ),
    ("GET", "/merchant/shops/{shop_id}/compensations"): Case("denied"),
    # customer-service chat: a shop's members answer its conversations but are not its customers
    # (opening one with their own shop is 403) and only the buyer rates (403 for the merchant)
    ("POST", "/api/v1/shops/{shop_id}/conversations"): Case(
        "denied", lambda ids, csrf: {"json": {"order_id": ids.order_id}}, ok=403
    ),
    ("GET", "/api/v1/conversations/{conversation_id}"): Case("denied"),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): Case(
        "denied", lambda ids, csrf: {"json": {"body": "越权消息"}}, ok=201
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/rating"): Case(
        "denied", lambda ids, csrf: {"json": {"stars": 1}}, ok=403
    ),
    ("GET", "/api/v1/shops/{shop_id}/chat-metrics"): Case("denied"),
    ("POST", "/shops/{shop_id}/chat"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "order_id": str(ids.order_id)}}, ok=403
    ),
    ("GET", "/chats/{conversation_id}"): Case("denied"),
    ("GET", "/chats/{conversation_id}/messages"): Case("denied"),
    ("POST", "/chats/{conversation_id}/messages"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "body": "越权消息"}}, ok=303
    ),
    ("POST", "/chats/{conversation_id}/rating"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "stars": "1"}}, ok=403
    ),
    ("GET", "/merchant/shops/{shop_id}/chats"): Case("denied"),
    # after-sales: the shop reviews and receives returns; its owner files, cancels, escalates and
    # sends back only as a customer (own_*); operators decide; a shop's pledge is public
    ("GET", "/api/v1/uploads/{upload_id}"): Case("denied"),
    ("POST", "/api/v1/orders/{order_id}/cases"): Case(
        "denied", lambda ids, csrf: {"json": REFUND_ONLY(ids)}, ok=201, params=OWN_ORDER
    ),
    ("GET", "/api/v1/cases/{case_id}"): Case("denied"),
    ("POST", "/api/v1/cases/{case_id}/review"): Case("denied", lambda ids, csrf: {"json": {"approve": True}}),
    ("POST", "/api/v1/cases/{case_id}/escalate"): Case(
        "denied", lambda ids, csrf: {"json": {"note": "越权"}}, params=OWN_CASE
    ),
    ("POST", "/api/v1/cases/{case_id}/decision"): Case(
        "denied",
        lambda ids, csrf: {"json": {"approve": True, "note": "越权裁决"}},
        ok=403,
        operator_ok=200,
        params=(("case_id", "escalated_case_id"),),
    ),
    ("POST", "/api/v1/cases/{case_id}/return-shipment"): Case(
        "denied", lambda ids, csrf: {"json": RETURN}, params=OWN_RETURN
    ),
    ("POST", "/api/v1/cases/{case_id}/return-received"): Case("denied", params=SHIPPED),
    ("POST", "/api/v1/cases/{case_id}/cancel"): Case("denied", params=OWN_CASE),
    ("GET", "/api/v1/shops/{shop_id}/cases"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/pledge"): Case("public"),
    ("PUT", "/api/v1/shops/{shop_id}/pledge"): Case(
        "denied", lambda ids, csrf: {"json": {"statement": "越权承诺"}}
    ),
    ("GET", "/orders/{order_id}/cases/new"): Case("denied", params=OWN_ORDER),
    ("POST", "/orders/{order_id}/cases"): Case(
        "denied",
        lambda ids, csrf: {
            "data": {
                "csrf_token": csrf,
                "case_type": "refund_only",
                "reason": "quality",
                f"units_{ids.own_line_id}": "1",
            }
        },
        ok=303,
        params=OWN_ORDER,
    ),
    ("GET", "/cases/{case_id}"): Case("denied"),
    ("POST", "/cases/{case_id}/cancel"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf}}, ok=303, params=OWN_CASE
    ),
    ("POST", "/cases/{case_id}/escalate"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "note": "越权"}}, ok=303, params=OWN_CASE
    ),
    ("POST", "/cases/{case_id}/return-shipment"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, **RETURN}}, ok=303, params=OWN_RETURN
    ),
    ("POST", "/merchant/cases/{case_id}/review"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "decision": "approve"}}, ok=303
    ),
    ("POST", "/merchant/cases/{case_id}/return-received"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf}}, ok=303, params=SHIPPED
    ),
    ("GET", "/merchant/shops/{shop_id}/cases"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/pledge"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "statement": "越权承诺"}}, ok=303
    ),
    ("POST", "/operator/cases/{case_id}/decision"): Case(  # merchant A's session: operators only
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, "decision": "approve", "note": "越权"}},
        ok=403,
        params=(("case_id", "escalated_case_id"),),
    ),
}


def domain_modules() -> list:
    """Each module of tests/e2e/tenancy covers one domain's routes: it has ROUTES (like the
    dict above) and prepare(world, owner, buyer, ids), which creates that side's data for them
    and stores the ids in ids.extra (a path parameter is looked up there when Ids has no field
    of that name)."""
    from tests.e2e import tenancy

    return [
        importlib.import_module(f"tests.e2e.tenancy.{m.name}") for m in pkgutil.iter_modules(tenancy.__path__)
    ]


DOMAINS = domain_modules()
DOMAIN_OF = {key: module for module in DOMAINS for key in module.ROUTES}


def own_domain(method: str, template: str) -> list:
    """The domain module a route belongs to ([] for this file's own routes)."""
    module = DOMAIN_OF.get((method, template))
    return [] if module is None else [module]


for _module in DOMAINS:
    assert not _module.ROUTES.keys() & ROUTES.keys(), f"{_module.__name__} repeats routes"
    ROUTES.update(_module.ROUTES)


def with_domains(world: World, owner, buyer, ids: Ids) -> Ids:
    for module in DOMAINS:
        module.prepare(world, owner, buyer, ids)
    return ids


def all_routes(web):
    """Every route, flattened: FastAPI >= 0.16x nests included routers (iter_route_contexts
    walks them); older versions list them in app.routes directly."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        return list(web.routes)
    return list(iter_route_contexts(web.routes))


def routes_with_path_ids(web) -> set[tuple[str, str]]:
    found = set()
    for route in all_routes(web):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or not methods or "{" not in path:  # mounts (static files) have no methods
            continue
        found |= {(m, path) for m in methods if m not in ("HEAD", "OPTIONS")}
    return found


def with_chat(world: World, buyer, ids: Ids) -> Ids:
    """The order's buyer opens a conversation with the shop about it and writes once."""
    with world.app.uow.begin() as c:
        ids.conversation_id = open_conversation(
            c, buyer, shop_id=ids.shop_id, order_id=ids.order_id, at=world.now
        ).conversation_id
        post_message(c, buyer, ids.conversation_id, "什么时候发货？", at=world.now)
    return ids


def side(world: World, name: str) -> tuple[Ids, object, object]:
    """A shop with its owner, a buyer with a paid order there, and a checkout awaiting payment
    placed by the owner (so the owner has a payment of their own to open)."""
    shop_id, owner = world.shop(name)
    sku = world.product(
        owner, shop_id, promise="48h", price_fen=2990, stock=500
    )  # two units per route control
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    pending = world.place(owner, (sku, 1))
    with world.app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    ids = with_chat(
        world,
        buyer,
        Ids(shop_id, product_id, sku, order_id, pending.checkout_id, pending.payment_ref, world.category()),
    )
    return with_domains(world, owner, buyer, with_aftersales(world, owner, buyer, ids)), owner, buyer


def fresh_own_ids(world: World, ids: Ids, owner, domains=None) -> Ids:
    """A's ids again with a new paid order and a new pending checkout, so that each positive
    control (ship, pay) acts on an order no earlier control has changed; with the data of every
    domain module, or of those given (a writing route's own module: each module's prepare stores
    only its own ids, so a route that needed another module's would fail its control). The
    after-sales cases (seven orders) are made for this file's own routes and for the reads only:
    no domain module's route names their ids."""
    with world.app.uow.begin() as c:  # a control before may have set the SKU's stock (the editor, PUT stock)
        c.execute(skus.update().where(skus.c.id == ids.sku_id).values(stock=skus.c.stock + 10))
    buyer = world.user()
    order_id = world.paid_order(buyer, ids.sku_id)
    pending = world.place(owner, (ids.sku_id, 1))
    fresh = with_chat(
        world,
        buyer,
        Ids(
            ids.shop_id,
            ids.product_id,
            ids.sku_id,
            order_id,
            pending.checkout_id,
            pending.payment_ref,
            ids.category_id,
        ),
    )
    if domains is None:
        return with_domains(world, owner, buyer, with_aftersales(world, owner, buyer, fresh))
    if not domains:  # this file's own routes: the after-sales ones need with_aftersales' cases
        with_aftersales(world, owner, buyer, fresh)
    for module in domains:
        module.prepare(world, owner, buyer, fresh)
    return fresh


def path_for(template: str, ids: Ids, params: tuple[tuple[str, str], ...] = ()) -> str:
    fields = dict(params)

    def value(name: str) -> str:
        name = fields.get(name, name)
        if name.startswith("="):  # a literal, for a path part that is no id (a subject, a day)
            return name[1:]
        return str(getattr(ids, name) if hasattr(ids, name) else ids.extra[name])

    return re.sub(r"{(\w+)}", lambda m: value(m.group(1)), template)


def with_aftersales(world: World, owner, buyer, ids: Ids) -> Ids:
    """After-sales with the side's shop: the buyer's refund request with a photo (for the shop
    to review), one escalated to the platform, a return on its way back; and, with the owner as
    a customer of the shop, an order to file on, a request to cancel or escalate and an approved
    return to send back. Each on an order of its own, so no other route's order changes."""
    app = world.app
    with app.uow.begin() as c:  # put back the units these orders take
        c.execute(skus.update().where(skus.c.id == ids.sku_id).values(stock=skus.c.stock + 6))

    def line_of(order_id: int) -> int:
        with app.uow.read() as c:
            return c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar_one()

    def request(actor, order_id: int, case_type: str = "refund_only", uploads: tuple[int, ...] = ()) -> int:
        with app.uow.begin() as c:
            return aftersales.file_case(
                c,
                actor,
                aftersales.NewCase(
                    order_id, case_type, "quality", [(line_of(order_id), 1)], upload_ids=list(uploads)
                ),
                book=app.rulebook,
                at=world.now,
            )

    def act(fn) -> None:
        with app.uow.begin() as c:
            fn(c)

    with app.uow.begin() as c:
        ids.upload_id = save_image(c, app.files, buyer, data=PNG, filename="evidence.png", at=world.now)
    ids.case_id = request(buyer, world.paid_order(buyer, ids.sku_id), uploads=(ids.upload_id,))
    ids.escalated_case_id = request(buyer, world.paid_order(buyer, ids.sku_id))
    act(lambda c: aftersales.escalate(c, buyer, ids.escalated_case_id, note="商家不理", at=world.now))
    ids.shipped_case_id = request(buyer, delivered_order(app, buyer, owner, ids.sku_id)[0], "return_refund")
    act(
        lambda c: aftersales.review_case(
            c, owner, ids.shipped_case_id, approve=True, note="", book=app.rulebook, at=world.now
        )
    )
    act(
        lambda c: aftersales.ship_return(
            c,
            buyer,
            ids.shipped_case_id,
            carrier="sf",
            tracking_no="SF1357924680",
            book=app.rulebook,
            at=world.now,
        )
    )
    ids.own_order_id = world.paid_order(owner, ids.sku_id)
    ids.own_line_id = line_of(ids.own_order_id)
    ids.own_case_id = request(owner, world.paid_order(owner, ids.sku_id))
    ids.own_return_case_id = request(
        owner, delivered_order(app, owner, owner, ids.sku_id)[0], "return_refund"
    )
    act(
        lambda c: aftersales.review_case(
            c, owner, ids.own_return_case_id, approve=True, note="", book=app.rulebook, at=world.now
        )
    )
    return ids


@pytest.fixture(autouse=True)
def _private_uploads(app, tmp_path):
    """Evidence photos go to the test's own directory."""
    app.files = LocalFileStore(tmp_path / "uploads")


@pytest.fixture
def tenants(app, world, client):
    a_ids, a_owner, _ = side(world, "小阿阮鲜花")
    b_ids, b_owner, b_buyer = side(world, "大乐水果")
    with app.uow.begin() as c:  # B's buyer has B's SKU in the cart: A's cart calls must not touch it
        add_to_cart(c, b_buyer, LineRequest(b_ids.sku_id, 1), at=app.clock.now())
    a_email = email_of(app, a_owner.user_id)
    api_client = client
    token = api_token(api_client, a_email)
    operator = world.user("平台运营", platform_role="operator")
    pages = TestClient(client.app)
    csrf = page_login(pages, a_email, f"/products/{a_ids.product_id}")
    with app.uow.read() as c:
        b_shop_name = c.execute(select(shops.c.name).where(shops.c.id == b_ids.shop_id)).scalar_one()
    yield {
        "a": a_ids,
        "a_owner": a_owner,
        "b": b_ids,
        "b_shop_name": b_shop_name,
        "token": token,
        "api": api_client,
        "pages": pages,
        "csrf": csrf,
        "operator_token": api_token(api_client, email_of(app, operator.user_id)),
    }
    pages.close()


def call(t: dict, method: str, template: str, ids: Ids, token_key: str = "token"):
    case = ROUTES[(method, template)]
    kwargs = case.body(ids, t["csrf"])
    if template.startswith("/api/"):
        return t["api"].request(
            method, path_for(template, ids, case.params), headers=bearer(t[token_key]), **kwargs
        )
    return t["pages"].request(method, path_for(template, ids, case.params), follow_redirects=False, **kwargs)


def test_every_route_with_a_path_id_is_covered(client):
    present = routes_with_path_ids(client.app)
    uncovered = sorted(present - ROUTES.keys())
    assert not uncovered, (
        f"routes with path ids that the tenancy test does not cover: {uncovered}; add them to ROUTES"
    )
    stale = sorted(ROUTES.keys() - present)
    assert not stale, f"ROUTES lists routes the app no longer has: {stale}"
    named = {p for _, path in present for p in re.findall(r"{(\w+)}", path)}
    assert TENANT_PARAMS <= named


def test_merchant_a_cannot_read_or_change_shop_b_through_any_route(app, tenants):
    t = tenants
    before = snapshot(app)
    outcomes = {}
    for (method, template), case in sorted(ROUTES.items()):
        resp = call(t, method, template, t["b"])
        outcomes[(method, template)] = resp.status_code
        if case.kind == "denied":
            assert resp.status_code in DENIED, (
                f"{method} {template} with shop B's ids -> {resp.status_code}: {resp.text[:300]}"
            )
            assert t["b_shop_name"] not in resp.text, f"{method} {template} refused but still named shop B"
            if template.startswith("/api/"):
                assert resp.headers["content-type"].startswith("application/problem+json")
            else:
                assert resp.headers["content-type"].startswith("text/html")
        elif (
            case.kind == "open"
        ):  # anyone may do it to anyone's (comment in a live room, follow a shop, like a video)
            assert resp.status_code == (case.foreign_ok or case.ok), (
                f"{method} {template} -> {resp.status_code}: {resp.text[:300]}"
            )
            before = snapshot(app)  # the caller's own follow or a counter moved: that is the point
        else:
            assert resp.status_code == 200, f"{method} {template} -> {resp.status_code}: {resp.text[:300]}"
        assert snapshot(app) == before, f"{method} {template} with shop B's ids changed the database"
    assert set(outcomes) == routes_with_path_ids(t["api"].app)


SHARDS = 4  # the positive control seeds fresh ids per writing route: shards let xdist spread it


@pytest.mark.parametrize("shard", range(SHARDS))
def test_the_same_calls_succeed_on_merchant_a_own_ids(app, world, tenants, shard):
    """The positive control: nothing above was refused for a malformed request (every route,
    in SHARDS interleaved parts)."""
    t = tenants
    for_reads = fresh_own_ids(
        world, t["a"], t["a_owner"]
    )  # a GET changes nothing, so the reads share one set
    for (method, template), case in sorted(ROUTES.items())[shard::SHARDS]:
        ids = (
            for_reads
            if method == "GET"
            else fresh_own_ids(world, t["a"], t["a_owner"], own_domain(method, template))
        )
        resp = call(t, method, template, ids)
        assert resp.status_code == case.ok, (
            f"{method} {template} with A's own ids -> {resp.status_code}: {resp.text[:300]}"
        )
        if case.operator_ok is not None:
            resp = call(t, method, template, ids, "operator_token")
            assert resp.status_code == case.operator_ok, (
                f"{method} {template} as operator -> {resp.status_code}: {resp.text[:300]}"
            )


def test_b_order_is_not_listed_in_a_shop_lists(app, tenants):
    """Lists filtered by shop never include another shop's orders."""
    t = tenants
    rows = (
        t["api"]
        .get(f"/api/v1/shops/{t['a'].shop_id}/orders", params={"filter": "all"}, headers=bearer(t["token"]))
        .json()
    )
    assert rows and {r["shop_id"] for r in rows} == {t["a"].shop_id}
    assert t["b"].order_id not in {r["id"] for r in rows}
    mine = t["api"].get("/api/v1/orders", headers=bearer(t["token"])).json()
    assert {r["buyer_id"] for r in mine} == {t["a_owner"].user_id}
    assert t["b"].order_id not in {r["id"] for r in mine}
    page = t["pages"].get(f"/merchant/shops/{t['a'].shop_id}/orders", params={"filter": "all"})
    assert page.status_code == 200 and f"/orders/{t['a'].order_id}" in page.text
    assert f'/orders/{t["b"].order_id}"' not in page.text


def test_b_cases_are_not_listed_in_a_queue_or_a_buyer_list(app, tenants):
    """The after-sales queue of shop A lists A's cases only; A's owner, as a buyer, sees only
    the cases they filed."""
    t = tenants
    a_queue = t["api"].get(f"/api/v1/shops/{t['a'].shop_id}/cases", headers=bearer(t["token"])).json()
    assert a_queue and {c["shop_id"] for c in a_queue} == {t["a"].shop_id}
    assert not {t["b"].case_id, t["b"].shipped_case_id, t["b"].own_case_id} & {c["id"] for c in a_queue}
    mine = t["api"].get("/api/v1/cases", headers=bearer(t["token"])).json()
    assert {c["buyer_id"] for c in mine} == {t["a_owner"].user_id}
    page = t["pages"].get(f"/merchant/shops/{t['a'].shop_id}/cases", params={"filter": "all"})
    assert page.status_code == 200 and f'href="/cases/{t["a"].case_id}"' in page.text
    assert f'href="/cases/{t["b"].case_id}"' not in page.text and t["b_shop_name"] not in page.text
