"""Settlement over HTTP: a finance user launches and extends a waiver (with history), a merchant
applies, is approved, sees her balance and statement (JSON, CSV, PDF), requests a payout; bad
input is a problem+json that changes nothing; the CLI quotes commission; every string of the
settlement pages is translated."""

from __future__ import annotations

import io
import json
import re
from importlib import resources

import pytest
from pypdf import PdfReader

from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.settlement import accounts, deposits, fees, payouts, programs
from pledge.settlement import services as settlement
from pledge.settlement.payouts import provider_for
from pledge.web.i18n import catalog
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_cli import assert_readable_failure, run
from tests.integration.test_settlement_story import PRICE, Florist, sh

MY_TEMPLATES = ("settlement_balance.html", "settlement_statement.html", "settlement_finance.html")


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def test_programs_applications_balance_statement_and_payout_over_the_api(app, clock, client, florist):
    f = florist
    ops = bearer(api_token(client, email_of(app, f.operator.user_id)))
    shop = bearer(api_token(client, email_of(app, f.owner.user_id)))
    resp = client.post(
        "/api/v1/settlement/programs",
        headers=ops,
        json={
            "code": "fresh-9",
            "kind": "category_waiver",
            "name": "九大类目免佣",
            "starts_at": "2026-09-01",
            "rate_bp": 60,
            "categories": ["生鲜", "日用百货"],
            "note": "九大扶持措施",
        },
    )
    assert resp.status_code == 201, resp.text
    waiver = resp.json()
    resp = client.patch(
        f"/api/v1/settlement/programs/{waiver['id']}",
        headers=ops,
        json={"categories": ["生鲜", "日用百货", "鲜花园艺"], "note": "扩大范围"},
    )
    assert resp.status_code == 200 and resp.json()["version"] == 2
    assert [h["snapshot"]["categories"] for h in resp.json()["history"]] == [
        ["生鲜", "日用百货"],
        ["生鲜", "日用百货", "鲜花园艺"],
    ]
    resp = client.post(
        "/api/v1/settlement/programs",
        headers=ops,
        json={
            "code": "rebate",
            "kind": "turnover_rebate",
            "name": "多卖多返",
            "starts_at": "2026-09-01",
            "requires_application": True,
            "tiers": [[100, 1000]],
        },
    )
    rebate = resp.json()
    resp = client.post(
        f"/api/v1/shops/{f.shop_id}/program-applications", headers=shop, json={"program_id": rebate["id"]}
    )
    assert resp.status_code == 201
    resp = client.post(
        f"/api/v1/settlement/applications/{resp.json()['id']}/decision", headers=ops, json={"approve": True}
    )
    assert resp.json()["status"] == "approved"

    f.bulk_orders([sh(2026, 9, 2)])
    clock.set(sh(2026, 9, 20))
    settlement.run_step(app.uow, app.rulebook, clock, settlement_provider := provider_for(app))
    # seven weeks have passed: the tokens of August have expired (30 days); log in again
    ops = bearer(api_token(client, email_of(app, f.operator.user_id)))
    shop = bearer(api_token(client, email_of(app, f.owner.user_id)))
    bal = client.get(f"/api/v1/shops/{f.shop_id}/balance", headers=shop).json()
    assert (bal["pending_fen"], bal["available_fen"]) == (0, PRICE - 12)
    progs = client.get(f"/api/v1/shops/{f.shop_id}/programs", headers=shop).json()
    assert {p["code"]: p["saved_fen"] for p in progs["programs"]}["fresh-9"] == 100 - 12

    stmt = client.get(
        f"/api/v1/shops/{f.shop_id}/statement", params={"month": "2026-09"}, headers=shop
    ).json()
    assert stmt["reconciled"] and stmt["totals"]["sales"] == PRICE and stmt["totals"]["fees"] == -12
    assert {line["clause_id"] for line in stmt["lines"]} == {"commission.base", "commission.rate.flowers"}
    # the waived fee names its programme and version: as code in English, in words in Chinese
    assert [(line["program"], line["program_zh"]) for line in stmt["lines"] if line["kind"] == "fee"] == [
        ("fresh-9 v2", "fresh-9 第2版")
    ]
    page_login(client, email_of(app, f.owner.user_id), f"/merchant/shops/{f.shop_id}/settlement")
    page = client.get(f"/merchant/shops/{f.shop_id}/statement", params={"month": "2026-09"}).text
    assert "[fresh-9 第2版]" in page and " v2" not in page
    zh_csv = client.get(
        f"/merchant/shops/{f.shop_id}/statement",
        params={"month": "2026-09", "format": "csv", "lang": "zh_CN"},
    ).content.decode("utf-8-sig")
    assert "fresh-9 第2版" in zh_csv and "fresh-9 v2" not in zh_csv
    csv_resp = client.get(
        f"/api/v1/shops/{f.shop_id}/statement", params={"month": "2026-09", "format": "csv"}, headers=shop
    )
    assert csv_resp.headers["content-type"].startswith("text/csv")
    assert f"fees,{format_yuan(-12)},{format_yuan(-12)}" in csv_resp.content.decode("utf-8-sig")
    pdf = client.get(
        f"/api/v1/shops/{f.shop_id}/statement", params={"month": "2026-09", "format": "pdf"}, headers=shop
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert format_yuan(PRICE) in text and format_yuan(stmt["net_fen"]) in text

    # payouts pause below the deposit tier; above the available balance is refused; then it works
    before = snapshot(app)
    assert (
        "paused"
        in assert_problem(
            client.post(f"/api/v1/shops/{f.shop_id}/payouts", headers=shop, json={"amount_fen": 100}), 409
        )["detail"]
    )
    assert snapshot(app) == before
    resp = client.post(
        f"/api/v1/shops/{f.shop_id}/deposits", headers=ops, json={"amount_fen": 200_000, "reference": "B1"}
    )
    assert resp.status_code == 201
    before = snapshot(app)
    body = assert_problem(
        client.post(f"/api/v1/shops/{f.shop_id}/payouts", headers=shop, json={"amount_fen": PRICE - 12 + 1}),
        422,
    )
    assert "more than the available balance" in body["detail"]
    assert snapshot(app) == before
    resp = client.post(f"/api/v1/shops/{f.shop_id}/payouts", headers=shop, json={"amount_fen": PRICE - 12})
    assert resp.status_code == 201
    assert payouts.send_payouts(app.uow, settlement_provider, clock) == 1
    recon = client.get("/api/v1/settlement/reconciliation", params={"month": "2026-09"}, headers=ops).json()
    assert recon["ok"], recon
    assert_problem(client.get("/api/v1/settlement/reconciliation", headers=shop), 403)


def test_bad_program_input_over_the_api_is_a_problem_and_changes_nothing(app, client, florist):
    ops = bearer(api_token(client, email_of(app, florist.operator.user_id)))
    ok = {
        "code": "a",
        "kind": "category_waiver",
        "name": "免佣",
        "starts_at": "2026-09-01",
        "rate_bp": 60,
        "categories": ["生鲜"],
    }
    assert client.post("/api/v1/settlement/programs", headers=ops, json=ok).status_code == 201
    shop = bearer(api_token(client, email_of(app, florist.owner.user_id)))
    before = snapshot(app)
    overlap = dict(ok, code="b", starts_at="2026-10-01", ends_at="2026-11-01")
    assert (
        "already covers the same scope"
        in assert_problem(client.post("/api/v1/settlement/programs", headers=ops, json=overlap), 409)[
            "detail"
        ]
    )
    negative = dict(ok, code="c", categories=["水果蔬菜"], rate_bp=-60)
    assert (
        "between 0 and 10000"
        in assert_problem(client.post("/api/v1/settlement/programs", headers=ops, json=negative), 422)[
            "detail"
        ]
    )
    assert_problem(
        client.get(f"/api/v1/shops/{florist.shop_id}/statement", params={"month": "2026-13"}, headers=shop),
        422,
    )
    assert snapshot(app) == before


def test_the_merchant_pages_and_a_bad_payout_form(app, clock, client, florist):
    f = florist
    with app.uow.begin() as c:
        deposits.top_up_deposit(c, f.operator, f.shop_id, amount_fen=200_000, reference="B1", at=clock.now())
        ledger.record(
            c,
            key="t",
            kind="rebate",
            memo="",
            at=clock.now(),
            postings=[ledger.Posting(accounts.REBATES, accounts.available(f.shop_id), 500)],
        )
    csrf = page_login(client, email_of(app, f.owner.user_id), f"/merchant/shops/{f.shop_id}/settlement")
    before = snapshot(app)
    resp = client.post(
        f"/merchant/shops/{f.shop_id}/settlement/payout",
        data={"csrf_token": csrf, "amount": "5.01"},
        follow_redirects=False,
    )
    assert resp.status_code == 422 and "超过可提现余额" in resp.text  # the page speaks the reader's language
    assert snapshot(app) == before
    resp = client.post(
        f"/merchant/shops/{f.shop_id}/settlement/payout",
        data={"csrf_token": csrf, "amount": "5.00"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = client.get(f"/merchant/shops/{f.shop_id}/settlement")
    assert "¥5.00" in page.text and "待结算" in page.text
    assert (
        client.get(f"/merchant/shops/{f.shop_id}/statement", params={"month": "2026-08"}).status_code == 200
    )
    month = fees.month_of(clock.now(), "Asia/Shanghai")
    zh = client.get(f"/merchant/shops/{f.shop_id}/statement", params={"month": month}).text
    assert (
        "缴纳保证金 B1" in zh and "至银行账户" in zh and "deposit transfer" not in zh
    )  # lines in the page's language
    en = client.get(f"/merchant/shops/{f.shop_id}/statement", params={"month": month, "lang": "en"}).text
    assert "deposit transfer B1" in en and "缴纳保证金" not in en


def test_every_settlement_string_is_translated():
    folder = resources.files("pledge.web") / "templates"
    msgids = set()
    for name in MY_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    msgids = {m for m in msgids if not m.endswith(".")}  # prefixes such as "payout." ~ status
    assert "Download CSV (Chinese)" in msgids and "Settlement" in msgids
    from pledge.settlement.reports import TOTALS

    codes = {name for name, _ in TOTALS} | {
        "sale",
        "fee",
        "fee_refund",
        "refund",
        "deduction",
        "rebate",
        "payout",
        "payout_return",
        "deposit",
        "payout.pending",
        "payout.sent",
        "payout.returned",
        "application.pending",
        "application.approved",
        "application.rejected",
        "category_waiver",
        "task_waiver",
        "new_merchant",
        "turnover_rebate",
        "payments captured",
        "buyer refunds",
        "commission charged",
        "commission returned",
        "rebates paid",
        "payouts sent",
        "Finance",
    }
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted((msgids | codes) - zh.keys()), "missing in zh_CN.po"
    assert not sorted(codes - {"Finance"} - en.keys()), "missing in en.po"


def test_cli_quotes_commission():
    result = run(
        "quote",
        "commission",
        "--rulebook",
        "douyin",
        "--category",
        "水果蔬菜",
        "--paid",
        "100.00",
        "--platform-coupon",
        "5.00",
        "--channel",
        "product_card",
        "--at",
        "2026-09-01T10:00",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "amount_fen": 210,
        "rate_bp": 200,
        "base_fen": 10500,
        "clause": "commission.rate.fresh",
    }
    merchant = run(
        "quote",
        "commission",
        "--category",
        "不存在的类目",
        "--paid",
        "100.00",
        "--merchant-coupon",
        "5.00",
        "--json",
    )
    assert json.loads(merchant.stdout) == {
        "amount_fen": 500,
        "rate_bp": 500,
        "base_fen": 10000,
        "clause": "commission.rate.default",
    }
    assert_readable_failure(
        run("quote", "commission", "--category", "鲜花园艺", "--paid", "-1", "--json"), "not an amount"
    )
    assert_readable_failure(
        run("quote", "commission", "--category", "鲜花园艺", "--paid", "1", "--channel", "tv"),
        "unknown channel",
    )


def test_the_finance_page_launches_extends_and_approves(app, clock, client, florist):
    f = florist
    csrf = page_login(client, email_of(app, f.operator.user_id), "/finance/settlement")
    resp = client.post(
        "/finance/settlement/programs",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "code": "fresh-9",
            "kind": "category_waiver",
            "name": "九大类目免佣",
            "rate": "0.6",
            "categories": "生鲜，日用百货",
            "starts_at": "2026-09-01",
            "note": "九大扶持措施",
        },
    )
    assert resp.status_code == 303, resp.text
    with app.uow.read() as c:
        program_id = programs.load_programs(c)[0].id
        assert programs.load_programs(c)[0].rate_bp == 60  # "0.6" percent, exactly
    resp = client.post(
        f"/finance/settlement/programs/{program_id}",
        follow_redirects=False,
        data={"csrf_token": csrf, "categories": "生鲜, 日用百货, 鲜花园艺", "note": "扩大到鲜花"},
    )
    assert resp.status_code == 303
    rebate = client.post(
        "/finance/settlement/programs",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "code": "rebate",
            "kind": "turnover_rebate",
            "name": "多卖多返",
            "tiers": "1000:5, 5000:10",
            "requires_application": "on",
            "starts_at": "2026-09-01",
        },
    )
    assert rebate.status_code == 303
    with app.uow.read() as c:  # yuan and percent as typed, in fen and basis points
        assert programs.load_programs(c)[1].params["tiers"] == [[100000, 500], [500000, 1000]]
    with app.uow.begin() as c:
        application = programs.apply_to_program(
            c, f.owner, f.shop_id, programs.load_programs(c)[1].id, at=clock.now()
        )
    page = client.get("/finance/settlement")
    assert page.status_code == 200
    assert (
        "扩大到鲜花" in page.text and "第2版" in page.text and "版本历史" in page.text and "对账" in page.text
    )
    before = snapshot(app)
    bad = client.post(
        "/finance/settlement/programs",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "code": "neg",
            "kind": "category_waiver",
            "name": "负费率",
            "rate": "-1",
            "categories": "酒类",
        },
    )
    assert bad.status_code == 422 and "费率须在0%到100%之间" in bad.text  # in the reader's language
    assert snapshot(app) == before
    resp = client.post(
        f"/finance/settlement/applications/{application}",
        follow_redirects=False,
        data={"csrf_token": csrf, "decision": "approve"},
    )
    assert resp.status_code == 303
    with app.uow.read() as c:
        assert queries_status(c, application) == "approved"


def queries_status(conn, application_id: int) -> str:
    from sqlalchemy import select

    from pledge.settlement.tables import applications

    return conn.execute(select(applications.c.status).where(applications.c.id == application_id)).scalar_one()


def test_cli_quote_for_a_shop_applies_its_product_card_waiver_on_that_channel_only(
    tmp_path, sqlite_template, clock
):
    """`--shop` reads the operator's programs: the florist's product-card waiver (0.6 %) lowers a
    product-card order's commission and names the program; a live-room order pays the table rate."""
    from tests.conftest import make_app, migrated_sqlite

    app = make_app(migrated_sqlite(sqlite_template, tmp_path), clock)
    clock.set(sh(2026, 8, 1, 9))
    f = Florist(app, clock)
    f.do(
        lambda c: programs.create_program(
            c,
            f.operator,
            programs.ProgramSpec(
                code="card-waiver",
                kind="category_waiver",
                name="商品卡免佣",
                name_en="Product-card waiver",
                starts_at=sh(2026, 9, 1),
                rate_bp=60,
                categories=("鲜花园艺",),
                channel="product_card",
            ),
            at=clock.now(),
        )
    )
    app.uow.engine.dispose()
    args = (
        "quote",
        "commission",
        "--category",
        "鲜切花",
        "--parent",
        "鲜花园艺",
        "--paid",
        "100.00",
        "--at",
        "2026-09-03T10:00",
        "--shop",
        str(f.shop_id),
        "--json",
    )
    card = run(*args, "--channel", "product_card", var_dir=tmp_path)
    assert card.returncode == 0, card.stderr
    assert json.loads(card.stdout) == {
        "amount_fen": 60,
        "rate_bp": 60,
        "base_fen": 10000,
        "clause": "commission.rate.flowers",
        "program": "card-waiver v1",
    }
    live = json.loads(run(*args, "--channel", "live_room", var_dir=tmp_path).stdout)
    assert (live["amount_fen"], live["rate_bp"], live["program"]) == (500, 500, None)
    assert_readable_failure(run(*args[:-3], "--shop", "9999", "--json", var_dir=tmp_path), "no shop 9999")
