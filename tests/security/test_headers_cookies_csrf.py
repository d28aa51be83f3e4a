"""Issue 11 item 11: pages send a Content-Security-Policy that allows no inline script and only
same-origin framing (and X-Frame-Options), the templates hold nothing such a policy would block,
the session cookie is Secure whenever the app is served over HTTPS (always, unless configured
otherwise, outside demo mode; X-Forwarded-Proto counts only from a trusted proxy), and the login
form carries a CSRF token (login CSRF)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import PASSWORD, email_of, login_csrf, post_login
from tests.security.conftest import http

REQUIRED = {
    "default-src": "'self'",
    "frame-ancestors": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
}
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "htmx hx-on (eval)": re.compile(r"\bhx-on\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
}


def policy(resp) -> dict[str, list[str]]:
    header = resp.headers.get("content-security-policy", "")
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def inline_parts(html: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(html)]


@pytest.mark.parametrize("path", ["/", "/login", "/docs", "/operator/rulebook", "/no-such-page"])
def test_pages_send_a_content_security_policy_without_inline_script_and_deny_framing(client, path):
    resp = client.get(path)
    assert resp.headers["content-type"].startswith("text/html")
    csp = policy(resp)
    for directive, value in REQUIRED.items():
        assert csp.get(directive) == [value], (directive, resp.headers.get("content-security-policy"))
    for directive in ("script-src", "style-src", "default-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(csp.get(directive, [])), directive
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert inline_parts(resp.text) == [], f"{path} holds what its policy blocks"


def test_templates_hold_no_inline_script_style_or_handler_the_policy_would_block():
    folder = resources.files("pledge.web") / "templates"
    found = {
        f.name: inline_parts(f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".html")
    }
    assert {name: parts for name, parts in found.items() if parts} == {}


def test_api_answers_are_not_frameable_either(client):
    resp = client.get("/api/v1/health")
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert policy(resp)["frame-ancestors"] == ["'self'"]


def session_cookie_header(resp) -> str:
    found = [
        v for k, v in resp.headers.multi_items() if k == "set-cookie" and v.startswith("pledge_session=")
    ]
    assert found, resp.headers
    return found[0]


def secure(cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


def log_in(client: TestClient, email: str, **headers):
    resp = post_login(client, email, PASSWORD, headers=headers)
    assert resp.status_code == 303, resp.text
    return session_cookie_header(resp)


def test_session_cookie_is_secure_by_default_outside_demo_mode(app_with, world):
    app = app_with(secure_cookies=None)
    email = email_of(app, world.user().user_id)
    assert secure(log_in(http(app, "https://testserver"), email))
    # even when the request looks like plain HTTP (TLS may end at a proxy we were not told of)
    login_cookie = http(app).get("/login").headers["set-cookie"]
    assert login_cookie.startswith("pledge_login_csrf=") and secure(login_cookie)
    cookie = log_in(http(app_with(secure_cookies=False)), email)
    assert not secure(cookie) and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_session_cookie_is_secure_over_https_in_demo_mode(app_with, world):
    app = app_with(secure_cookies=None, demo_mode=True)
    email = email_of(app, world.user().user_id)
    assert not secure(log_in(http(app), email))
    assert secure(log_in(http(app, "https://testserver"), email))


def test_forwarded_proto_counts_only_from_a_trusted_proxy(app_with, world):
    untrusted = app_with(secure_cookies=None, demo_mode=True)
    email = email_of(untrusted, world.user().user_id)
    assert not secure(log_in(http(untrusted), email, **{"X-Forwarded-Proto": "https"}))
    trusted = app_with(secure_cookies=None, demo_mode=True, trusted_proxies="testclient")
    assert secure(log_in(http(trusted), email, **{"X-Forwarded-Proto": "https"}))


def test_login_form_carries_a_csrf_token_and_a_post_without_it_logs_nobody_in(app, world, client):
    """Login CSRF: another site must not log the victim's browser into the attacker's account."""
    email = email_of(app, world.user().user_id)
    form = {"email": email, "password": PASSWORD, "next": "/"}
    bare = client.post("/login", data=form, follow_redirects=False)
    assert bare.status_code == 403 and not client.cookies.get("pledge_session")
    assert "请刷新页面" in bare.text or "重新打开" in bare.text
    token = login_csrf(client)
    wrong = client.post("/login", data={**form, "csrf_token": token + "x"}, follow_redirects=False)
    assert wrong.status_code == 403 and not client.cookies.get("pledge_session")
    elsewhere = TestClient(client.app)  # the attacker's own token, without the cookie it belongs to
    stolen = elsewhere.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert stolen.status_code == 403 and not elsewhere.cookies.get("pledge_session")
    ok = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and client.cookies.get("pledge_session")
