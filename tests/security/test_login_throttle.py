"""Issue 11 item 4: failed logins are throttled per account and per client address (429 with
Retry-After on the API, a readable message on the login page), the count is shared by every
process on the database, and an unknown email costs as much time as a wrong password, so
neither the answer nor its timing tells which addresses have accounts."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from pledge.accounts import services as accounts
from pledge.kernel.errors import Unauthorized
from tests.e2e.conftest import PASSWORD, assert_problem, email_of, post_login
from tests.security.conftest import http

WINDOW = timedelta(minutes=15)


def token_attempt(client, email: str, password: str, **headers):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}, headers=headers)


def test_login_throttle_per_account_refuses_even_the_right_password_until_the_window_passes(
    app, world, client, clock
):
    email = email_of(app, world.user().user_id)
    for _ in range(5):
        assert_problem(token_attempt(client, email, "wrong-password"), 401)
    refused = token_attempt(client, email, PASSWORD)
    body = assert_problem(refused, 429)
    assert body["code"] == "too_many_attempts"
    assert refused.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
    assert body["retry_after_seconds"] == int(WINDOW.total_seconds())

    clock.advance(WINDOW - timedelta(minutes=1))
    still_refused = token_attempt(client, email, PASSWORD)
    assert still_refused.status_code == 429 and still_refused.headers["Retry-After"] == "60"
    clock.advance(timedelta(minutes=1))
    assert token_attempt(client, email, PASSWORD).status_code == 200


def test_login_throttle_counts_only_failures_a_success_starts_the_account_afresh(app, world, client):
    email = email_of(app, world.user().user_id)
    for _ in range(4):
        assert token_attempt(client, email, "wrong-password").status_code == 401
    assert token_attempt(client, email, PASSWORD).status_code == 200
    for _ in range(4):
        assert token_attempt(client, email, "wrong-password").status_code == 401
    assert token_attempt(client, email, PASSWORD).status_code == 200


def test_login_throttle_per_address_stops_guessing_across_many_accounts(app, world, client):
    """20 failures from one address over any emails; the 21st attempt from it is refused even
    for another account, while the same account from another address is still let in."""
    email = email_of(app, world.user().user_id)
    for i in range(20):
        assert token_attempt(client, f"nobody{i}@example.com", "wrong-password").status_code == 401
    assert_problem(token_attempt(client, email, PASSWORD), 429)
    # X-Forwarded-For counts only from a trusted proxy: the default trusts none.
    assert token_attempt(client, email, PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429


def test_login_throttle_uses_the_forwarded_address_only_behind_a_trusted_proxy(app_with, world):
    behind_proxy = http(app_with(trusted_proxies="testclient"))
    email = email_of(world.app, world.user().user_id)
    for i in range(20):
        resp = token_attempt(
            behind_proxy, f"nobody{i}@example.com", "x" * 8, **{"X-Forwarded-For": "203.0.113.9"}
        )
        assert resp.status_code == 401
    assert (
        token_attempt(behind_proxy, email, PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    )
    assert (
        token_attempt(behind_proxy, email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    )


def test_login_throttle_limits_are_settings(app_with, world):
    strict = http(app_with(login_failures_per_account=2, login_failure_window_minutes=1))
    email = email_of(world.app, world.user().user_id)
    for _ in range(2):
        assert token_attempt(strict, email, "wrong-password").status_code == 401
    refused = token_attempt(strict, email, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_login_throttle_is_shared_by_every_process_on_the_database(app_with, world):
    """Two servers on one database (two apps, two engines) count the same failures."""
    first, second = http(app_with()), http(app_with())
    email = email_of(world.app, world.user().user_id)
    for client in (first, second, first, second, first):
        assert token_attempt(client, email, "wrong-password").status_code == 401
    assert token_attempt(second, email, PASSWORD).status_code == 429


def test_login_throttle_on_the_page_is_a_readable_translated_message(app, world, client):
    email = email_of(app, world.user().user_id)
    for _ in range(5):
        assert post_login(client, email, "wrong-password").status_code == 401
    page = post_login(client, email, PASSWORD)
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert page.headers["Retry-After"] == "900"
    assert "登录失败次数过多，请在 15 分钟后再试。" in page.text
    assert not client.cookies.get("pledge_session")
    client.cookies.set("lang", "en")
    english = post_login(client, email, PASSWORD)
    assert "Too many failed logins. Try again in 15 minutes." in english.text


def test_unknown_email_takes_as_long_as_a_wrong_password(app, world, production_password_hashes):
    """The password hash is verified (against a dummy hash) even when no account has the email.
    Before: an unknown email answered in about a millisecond, a wrong password in tens."""
    email = email_of(app, world.user().user_id)
    unknown, wrong = [], []
    for _ in range(5):
        for email_tried, times in ((f"nobody@{time.time_ns()}.example", unknown), (email, wrong)):
            started = time.perf_counter()
            with app.uow.read() as conn:
                try:
                    accounts.authenticate(conn, email_tried, "wrong-password")
                except Unauthorized:
                    pass
            times.append(time.perf_counter() - started)
    assert statistics.median(unknown) >= 0.5 * statistics.median(wrong), (unknown, wrong)


def test_a_password_is_kept_as_argon2id_at_the_recommended_cost(production_password_hashes):
    """The suite hashes with a minimal cost (tests/conftest.py); the app's own hasher keeps
    RFC 9106's low-memory profile (argon2id, 64 MiB, 3 passes, 4 lanes)."""
    kept = accounts.hash_password("a long enough password")
    assert kept.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
