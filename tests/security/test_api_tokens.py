"""Issue 11 item 5: a bearer token expires (30 days unless configured), `DELETE
/api/v1/auth/token` revokes the token that calls it, a page lists one's tokens (created, last
used, expires, in Beijing time; never the secret) with CSRF-protected revoke buttons, and logging
out ends the session on the server, so a replayed session cookie no longer works."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from pledge.accounts.services import token_digest
from tests.e2e.conftest import CSRF_INPUT, api_token, assert_problem, bearer, email_of, page_login
from tests.security.conftest import http

TOKEN_FIELD = re.compile(r'name="token"\s+value="([0-9a-f]+)"')


def me(client, token: str):
    return client.get("/api/v1/me", headers=bearer(token))


def test_api_token_expires_thirty_days_after_it_was_issued(app, world, client, clock):
    token = api_token(client, email_of(app, world.user().user_id))
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert me(client, token).status_code == 200
    clock.advance(timedelta(seconds=1))
    body = assert_problem(me(client, token), 401)
    assert "expired" in body["detail"]


def test_api_token_lifetime_is_a_setting(app_with, world, clock):
    client = http(app_with(api_token_days=1))
    token = api_token(client, email_of(world.app, world.user().user_id))
    clock.advance(timedelta(days=1))
    assert me(client, token).status_code == 401


def test_delete_auth_token_revokes_the_token_used_and_no_other(app, world, client):
    email = email_of(app, world.user().user_id)
    used, other = api_token(client, email), api_token(client, email)
    resp = client.delete("/api/v1/auth/token", headers=bearer(used))
    assert resp.status_code == 204, resp.text
    assert_problem(me(client, used), 401)
    assert_problem(client.delete("/api/v1/auth/token", headers=bearer(used)), 401)
    assert me(client, other).status_code == 200


def test_delete_auth_token_needs_a_bearer_token_not_a_session(app, world, client):
    email = email_of(app, world.user().user_id)
    csrf = page_login(client, email, "/account/tokens")
    assert_problem(client.delete("/api/v1/auth/token", headers={"X-CSRF-Token": csrf}), 422)


def test_token_page_lists_times_in_beijing_time_never_the_secret_and_revokes_with_csrf(
    app, world, client, clock
):
    email = email_of(app, world.user().user_id)
    token = api_token(client, email)  # issued 2026-09-01 10:00 Beijing time
    clock.advance(timedelta(hours=3))
    assert me(client, token).status_code == 200  # last used 13:00
    csrf = page_login(client, email, "/account/tokens")
    page = client.get("/account/tokens")
    listed = page.text
    assert token not in listed and token[4:20] not in listed
    row = re.search(r'<tr data-testid="api-token".*?</tr>', listed, re.S).group(0)
    assert "今天 10:00" in row and "今天 13:00" in row and "10月1日 10:00" in row
    assert "T02:00" not in listed and "+00:00" not in listed
    assert "有效" in row
    token_hash = TOKEN_FIELD.search(row).group(1)

    forged = client.post("/account/tokens/revoke", data={"token": token_hash}, follow_redirects=False)
    assert forged.status_code == 403 and me(client, token).status_code == 200
    revoked = client.post(
        "/account/tokens/revoke", data={"token": token_hash, "csrf_token": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account/tokens"
    assert me(client, token).status_code == 401
    assert "已撤销" in client.get("/account/tokens").text
    english = client.get("/account/tokens", params={"lang": "en"}).text
    assert "Revoked" in english and "Expires" in english


def test_token_page_revokes_only_the_callers_own_tokens(app, world, client):
    victim_token = api_token(client, email_of(app, world.user().user_id))
    attacker_csrf = page_login(client, email_of(app, world.user().user_id), "/account/tokens")
    resp = client.post(
        "/account/tokens/revoke",
        data={"token": token_digest(victim_token), "csrf_token": attacker_csrf},
        follow_redirects=False,
    )
    assert resp.status_code == 404
    assert me(client, victim_token).status_code == 200


def test_logout_ends_the_session_on_the_server_a_replayed_cookie_is_refused(app, world, client):
    email = email_of(app, world.user().user_id)
    csrf = page_login(client, email, "/account/tokens")
    stolen = client.cookies.get("pledge_session")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(client.app, cookies={"pledge_session": stolen})
    assert replay.get("/account/tokens", follow_redirects=False).status_code == 303
    assert_problem(replay.get("/api/v1/me"), 401)


def test_logout_form_needs_the_sessions_csrf_token(app, world, client):
    csrf = page_login(client, email_of(app, world.user().user_id), "/account/tokens")
    assert CSRF_INPUT.search(client.get("/account/tokens").text).group(1) == csrf
    forced = client.post("/logout", follow_redirects=False)
    assert forced.status_code == 403
    assert client.get("/account/tokens", follow_redirects=False).status_code == 200
