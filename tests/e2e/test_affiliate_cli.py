"""`pledge quote affiliate` as a user runs it (douyin:aJoPPkXtaG25): JSON with the base, the
commission, the platform's service fee by the creator's grade and the creator's net, or a readable
one-line error and exit code 2. The official text has no numeric example: the figures are worked
by hand from its formulas."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_cli import assert_readable_failure, one_line, run

QUOTE = ("quote", "affiliate", "--rulebook", "douyin")


def quote(*args: str) -> dict:
    result = run(*QUOTE, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "grade, fee_fen, net_fen, clause",
    [
        ("A", 196, 1_764, "affiliate.service-fee.a"),
        ("B+", 196, 1_764, "affiliate.service-fee.b-plus"),
        ("B", 196, 1_764, "affiliate.service-fee.b"),
        ("C", 392, 1_568, "affiliate.service-fee.c"),
        ("D", 784, 1_176, "affiliate.service-fee.d"),
    ],
)
def test_quote_affiliate_service_fee_by_grade_aJoPPkXtaG25(grade, fee_fen, net_fen, clause):
    # 结算基数（境内）=实付金额 + 主播券金额 + 平台券金额 … - 运费金额: 100 + 5 + 3 − 10 = ¥98.00;
    # 达人推广费=结算基数*达人佣金费率: 98.00 × 20 % = ¥19.60; 技术服务费 = 推广费 × X%
    # (A, B+, B: 10 %; C: 20 %; D: 40 %).
    answer = quote(
        "--paid", "100.00", "--shipping", "10", "--creator-coupon", "5", "--platform-coupon", "3",
        "--rate", "20", "--grade", grade,
    )  # fmt: skip
    assert {k: answer[k] for k in ("base_fen", "commission_fen", "service_fee_fen", "creator_net_fen")} == {
        "base_fen": 9_800,
        "commission_fen": 1_960,
        "service_fee_fen": fee_fen,
        "creator_net_fen": net_fen,
    }
    assert (answer["clause"], answer["source"]) == (clause, "douyin:aJoPPkXtaG25")


def test_quote_affiliate_counts_subsidy_packing_and_logistics_reduction_and_rounds_half_up():
    # base = 59.90 + 2.00 subsidy − 8.00 shipping − 1.50 packing + 0.80 reduction = ¥53.20;
    # 53.20 × 12.5 % = 6.65 → 665 fen; grade B 10 % of 665 = 66.5 → 67 fen (half-up); net 598.
    answer = quote(
        "--paid", "59.90", "--payment-subsidy", "2", "--shipping", "8", "--packing", "1.50",
        "--logistics-reduction", "0.80", "--rate", "12.5", "--grade", "b", "--at", "2026-09-08T23:30:00",
    )  # fmt: skip
    assert (answer["base_fen"], answer["commission_fen"], answer["service_fee_fen"]) == (5_320, 665, 67)
    assert answer["creator_net_fen"] == 598
    # paid 2026-09-08 (Beijing): the grade published on 2026-08-08 applies (9th to the next 8th)
    assert answer["grade_period"] == {
        "published_on": "2026-08-08",
        "first_day": "2026-08-09",
        "last_day": "2026-09-08",
    }


def test_quote_affiliate_with_a_group_leader_rate_quotes_the_leaders_fee_too():
    # 团长服务费 = 结算基数*费率: 98.00 × 5 % = ¥4.90; its 技术服务费=服务费*10% = ¥0.49
    answer = quote("--paid", "108", "--shipping", "10", "--rate", "20", "--grade", "A", "--leader-rate", "5")
    assert answer["leader"] == {
        "fee_fen": 490,
        "service_fee_fen": 49,
        "net_fen": 441,
        "rate_bp": 500,
        "clause": "affiliate.leader-fee",
    }


def test_quote_affiliate_in_words():
    result = run(*QUOTE, "--paid", "100", "--shipping", "10", "--rate", "20", "--grade", "C")
    assert result.returncode == 0, result.stderr
    assert one_line(result.stdout) == (
        "commission 18.00 yuan = 90.00 × 20%; service fee 3.60 (grade C, affiliate.service-fee.c); "
        "the creator nets 14.40 (douyin:aJoPPkXtaG25)"
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (["--paid", "100", "--rate", "100.01", "--grade", "A"], "--rate: a rate must be from 0% to 100%"),
        (["--paid", "100", "--rate=-1", "--grade", "A"], "--rate: a rate must be from 0% to 100%"),
        (["--paid", "100", "--rate", "lots", "--grade", "A"], "--rate: not a percentage"),
        (
            ["--paid", "100", "--rate", "20", "--grade", "E"],
            "unknown creator grade 'E'; one of A, B+, B, C, D",
        ),
        (["--paid=-5", "--rate", "20", "--grade", "A"], "--paid: not an amount in yuan (like 19.90): '-5'"),
        (["--paid", "1.001", "--rate", "20", "--grade", "A"], "--paid: amount has more than two decimals"),
        (["--paid", "0", "--rate", "20", "--grade", "A"], "--paid must be a positive amount"),
        (
            ["--paid", "100", "--shipping=-1", "--rate", "20", "--grade", "A"],
            "--shipping: not an amount in yuan",
        ),
        (
            ["--paid", "10", "--shipping", "12", "--rate", "20", "--grade", "A"],
            "shipping and packing (12.00 yuan) exceed the amount paid and the coupons (10.00 yuan)",
        ),
        (
            ["--paid", "100", "--rate", "60", "--grade", "A", "--leader-rate", "31"],
            "together are at most 90%",
        ),
        (["--paid", "100", "--rate", "20", "--grade", "A", "--at", "soon"], "not an ISO-8601 time"),
        (
            ["--rulebook", "taobao", "--paid", "100", "--rate", "20", "--grade", "A"],
            "rulebook taobao 2025-09 has no affiliate (精选联盟) clause",
        ),
    ],
    ids=[
        "rate over 100",
        "rate negative",
        "rate malformed",
        "unknown grade",
        "paid negative",
        "paid three decimals",
        "paid zero",
        "shipping negative",
        "shipping over paid",
        "leader and creator over 90",
        "at not a time",
        "rulebook without affiliate clauses",
    ],
)
def test_quote_affiliate_bad_input_exits_2_with_a_readable_message(args, says):
    result = run("quote", "affiliate", *args, "--json")
    assert_readable_failure(result, says)
