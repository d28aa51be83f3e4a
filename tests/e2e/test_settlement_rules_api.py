"""The deposit, settlement-date and freeze rules as a user meets them: `pledge quote deposit` and
`pledge quote settle-date` answer from the rulebook; finance marks a shop 0元入驻 over the API; the
merchant's balance page shows a freeze with its rule and release time in Beijing time, in Chinese
without English words or internal keys, and in English."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from pledge.logistics.sanctions import evaluate_sanctions
from pledge.settlement.payouts import SandboxPayoutProvider
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, post_login
from tests.e2e.test_cli import assert_readable_failure, run
from tests.integration.test_settlement_freezes import a_late_day
from tests.integration.test_settlement_story import Florist, sh


def quote(*args: str) -> dict:
    result = run("quote", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_quotes_the_deposit_aJngrvusHLew():
    flowers = quote("deposit", "--rulebook", "douyin", "--last-month-gmv", "60000", "--category", "花卉盆栽")
    assert (flowers["amount_fen"], flowers["base_fen"], flowers["category_fen"]) == (
        700_000,
        200_000,
        500_000,
    )
    assert (
        flowers["clause"] == "deposit.base.gmv-50k-100k"
        and flowers["category_clause"] == "deposit.category-experience.5000"
    )
    assert [p["source"] for p in flowers["parts"]] == ["douyin:aJngrvusHLew"] * 2
    assert quote("deposit", "--last-month-gmv", "50000")["amount_fen"] == 50_000
    assert quote("deposit", "--last-month-gmv", "100000.01")["amount_fen"] == 500_000
    zero = quote("deposit", "--last-month-gmv", "250000", "--zero-entry")
    assert (zero["amount_fen"], zero["clause"]) == (0, "deposit.base.zero-entry")
    assert_readable_failure(run("quote", "deposit", "--last-month-gmv", "-3", "--json"), "not an amount")


def test_cli_quotes_the_settlement_date_aJoPPkWZ6ehX():
    pot = quote(
        "settle-date",
        "--rulebook",
        "douyin",
        "--category",
        "花卉盆栽",
        "--confirmed-at",
        "2026-08-20T10:00:00+08:00",
    )
    assert (pot["available_at"], pot["clause"], pot["days"]) == (
        "2026-09-04T10:00:00+08:00",
        "settlement.available.category-15d",
        15,
    )
    plain = quote("settle-date", "--category", "鲜切花", "--confirmed-at", "2026-08-20T02:00:00Z")
    assert (plain["available_at"], plain["clause"]) == (
        "2026-08-23T10:00:00+08:00",
        "settlement.available.ordinary",
    )
    zero = quote(
        "settle-date", "--category", "花卉盆栽", "--confirmed-at", "2026-08-20T10:00", "--zero-entry"
    )
    assert (zero["available_at"], zero["clause"]) == (
        "2026-09-10T10:00:00+08:00",
        "settlement.available.zero-entry",
    )
    assert_readable_failure(run("quote", "settle-date", "--confirmed-at", "yesterday", "--json"), "yesterday")


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def test_finance_marks_a_shop_zero_entry_and_a_merchant_cannot(app, client, florist):
    f = florist
    ops = bearer(api_token(client, email_of(app, f.operator.user_id)))
    shop = bearer(api_token(client, email_of(app, f.owner.user_id)))
    assert_problem(
        client.put(f"/api/v1/shops/{f.shop_id}/settlement-terms", headers=shop, json={"zero_entry": True}),
        403,
    )
    assert_problem(
        client.put(f"/api/v1/shops/{f.shop_id}/settlement-terms", headers=ops, json={"zero_entry": "yes"}),
        422,
    )
    resp = client.put(f"/api/v1/shops/{f.shop_id}/settlement-terms", headers=ops, json={"zero_entry": True})
    assert resp.status_code == 200 and resp.json() == {"shop_id": f.shop_id, "zero_entry": True}
    bal = client.get(f"/api/v1/shops/{f.shop_id}/balance", headers=shop).json()
    assert (bal["zero_entry"], bal["deposit_tier_fen"], bal["deposit_clause"]) == (
        True,
        0,
        "deposit.base.zero-entry",
    )


def test_the_balance_page_shows_a_freeze_with_its_rule_and_release_time(app, clock, client, florist):
    f = florist
    a_late_day(f)
    clock.set(sh(2026, 9, 5, 9))
    evaluate_sanctions(app.uow, app.rulebook, clock)
    f.worker(SandboxPayoutProvider(app.uow))
    resp = post_login(client, email_of(app, f.owner.user_id), "password123")
    assert resp.status_code == 303
    zh = client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "zh_CN"}).text
    freezes = zh[zh.index('data-testid="freezes"') :]
    freezes = freezes[: freezes.index("</table>")]
    assert "冻结货款" in zh and "9月12日 00:00" in freezes and "（北京时间）" in freezes
    assert "违规订单货款冻结7天" in freezes and "¥18.90" in freezes
    visible = re.sub(r"<[^>]+>", " ", zh[zh.index("<h1>") : zh.index('data-testid="statement-links"')])
    assert not re.findall(r"[A-Za-z]{3,}", visible), re.findall(r"[A-Za-z]{3,}", visible)
    assert "freeze." not in zh and "deposit." not in zh and "T0" not in freezes
    en = client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "en"}).text
    assert "Frozen proceeds" in en and "freezes the violating orders" in en and "for 7 days" in en
    clock.set(sh(2026, 9, 12) + timedelta(minutes=1))
    f.worker(SandboxPayoutProvider(app.uow))
    zh = client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "zh_CN"}).text
    assert "已解冻" in zh and 'data-testid="freeze-active"' not in zh


def test_the_finance_page_lists_freezes_and_marks_a_shop_zero_entry(app, clock, client, florist):
    from tests.e2e.conftest import page_login

    f = florist
    a_late_day(f)
    clock.set(sh(2026, 9, 5, 9))
    evaluate_sanctions(app.uow, app.rulebook, clock)
    f.worker(SandboxPayoutProvider(app.uow))
    csrf = page_login(client, email_of(app, f.operator.user_id), "/finance/settlement")
    page = client.get("/finance/settlement", params={"lang": "zh_CN"}).text
    listed = page[page.index('data-testid="finance-freezes"') :]
    assert listed[: listed.index("</table>")].count("违规订单货款冻结7天") == 100
    resp = client.post(
        "/finance/settlement/terms",
        data={"csrf_token": csrf, "shop_id": str(f.shop_id), "zero_entry": "yes"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = client.get("/finance/settlement").text
    assert f"小阿阮鲜花 (#{f.shop_id})" in page
    resp = client.post(
        "/finance/settlement/terms", data={"csrf_token": csrf, "shop_id": "999999", "zero_entry": "yes"}
    )
    assert resp.status_code == 404
