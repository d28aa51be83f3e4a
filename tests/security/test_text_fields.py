"""Issue 11, item 10: every text field has a maximum length, names and titles cannot hide
behind NUL, invisible characters or bidirectional overrides, and a quantity is a JSON integer
(not "1", not true). The rules are kernel/text.py; the field types that apply them are
web/types.py, used by every API model and read by the page forms."""

from __future__ import annotations

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.kernel.text import clean_text, text_problem
from pledge.web.app import create_app
from tests.e2e.conftest import assert_problem, email_of, page_login, snapshot
from tests.security.conftest import token_for

BAD_NAMES = {
    "NUL": "向日\x00葵",
    "only spaces": "   ",
    "only zero-width spaces": "\u200b\u200b\u200b",
    "only a Hangul filler": "\u3164",
    "only a word joiner and a BOM": "\u2060\ufeff",
    "right-to-left override": "花束\u202egpj.exe",
    "isolate": "\u2067السعر\u2069 19.9",
    "line break in a name": "向日葵\n12枝",
    "lone surrogate": "向日葵\ud800",
}


@pytest.mark.parametrize(
    "text", ["A级向日葵 12枝", "🌻", "👩‍👧 亲子花束", "ورد أحمر", "Ｆｕｌｌ　width", "é"]
)
def test_ordinary_names_in_any_script_are_accepted(text):
    assert clean_text(f"  {text} ", field="name", max_length=20) == text


@pytest.mark.parametrize("label", BAD_NAMES)
def test_names_refuse_nul_invisible_only_bidi_and_control_characters(label):
    with pytest.raises(InvalidInput, match="^title "):
        clean_text(BAD_NAMES[label], field="title", max_length=100)


def test_notes_keep_their_line_breaks_but_not_nul_or_overrides():
    assert (
        clean_text("第一行\n第二行\t完", field="note", max_length=50, multiline=True) == "第一行\n第二行\t完"
    )
    assert text_problem("", max_length=10, multiline=True, required=False) is None
    assert "NUL" in text_problem("a\x00", max_length=10, multiline=True)
    assert "bidirectional" in text_problem("a\u202db", max_length=10, multiline=True)
    assert "longer than 10" in text_problem("花" * 11, max_length=10)


# A JSON client cannot encode a lone surrogate as text; test_lone_surrogate.py sends those bytes.
@pytest.mark.parametrize("label", [k for k in BAD_NAMES if k != "lone surrogate"])
def test_product_titles_and_sku_names_over_the_api(app, world, client, label):
    shop_id, owner = world.shop()
    headers, category = token_for(app, owner), world.category()
    before = snapshot(app)
    for field in ("title", "name"):
        body = {
            "category_id": category,
            "title": "A级向日葵",
            "promise": "48h",
            "skus": [{"name": "12枝", "price_fen": 1990, "stock": 5}],
        }
        if field == "title":
            body["title"] = BAD_NAMES[label]
        else:
            body["skus"][0]["name"] = BAD_NAMES[label]
        resp = client.post(f"/api/v1/shops/{shop_id}/products", json=body, headers=headers)
        assert field in assert_problem(resp, 422)["detail"], label
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/api/v1/shops/{shop}/products", {"title": "花" * 101}, "title"),
        ("/api/v1/shops/{shop}/warehouses", {"code": "KM1", "name": "仓" * 61}, "name"),
        ("/api/v1/shops/{shop}/warehouses", {"code": "KM1", "name": "昆明仓", "city": "城" * 61}, "city"),
        ("/api/v1/shops/{shop}/pledge", {"statement": "承诺" * 251}, "statement"),
        ("/api/v1/orders/1/ship", {"carrier": "sf", "tracking_no": "SF" + "1" * 60}, "tracking_no"),
    ],
)
def test_text_longer_than_its_column_is_a_422(app, world, client, path, body, field):
    shop_id, owner = world.shop()
    if field == "title":
        body = {
            "category_id": world.category(),
            "promise": "48h",
            "skus": [{"name": "x", "price_fen": 1, "stock": 1}],
            **body,
        }
    method = client.put if path.endswith("/pledge") else client.post
    resp = method(path.format(shop=shop_id), json=body, headers=token_for(app, owner))
    assert f"{field}: must be at most" in assert_problem(resp, 422)["detail"]


@pytest.mark.parametrize("quantity", ["1", True, 1.0, "01", None])
def test_a_quantity_is_a_json_integer(app, world, client, quantity):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    buyer = token_for(app, world.user())
    before = snapshot(app)
    for path, body in (
        ("/api/v1/cart/lines", {"sku_id": sku, "quantity": quantity}),
        ("/api/v1/checkout", {"lines": [{"sku_id": sku, "quantity": quantity}]}),
        ("/api/v1/flash-orders", {"deal_id": 1, "quantity": quantity}),
    ):
        assert "quantity" in assert_problem(client.post(path, json=body, headers=buyer), 422)["detail"], path
    assert (
        "sku_id"
        in assert_problem(
            client.post("/api/v1/cart/lines", json={"sku_id": str(sku), "quantity": 1}, headers=buyer), 422
        )["detail"]
    )
    assert snapshot(app) == before


def test_page_forms_apply_the_same_text_rules(app, world, client):
    shop_id, owner = world.shop()
    csrf = page_login(client, email_of(app, owner.user_id), f"/merchant/shops/{shop_id}/warehouse")
    before = snapshot(app)
    for form in (
        {"code": "KM1", "name": "昆明仓", "city": "城" * 61},
        {"code": "KM1", "name": "昆明仓", "city": "\u202e明昆"},
    ):
        page = client.post(
            f"/merchant/shops/{shop_id}/warehouses", data={"csrf_token": csrf, **form}, follow_redirects=False
        )
        assert page.status_code == 422 and "城市" in page.text, page.status_code  # the field, in Chinese
    assert snapshot(app) == before


def _has_bound(schema: dict, components: dict) -> list[str]:
    """The unbounded fields in a JSON schema: strings without maxLength (or pattern, enum,
    format), integers without maximum, arrays without maxItems."""
    if "$ref" in schema:
        return _has_bound(components[schema["$ref"].rsplit("/", 1)[1]], components)
    found = []
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        found += _has_bound(option, components)
    kind = schema.get("type")
    if kind == "string" and not {"maxLength", "pattern", "enum", "format", "const"} & schema.keys():
        found.append(schema.get("title", "a string"))
    if kind == "integer" and "maximum" not in schema:
        found.append(schema.get("title", "an integer"))
    if kind == "array":
        if "maxItems" not in schema:
            found.append(schema.get("title", "an array"))
        found += _has_bound(schema.get("items", {}), components)
    for name, prop in schema.get("properties", {}).items():
        found += [f"{name}.{f}" for f in _has_bound(prop, components)]
    return found


def test_every_text_number_and_list_the_api_accepts_has_a_bound(app):
    """Read from the OpenAPI document, so a new model with a bare `str` or `int` fails here."""
    doc = create_app(app, run_worker=False).openapi()
    components = doc.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                unbounded += [
                    f"{method.upper()} {path} {param['name']}: {f}"
                    for f in _has_bound(param["schema"], components)
                ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                unbounded += [
                    f"{method.upper()} {path} body: {f}" for f in _has_bound(body["schema"], components)
                ]
    assert not unbounded, "\n".join(unbounded)
