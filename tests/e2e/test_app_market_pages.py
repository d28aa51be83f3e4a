"""The app market pages (issue 20), both languages: the operator lists an app; a shop's owner
installs it with some of its permissions, sees the key once (and only its last four later), and
uninstalls it; bad input is a translated refusal that changes nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.integrations.tables import apps
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.test_experience_pages import english_words

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r"<code>(pla_[^<]+)</code>")


def words(html: str) -> set[str]:
    """English words on a page but a key or its end (shown in <code>, as the browser audit skips)."""
    return english_words(re.sub(r"<code>[^<]*</code>", "", html))


def signed_in(app, client, user_id: int) -> tuple[TestClient, str]:
    pages = TestClient(client.app, follow_redirects=False)
    page_login(pages, email_of(app, user_id), "/")
    found = CSRF.search(pages.get("/").text)
    assert found
    return pages, found.group(1)


@pytest.fixture
def listed(app, world, client):
    operator = world.user("运营", platform_role="operator")
    pages, token = signed_in(app, client, operator.user_id)
    form = {
        "csrf_token": token,
        "name": "快递助手",
        "description": "批量打单发货",
        "scope": ["orders:read", "orders:ship"],
    }
    assert pages.post("/operator/apps", data=form).status_code == 303
    for lang in ("zh_CN", "en"):
        page = pages.get("/operator/apps", params={"lang": lang})
        assert page.status_code == 200 and "快递助手" in page.text
    zh = pages.get("/operator/apps", params={"lang": "zh_CN"}).text
    assert "查看订单" in zh and "订单发货" in zh and not english_words(zh), english_words(zh)
    assert "ship orders" in pages.get("/operator/apps", params={"lang": "en"}).text
    return pages, token


def test_an_owner_installs_sees_the_key_once_and_uninstalls(app, world, client, listed):
    shop_id, owner = world.shop()
    pages, token = signed_in(app, client, owner.user_id)
    market = pages.get("/merchant/apps", params={"lang": "zh_CN"}).text
    assert "快递助手" in market and not words(market), words(market)
    listing_id = int(re.search(r'name="listing_id" value="(\d+)"', market).group(1))
    got = pages.post(
        "/merchant/apps/install",
        data={"csrf_token": token, "listing_id": listing_id, "scope": ["orders:read"]},
        params={"lang": "zh_CN"},
    )
    assert got.status_code == 200 and "只显示这一次" in got.text and not words(got.text)
    key = KEY.search(got.text).group(1)
    again = pages.get("/merchant/apps", params={"lang": "en"}).text
    assert key not in again and key[-4:] in again and "Installed, granted: read orders" in again
    with app.uow.read() as c:
        (row,) = c.execute(
            select(apps.c.id, apps.c.scopes, apps.c.listing_id).where(apps.c.shop_id == shop_id)
        )
    assert (row.scopes, row.listing_id) == ("orders:read", listing_id)
    assert (
        pages.post("/merchant/apps/uninstall", data={"csrf_token": token, "app_id": row.id}).status_code
        == 303
    )
    with app.uow.read() as c:
        assert c.execute(select(apps.c.revoked_at).where(apps.c.id == row.id)).scalar() is not None


def test_bad_installs_are_refused_in_words_and_change_nothing(app, world, client, listed):
    _, owner = world.shop()
    pages, token = signed_in(app, client, owner.user_id)
    listing_id = int(re.search(r'name="listing_id" value="(\d+)"', pages.get("/merchant/apps").text).group(1))
    buyer_pages, _ = signed_in(app, client, world.user().user_id)
    before = snapshot(app)
    none = pages.post(
        "/merchant/apps/install",
        data={"csrf_token": token, "listing_id": listing_id},
        params={"lang": "zh_CN"},
    )
    assert none.status_code == 422 and "请至少选择一项权限" in none.text
    beyond = pages.post(
        "/merchant/apps/install",
        data={"csrf_token": token, "listing_id": listing_id, "scope": ["settlement:read"]},
    )
    assert beyond.status_code == 422
    assert buyer_pages.get("/merchant/apps").status_code == 403
    assert buyer_pages.get("/operator/apps").status_code == 403
    assert snapshot(app) == before


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_scope_an_app_may_ask_for_has_a_label_in_both_languages(lang):
    """The operator's form offers every scope (integrations.apps.SCOPES): a new scope without a
    label would show its key on the Chinese page."""
    from pledge.integrations.apps import SCOPES
    from pledge.web.i18n import catalog

    missing = sorted(s for s in SCOPES if f"apps.scope.{s}" not in catalog(lang))
    assert not missing, f"{lang}: scopes without a label: {missing}"
