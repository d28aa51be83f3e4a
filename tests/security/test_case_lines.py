"""Issue 11, item 9: the same order line twice in one after-sales case is a 422 that names the
line, not a 500. Each line is claimed once per case (case_lines is unique per case and line),
so two entries for it were an integrity error in the database; the API now refuses them before
anything is written."""

from __future__ import annotations

from tests.e2e.conftest import assert_problem, snapshot
from tests.e2e.test_aftersales_api import delivered_order
from tests.security.conftest import token_for


def test_case_lines_each_order_line_once_the_same_line_twice_is_a_422(app, world, client):
    shop_id, owner = world.shop()
    buyer = world.user()
    sku = world.product(owner, shop_id, stock=20)
    order_id, line_id = delivered_order(app, buyer, owner, sku, 4)
    headers = token_for(app, buyer)
    before = snapshot(app)
    for lines in (
        [{"order_line_id": line_id, "units": 1}, {"order_line_id": line_id, "units": 1}],
        [{"order_line_id": line_id, "units": 1}, {"order_line_id": line_id, "units": 3}],
    ):
        resp = client.post(
            f"/api/v1/orders/{order_id}/cases",
            headers=headers,
            json={"case_type": "return_refund", "reason": "quality", "lines": lines},
        )
        body = assert_problem(resp, 422)
        assert f"order line {line_id} is listed more than once" in body["detail"]
    assert snapshot(app) == before
    once = client.post(
        f"/api/v1/orders/{order_id}/cases",
        headers=headers,
        json={
            "case_type": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": line_id, "units": 2}],
        },
    )
    assert once.status_code == 201, once.text
