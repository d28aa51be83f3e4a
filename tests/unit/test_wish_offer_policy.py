"""The wisher offer's bounds (clause wishes.wisher-offer, a Pledge default) as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import load
from pledge.wishes.policy import WisherOffer, check_offer, offer_bounds

AT = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture(params=["douyin", "taobao"])
def bounds(request):
    return offer_bounds(load(request.param), AT)


def test_the_clause_is_a_pledge_default_in_both_books(bounds):
    assert (bounds.clause_id, bounds.price_valid_days_max, bounds.first_access_hours_max) == (
        "wishes.wisher-offer",
        30,
        72,
    )
    for name in ("douyin", "taobao"):
        clause = load(name).clause("wishes.wisher-offer")
        assert clause.source == "pledge:default" and "Pledge default, not a" in clause.text_en


def test_wisher_offer_price_off_is_at_most_half_the_cheapest_price_rounded_down(bounds):
    check_offer(bounds, WisherOffer(price_off_fen=1999, valid_days=30), cheapest_fen=3999)
    with pytest.raises(InvalidInput, match="0.01 to 19.99 yuan"):
        check_offer(bounds, WisherOffer(price_off_fen=2000, valid_days=30), cheapest_fen=3999)
    with pytest.raises(InvalidInput, match="leaves no room"):
        check_offer(bounds, WisherOffer(price_off_fen=1, valid_days=1), cheapest_fen=1)


def test_wisher_offer_first_access_alone_needs_no_price(bounds):
    check_offer(bounds, WisherOffer(first_access_hours=72), cheapest_fen=100)
    with pytest.raises(InvalidInput, match="1 to 72 hours"):
        check_offer(bounds, WisherOffer(first_access_hours=73), cheapest_fen=100)
