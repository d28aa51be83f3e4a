"""The bounds of audiences and campaigns as the rulebook's Pledge-default clauses set them: rules
are checked and deduplicated, coupon terms refused outside the clause, and the notice limit and
report window read from the book (both shipped books carry the clauses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pledge.audiences.model import Rule, RuleKind
from pledge.audiences.policy import campaign_terms, check_coupon, check_rules, live_notice_limit, rule_bounds
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load

AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["douyin", "taobao"])
def test_audience_clauses_are_pledge_defaults_in_both_books(name):
    book = load(name)
    assert (rule_bounds(book, AT).days_max, rule_bounds(book, AT).rules_max) == (180, 10)
    limit = live_notice_limit(book, AT)
    assert (limit.notices, limit.window) == (1, timedelta(hours=24))
    terms = campaign_terms(book, AT)
    assert (terms.coupon_valid_days_max, terms.report_window) == (30, timedelta(days=7))
    for kind in ("audience_rules", "audience_live_notice_limit", "audience_campaign_terms"):
        assert book.one(kind, AT).source == "pledge:default"


def test_audience_rules_clause_keeps_each_rule_once_and_bounds_days():
    bounds = rule_bounds(load("douyin"), AT)
    rules = [Rule(RuleKind.VIEWED, 180), Rule(RuleKind.VIEWED, 180), Rule(RuleKind.WISHERS, demand_id=3)]
    assert check_rules(bounds, rules) == rules[1:]
    with pytest.raises(InvalidInput, match="from 1 to 180"):
        check_rules(bounds, [Rule(RuleKind.ORDERED, 181)])
    with pytest.raises(InvalidInput, match="only a wishers rule"):
        check_rules(bounds, [Rule(RuleKind.VIEWED, 7, demand_id=3)])


def test_audience_campaign_terms_clause_bounds_the_coupon():
    terms = campaign_terms(load("douyin"), AT)
    check_coupon(terms, amount_fen=300, min_spend_fen=0, valid_days=30)  # no minimum spend
    check_coupon(terms, amount_fen=300, min_spend_fen=301, valid_days=1)
    for bad in (
        {"amount_fen": 300, "min_spend_fen": 300, "valid_days": 7},
        {"amount_fen": 300, "min_spend_fen": 0, "valid_days": 31},
        {"amount_fen": 3.0, "min_spend_fen": 0, "valid_days": 7},
        {"amount_fen": True, "min_spend_fen": 0, "valid_days": 7},
    ):
        with pytest.raises(InvalidInput):
            check_coupon(terms, **bad)
