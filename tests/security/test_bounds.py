"""Issue 11, item 6: prices, quantities and amounts have upper bounds that fit the database and
the ledger. A merchant once set a SKU's price to 2^62 fen, sold it twice and every finance page
of the platform (reconciliation, balances) answered 500, because the sums overflowed 64 bits.
The bounds live in kernel/limits.py and hold in the API, the page forms, the CLI and the
services."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pledge.catalog import services as catalog
from pledge.cli.main import app as cli
from pledge.inventory import services as inventory
from pledge.kernel import limits
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import parse_yuan
from pledge.promises.model import Promise
from tests.e2e.conftest import assert_problem

BUYER, FLORIST, FINANCE = "buyer@pledge.demo", "florist@pledge.demo", "finance@pledge.demo"


def product(demo, price_fen: int, stock: int = 500, title: str = "天价向日葵") -> dict:
    return {
        "category_id": demo.category_id(),
        "title": title,
        "promise": "48h",
        "skus": [{"name": "一束", "price_fen": price_fen, "stock": stock}],
    }


def buy_and_pay(demo, sku_id: int, quantity: int):
    placed = demo.client.post(
        "/api/v1/checkout",
        headers=demo.headers(BUYER),
        json={"lines": [{"sku_id": sku_id, "quantity": quantity}]},
    )
    if placed.status_code == 201:
        paid = demo.client.post(
            f"/api/v1/checkouts/{placed.json()['checkout_id']}/pay", headers=demo.headers(BUYER)
        )
        assert paid.status_code == 200, paid.text
    return placed


def assert_finance_pages_render(demo) -> None:
    finance, _csrf = demo.session(FINANCE)
    assert finance.get("/finance/settlement").status_code == 200
    assert (
        demo.client.get("/api/v1/settlement/reconciliation", headers=demo.headers(FINANCE)).status_code == 200
    )
    shop_id = demo.shop_of(FLORIST)
    assert (
        demo.client.get(f"/api/v1/shops/{shop_id}/balance", headers=demo.headers(FLORIST)).status_code == 200
    )
    assert (
        demo.client.get(f"/api/v1/shops/{shop_id}/statement", headers=demo.headers(FLORIST)).status_code
        == 200
    )


def test_sku_price_bound_a_price_of_2_pow_62_is_refused_and_the_finance_pages_still_render(demo):
    shop_id = demo.shop_of(FLORIST)
    resp = demo.client.post(
        f"/api/v1/shops/{shop_id}/products", json=product(demo, 2**62), headers=demo.headers(FLORIST)
    )
    if resp.status_code == 201:  # the attack as it was: two sales of the priceless SKU overflow every sum
        sku_id = demo.client.get(f"/api/v1/products/{resp.json()['product_id']}").json()["skus"][0]["id"]
        buy_and_pay(demo, sku_id, 1)
        buy_and_pay(demo, sku_id, 1)
    assert_finance_pages_render(demo)
    body = assert_problem(resp, 422)
    assert f"at most {limits.MAX_PRICE_FEN}" in body["detail"] and "price_fen" in body["detail"]


def test_order_amount_bound_the_largest_orders_allowed_keep_every_finance_sum_exact(demo):
    """Two orders at the top of the bounds (a unit at MAX_PRICE_FEN, as many units as one
    order may total) are sold and paid; one unit more than an order may total is refused.
    The finance pages add them up without overflowing."""
    shop_id = demo.shop_of(FLORIST)
    created = demo.client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=demo.headers(FLORIST),
        json=product(demo, limits.MAX_PRICE_FEN, title="镀金花束"),
    )
    assert created.status_code == 201, created.text
    sku_id = demo.client.get(f"/api/v1/products/{created.json()['product_id']}").json()["skus"][0]["id"]
    units = limits.MAX_AMOUNT_FEN // limits.MAX_PRICE_FEN
    before = demo.client.get(f"/api/v1/shops/{shop_id}/balance", headers=demo.headers(FLORIST)).json()[
        "pending_fen"
    ]
    for _ in range(2):
        placed = buy_and_pay(demo, sku_id, units)
        assert placed.status_code == 201 and placed.json()["total_fen"] == limits.MAX_AMOUNT_FEN, placed.text
    too_much = buy_and_pay(demo, sku_id, units + 1)
    assert "at most 1000000000.00 yuan" in assert_problem(too_much, 422)["detail"]
    after = demo.client.get(f"/api/v1/shops/{shop_id}/balance", headers=demo.headers(FLORIST)).json()[
        "pending_fen"
    ]
    assert 0 < after - before <= 2 * limits.MAX_AMOUNT_FEN  # the proceeds after fees, summed exactly
    assert_finance_pages_render(demo)


@pytest.mark.parametrize(
    "field,value",
    [
        ("price_fen", 0),
        ("price_fen", limits.MAX_PRICE_FEN + 1),
        ("stock", -1),
        ("stock", limits.MAX_STOCK + 1),
        ("stock", 2**63),
    ],
)
def test_sku_bounds_on_the_api(demo, field, value):
    body = product(demo, 100)
    body["skus"][0][field] = value
    resp = demo.client.post(
        f"/api/v1/shops/{demo.shop_of(FLORIST)}/products", json=body, headers=demo.headers(FLORIST)
    )
    assert field in assert_problem(resp, 422)["detail"]


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/cart/lines", {"sku_id": 1, "quantity": limits.MAX_QUANTITY + 1}),
        ("/api/v1/flash-orders", {"deal_id": 1, "quantity": limits.MAX_QUANTITY + 1}),
        ("/api/v1/checkout", {"lines": [{"sku_id": 1, "quantity": 2**64}]}),
    ],
)
def test_quantity_bound_on_the_api(demo, path, body):
    assert (
        "at most"
        in assert_problem(demo.client.post(path, json=body, headers=demo.headers(BUYER)), 422)["detail"]
    )


def test_payout_and_deposit_amount_bounds(demo):
    shop_id = demo.shop_of(FLORIST)
    payout = demo.client.post(
        f"/api/v1/shops/{shop_id}/payouts", json={"amount_fen": 2**63}, headers=demo.headers(FLORIST)
    )
    assert "at most" in assert_problem(payout, 422)["detail"]
    deposit = demo.client.post(
        f"/api/v1/shops/{shop_id}/deposits",
        headers=demo.headers(FINANCE),
        json={"amount_fen": limits.MAX_AMOUNT_FEN + 1, "reference": "B-2^63"},
    )
    assert "at most" in assert_problem(deposit, 422)["detail"]
    browser, csrf = demo.session(FLORIST, f"/merchant/shops/{shop_id}/settlement")
    page = browser.post(
        f"/merchant/shops/{shop_id}/settlement/payout",
        data={"csrf_token": csrf, "amount": "9999999999.99"},
        follow_redirects=False,
    )
    assert page.status_code == 422 and "1000000000.00" in page.text


def test_flash_deal_form_bounds(demo):
    shop_id = demo.shop_of(FLORIST)
    browser, csrf = demo.session(FLORIST, f"/merchant/shops/{shop_id}/flash")
    for field, value in (("price_fen", str(2**62)), ("price_fen", str(2**64)), ("minutes", str(2**40))):
        form = {
            "csrf_token": csrf,
            "sku_id": "1",
            "price_fen": "990",
            "quantity": "10",
            "minutes": "30",
            field: value,
        }
        page = browser.post(f"/merchant/shops/{shop_id}/flash", data=form, follow_redirects=False)
        assert page.status_code == 422, (field, value, page.status_code)


def test_cli_refuses_amounts_and_units_beyond_the_bounds():
    runner = CliRunner()
    huge = runner.invoke(
        cli, ["quote", "damage-refund", "--paid", "99999999999.00", "--units", "1", "--damaged", "1"]
    )
    assert huge.exit_code == 2 and "at most" in huge.output
    many = runner.invoke(
        cli, ["quote", "damage-refund", "--paid", "10.00", "--units", str(2**63), "--damaged", "1"]
    )
    assert many.exit_code == 2
    with pytest.raises(InvalidInput, match="at most"):
        parse_yuan("1000000000.01")
    assert parse_yuan("1000000000.00") == limits.MAX_AMOUNT_FEN


def test_services_hold_the_bounds_whoever_calls_them(app, world):
    shop_id, owner = world.shop()
    sku_id = world.product(owner, shop_id, stock=0)
    huge = catalog.NewProduct(
        shop_id, world.category(), "天价", Promise.parse("48h"), [catalog.NewSku("一束", 2**62, 1)]
    )
    with app.uow.begin() as c, pytest.raises(InvalidInput, match="at most"):
        catalog.create_product(c, owner, huge, at=world.now, guards=app.listing_guards)
    with app.uow.begin() as c, pytest.raises(InvalidInput, match=str(limits.MAX_STOCK)):
        catalog.set_stock(c, owner, sku_id=sku_id, stock=2**40)
    with app.uow.begin() as c:
        warehouse_id = inventory.create_warehouse(
            c, owner, shop_id=shop_id, code="KM1", name="昆明仓", at=world.now
        )
    line = inventory.ReceiptLine(sku_id, limits.MAX_UNITS_MOVED)
    for _ in range(
        limits.MAX_STOCK // limits.MAX_UNITS_MOVED
    ):  # fill the SKU to its bound, one full receipt at a time
        with app.uow.begin() as c:
            inventory.receive(c, owner, warehouse_id, [line], at=world.now)
    with app.uow.begin() as c, pytest.raises(InvalidInput, match="more than"):
        inventory.receive(c, owner, warehouse_id, [inventory.ReceiptLine(sku_id, 1)], at=world.now)


def test_the_bounds_keep_platform_wide_sums_inside_64_bits():
    """Ten million orders at the largest amount still sum inside BIGINT; stock counters stay
    inside PostgreSQL's 32-bit INTEGER."""
    assert limits.MAX_AMOUNT_FEN * 10_000_000 < 2**63
    assert limits.MAX_PRICE_FEN <= limits.MAX_AMOUNT_FEN
    assert limits.MAX_STOCK + limits.MAX_UNITS_MOVED < 2**31
