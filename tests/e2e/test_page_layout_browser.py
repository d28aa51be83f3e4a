"""Every page fits a phone: the browser half of the page crawl (tests/e2e/test_demo_pages.py
visits every page in both languages over HTTP). Here Chromium opens one page of each kind a
demo role reaches (an order page stands for every order page) at 390x844 in Chinese and
English and at 1280x800 in Chinese, and fails when the page scrolls sideways or any element
sticks out of the viewport (a scroll box that clips its content, like a photo strip, may hold
wider content). Chinese pages also may not show English words outside the demo's own data.

One browser for the module, one context per role, language and width; the roles are separate
tests so pytest-xdist spreads them over workers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from pledge.demo.seed import PASSWORD, SHOPS
from pledge.inventory.tables import warehouses
from tests.e2e.conftest import new_context
from tests.e2e.page_audit import LATIN_ALLOWED, OVERFLOW_JS, TEXT_JS, latin_words

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ROLES = [
    ("buyer", "buyer@pledge.demo"),
    ("merchant", "florist@pledge.demo"),
    ("operator", "operator@pledge.demo"),
    ("finance", "finance@pledge.demo"),
]
SKIP = ("/static/", "/logout", "/docs", "/openapi.json", "/api/", "/media/")
MAX_PAGES = 80
# What the demo's merchants wrote (product titles like "A级向日葵", SKU names, descriptions) is
# theirs to word; the page around it is ours.
DEMO_WORDS = latin_words(
    " ".join(
        " ".join([p.title, p.description, *(sku[0] for sku in p.skus)])
        for shop in SHOPS
        for p in shop["products"]
    )
)


def data_words(live_server) -> set[str]:
    """Words the data brings, not the page: the rulebook's Chinese texts quote the platform's own
    terms (GMV, 买A发B), and warehouses have the codes their merchant gave them (KM, SH)."""
    texts = [c.text for c in live_server.app.rulebook.clauses]
    with live_server.app.uow.read() as conn:
        texts += list(conn.execute(select(warehouses.c.code)).scalars())
    return DEMO_WORDS | latin_words(" ".join(texts))


def kind(path: str) -> str:
    """Pages of one kind share a template: /orders/12 and /orders/13 are both /orders/N."""
    return re.sub(r"/\d+", "/N", path)


def lang_context(browser, live_server, viewport: dict, lang: str, state=None):
    """A context whose pages come in `lang` by the site's language cookie."""
    context = new_context(browser, live_server, viewport, lang, state)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    return context


def logged_in_state(browser, live_server, email: str):
    context = lang_context(browser, live_server, PHONE, "zh_CN")
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    state = context.storage_state()
    context.close()
    return state


def same_site_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h.split("#")[0].split("?")[0] for h in hrefs if h.startswith("/") and not h.startswith(SKIP)]


def audit(page, path: str, *, allowed: set[str] | None) -> list[str]:
    try:
        response = page.goto(path, wait_until="load")
    except PlaywrightError as download:  # a file (CSV, PDF) rather than a page
        if "Download is starting" in str(download):
            return []
        raise
    if "text/html" not in response.headers.get("content-type", ""):
        return []
    assert response is not None and response.status < 500, f"{path} -> {response and response.status}"
    problems = [f"{path}: {p}" for p in page.evaluate(OVERFLOW_JS)]
    if allowed is not None:
        words = latin_words(page.evaluate(TEXT_JS)) - allowed
        if words:
            problems.append(f"{path}: English words on a Chinese page: {sorted(words)}")
    return problems


@pytest.mark.parametrize("role,email", ROLES, ids=[r for r, _ in ROLES])
def test_every_page_fits_a_phone_and_a_desktop_without_sideways_scrolling(browser, live_server, role, email):
    state = logged_in_state(browser, live_server, email)
    allowed = LATIN_ALLOWED | data_words(live_server)
    problems: list[str] = []

    # Phone, Chinese: discover one page of each kind, breadth first from the home page.
    context = lang_context(browser, live_server, PHONE, "zh_CN", state)
    page = context.new_page()
    # Search is a form, not a link; the report form and the calendar are where a crawl of 80
    # pages may not reach (a 举报 link under one listing; an operators' page).
    start = ["/", "/search?q=向日葵", "/report/listing/1?back=/products/1", "/operator/calendar"]
    queue, kinds, visited = start, set(), []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if kind(path) in kinds:
            continue
        kinds.add(kind(path))
        visited.append(path)
        problems += [f"390px zh_CN {p}" for p in audit(page, path, allowed=allowed)]
        if page.url.startswith(live_server.url) and page.evaluate("document.contentType") == "text/html":
            queue += same_site_links(page)
    context.close()
    assert len(visited) >= 10, f"{role} reached only {visited}"

    for viewport, lang in ((PHONE, "en"), (DESKTOP, "zh_CN")):
        context = lang_context(browser, live_server, viewport, lang, state)
        page = context.new_page()
        for path in visited:
            problems += [f"{viewport['width']}px {lang} {p}" for p in audit(page, path, allowed=None)]
        context.close()

    assert not problems, f"{role}: {len(problems)} layout problems:\n" + "\n".join(problems)
