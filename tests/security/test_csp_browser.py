"""Issue 11 item 11 in Chromium: with the Content-Security-Policy in force, the pages a demo
buyer walks through report no policy violation (no blocked inline script, style or eval), htmx
still swaps its fragments, the error page's "go back" link works, and Swagger UI renders."""

from __future__ import annotations

import re

import pytest

from pledge.demo.seed import PASSWORD

# Fixtures, re-exported so that pytest finds them here.
from tests.e2e.conftest import browser as browser
from tests.e2e.conftest import live_server as live_server
from tests.e2e.conftest import page as page

pytestmark = pytest.mark.browser

# Each document records the violations the browser reports (init scripts run outside the policy).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def violations(pg) -> list[str]:
    return pg.evaluate("window.__csp")


def test_demo_pages_run_under_the_policy_without_a_single_violation(page, live_server):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/login")
    page.fill("input[name=email]", "buyer@pledge.demo")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert "script-src 'self'" in page.request.get("/").headers["content-security-policy"]
    seen = {}
    for path in ("/", "/orders", "/wallet", "/cases", "/chats", "/account/tokens", "/operator/rulebook"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        seen[path] = violations(page)
    # a page whose parts arrive by htmx (the product's reviews load on "load")
    page.goto("/")
    page.locator("a[href^='/products/']").first.click()
    page.wait_for_url(re.compile(r"/products/\d+$"))
    page.wait_for_load_state("networkidle")
    seen["product"] = violations(page)
    assert {path: found for path, found in seen.items() if found} == {}


def test_error_page_go_back_link_works_without_a_javascript_url(page, live_server):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/operator/rulebook")
    page.goto("/no-such-page")
    page.locator("a[data-back]").click()
    page.wait_for_url(re.compile(r"/operator/rulebook$"))
    assert violations(page) == []


def test_swagger_ui_renders_under_the_policy(page, live_server):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert violations(page) == []
