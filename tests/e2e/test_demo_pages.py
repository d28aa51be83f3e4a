"""Every page a demo user can reach renders: each demo account logs in, opens every link of the
navigation and then every same-site link those pages show (up to a limit per account), and no
page may answer with a server error. This catches a template or query that breaks on real,
seeded data (several shops, orders in every state, programs, waves, sanctions, scores)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from pledge.bootstrap import build
from pledge.demo.seed import ACCOUNTS, PASSWORD
from pledge.web.app import create_app
from tests.conftest import demo_copy
from tests.e2e.conftest import post_login

LINK = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?"')
SKIP = ("/static/", "/logout", "/docs", "/openapi.json")
PER_ACCOUNT = 200


@pytest.fixture(scope="module")
def demo(tmp_path_factory, seeded_demo):
    settings = demo_copy(seeded_demo, tmp_path_factory.mktemp("demo-pages"))
    app = build(settings)
    yield create_app(app, run_worker=False)
    app.uow.engine.dispose()


def links(html: str) -> list[str]:
    return [m.group(1) for m in LINK.finditer(html) if not m.group(1).startswith(SKIP)]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("role,email", ACCOUNTS, ids=[email for _, email in ACCOUNTS])
def test_every_reachable_page_renders_for_each_demo_account(demo, role, email, lang):
    client = TestClient(demo)
    resp = post_login(client, email, PASSWORD)
    assert resp.status_code == 303, resp.text
    home = client.get("/", params={"lang": lang})
    assert home.status_code == 200 and f'lang="{"zh-CN" if lang == "zh_CN" else "en"}"' in home.text
    queue, seen, failures = links(home.text), set(), []
    while queue and len(seen) < PER_ACCOUNT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page = client.get(path)
        if page.status_code >= 500:
            failures.append(f"{path} -> {page.status_code}")
            continue
        assert page.status_code in (200, 403, 404), f"{role} {email}: {path} -> {page.status_code}"
        if page.headers.get("content-type", "").startswith("text/html"):
            queue += links(page.text)
    assert not failures, f"{email}: server errors on {failures}"
    assert len(seen) >= 8, f"{email} reached only {sorted(seen)}"


def test_demo_login_page_lists_every_seeded_account_with_what_it_shows(demo):
    """The list comes from the seed (demo/guide.py, written by seed_demo), not a second copy."""
    page = TestClient(demo).get("/login").text
    for _role, email in ACCOUNTS:
        assert f'data-email="{email}"' in page, email
    assert PASSWORD in page and "晚发即赔" in page and "运费险" in page and "坏果虫眼" in page


def test_demo_shop_sub_account_answers_cases_but_is_not_offered_payouts(demo):
    """The florist's customer service (seed.SHOP_STAFF): the guide says what it may not do, the
    dashboard's open requests can be answered, the settlement page offers it no payout."""
    client = TestClient(demo)
    guide = client.get("/login").text
    assert 'data-email="service@pledge.demo"' in guide and "不能提现" in guide and "店铺客服" in guide
    assert post_login(client, "service@pledge.demo", PASSWORD).status_code == 303
    cases_link = re.search(
        r'href="(/merchant/shops/\d+/cases)[^"]*" data-testid="tile-cases"', client.get("/merchant").text
    )
    assert cases_link, "the dashboard links its open cases"
    assert 'data-testid="approve-' in client.get(cases_link.group(1)).text
    settlement = client.get("/merchant/settlement")
    assert settlement.status_code == 200 and 'data-testid="settlement-owner-only"' in settlement.text
    assert "/settlement/payout" not in settlement.text


def test_demo_umbrella_factory_wish_board_shows_a_wish_that_came_true(demo):
    """Issue 15's demo: the umbrella factory's past session made demands; the bigger umbrella
    became a product with a wisher price, its wishers (the demo buyer among them) were told, the
    product says so, and the board shows one of them bought it."""
    merchant = TestClient(demo)
    post_login(merchant, "umbrella@pledge.demo", PASSWORD)
    board = merchant.get("/merchant/wishes")
    assert board.status_code == 200
    assert "透明伞" in board.text and 'data-testid="demand"' in board.text
    assert "双人大伞" in board.text and "双人超大晴雨伞" in board.text and "4 人许愿" in board.text
    buyer = TestClient(demo)
    post_login(buyer, "buyer@pledge.demo", PASSWORD)
    assert "你的心愿实现了" in buyer.get("/notifications").text
    product = re.search(r'href="(/products/\d+)">双人超大晴雨伞', board.text)
    assert product is not None and "应 4 位用户的心愿上新" in buyer.get(product.group(1)).text
    # the wisher offer and the conversion: one of the four wishers bought it with the wisher price
    assert "心愿价立减¥10.00" in board.text
    assert "其中 1 人已购买" in board.text and "转化率 25%" in board.text
    assert "你的心愿价：立减¥10.00" in buyer.get(product.group(1)).text


def test_the_seeded_catalog_is_searchable_by_a_synonym(demo):
    """The seed writes products through catalog, whose index port keeps the search documents."""
    page = TestClient(demo).get("/search", params={"q": "太阳花", "sort": "price_asc"})
    assert page.status_code == 200
    assert "A级向日葵 12枝 顺丰空运" in page.text and "毕业季花束 向日葵+满天星" in page.text
    assert "¥19.90" in page.text
