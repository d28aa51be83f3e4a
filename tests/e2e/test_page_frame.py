"""The frame every page shares (issue 17): the language switch keeps the page and its
parameters and never leads to "Method Not Allowed", error pages (404, 405, 403, 500) speak the
reader's language, and the login page lists the demo accounts in demo mode and never otherwise.
Over the real ASGI app (TestClient); static assets are checked over real HTTP in
test_static_assets_http.py."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from pledge.demo.guide import guide, write_guide
from pledge.kernel.clock import FixedClock
from pledge.web.app import create_app
from tests.conftest import START, make_app, migrated_sqlite
from tests.e2e.conftest import post_login

SWITCH = re.compile(r'<a href="([^"]+)"[^>]*data-testid="switch-language"')
ACCOUNTS = [("buyer", "buyer@pledge.demo"), ("merchant", "florist@pledge.demo")]
NAMES = {"buyer@pledge.demo": "小林", "florist@pledge.demo": "小阿阮 · 小阿阮鲜花"}


def web(tmp_path, template, clock, *, demo: bool):
    url = migrated_sqlite(template, tmp_path)
    app = make_app(url, clock, var_dir=tmp_path, demo_mode=demo)
    write_guide(app.settings, guide(ACCOUNTS, "pledge123", NAMES))  # as the demo seed leaves it
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory, sqlite_template):
    app = web(tmp_path_factory.mktemp("frame"), sqlite_template, FixedClock(START), demo=False)
    with TestClient(create_app(app, run_worker=False)) as c:
        yield c
    app.uow.engine.dispose()


@pytest.fixture(autouse=True)
def fresh_cookies(request):
    """Each test starts as a new visitor (no language cookie from the one before)."""
    if "site" in request.fixturenames:
        request.getfixturevalue("site").cookies.clear()


def switch_link(page_html: str) -> str:
    found = SWITCH.search(page_html)
    assert found, "the page has no language switch"
    return html.unescape(found.group(1))


def test_language_switch_keeps_the_page_and_its_parameters(site):
    page = site.get("/operator/rulebook", params={"q": "late", "kind": "late_ship"})
    assert page.status_code == 200
    target = switch_link(page.text)
    assert target == "/operator/rulebook?q=late&kind=late_ship&lang=en"
    english = site.get(target)
    assert english.status_code == 200 and 'lang="en"' in english.text
    assert switch_link(english.text) == "/operator/rulebook?q=late&kind=late_ship&lang=zh_CN"


def test_language_switch_on_a_page_answering_a_post_leads_back_to_the_form_not_to_405(site):
    # A failed login answers the POST with the form again; the switch must not GET /login's POST.
    site.get("/login")
    failed = post_login(
        site,
        "nobody@example.com",
        "wrong-password",
        headers={"referer": "http://testserver/login?next=/orders"},
    )
    assert failed.status_code in (400, 401, 422), failed.status_code
    target = switch_link(failed.text)
    assert target == "/login?next=%2Forders&lang=en"
    followed = site.get(target)
    assert followed.status_code == 200 and 'lang="en"' in followed.text


def test_language_switch_on_a_405_page_goes_home_rather_than_to_the_same_405(site):
    refused = site.get("/logout")  # a POST-only address opened as a link
    assert refused.status_code == 405
    assert "无法这样打开此页面" in refused.text and "Method Not Allowed" not in refused.text
    target = switch_link(refused.text)
    assert target == "/?lang=en"
    assert site.get(target).status_code == 200


@pytest.mark.parametrize(
    "lang,title,sentence",
    [
        ("zh_CN", "页面不存在", "这个地址没有页面"),
        ("en", "Page not found", "There is no page at this address"),
    ],
)
def test_404_page_in_the_readers_language(site, lang, title, sentence):
    page = site.get("/no/such/page", params={"lang": lang})
    assert page.status_code == 404
    assert f"<h1>{title}</h1>" in page.text and sentence in page.text
    assert "Not Found" not in page.text
    api = site.get("/api/v1/no/such/thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_login_page_lists_no_account_and_no_password_outside_demo_mode(site):
    page = site.get("/login")
    assert page.status_code == 200
    assert "buyer@pledge.demo" not in page.text and "pledge123" not in page.text
    assert 'data-testid="demo-accounts"' not in page.text


def test_demo_login_page_lists_the_accounts_their_password_and_what_each_shows(
    tmp_path, sqlite_template, clock
):
    app = web(tmp_path, sqlite_template, clock, demo=True)
    with TestClient(create_app(app, run_worker=False)) as c:
        zh = c.get("/login").text
        en = c.get("/login", params={"lang": "en"}).text
    app.uow.engine.dispose()
    assert 'data-testid="demo-accounts"' in zh and "pledge123" in zh
    for _, email in ACCOUNTS:
        assert f'data-email="{email}"' in zh
    assert "晚发即赔" in zh and "坏一枝赔一枝" in zh and "小阿阮 · 小阿阮鲜花" in zh
    assert "Late-ship pledge" in en and "every damaged stem paid" in en
