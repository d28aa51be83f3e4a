"""The attribution window of orders to creators (`affiliate.attribution-window`, a Pledge default:
the text only says "在一定时间内") is enforced by the lifetime of the signed source token the cart
keeps: the two must stay equal, and the clause must say it is a Pledge default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pledge.attribution.tokens import TOKEN_LIFETIME
from pledge.creators.policy import clause_of
from pledge.rulebooks.loader import load

BOOK = load("douyin")
AT = datetime(2026, 9, 1, tzinfo=UTC)


def test_the_attribution_window_is_the_source_tokens_lifetime():
    clause = clause_of(BOOK, "affiliate_attribution_window", AT)
    assert timedelta(hours=int(clause.get("hours"))) == TOKEN_LIFETIME
    assert clause.source == "pledge:default"
    assert "Pledge default, not a Douyin figure" in str(clause.text_en)


def test_a_creator_without_a_published_grade_pays_the_grade_b_fee_by_pledge_default():
    clause = clause_of(BOOK, "affiliate_grade_unpublished", AT)
    assert (clause.get("grade"), clause.source) == ("B", "pledge:default")
