"""The sample rules of douyin:aJmYG5vi4n1f as pure functions: the 45-day promotion period, the
paid sample's refund condition (X settled orders worth at least price × X × 80 %, compared
exactly, never with a float), its 7 days, the 50 000 followers from 500 yuan, the 5 broken duties
in 30 days and the 13 / 7 days of a return."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pledge.creators import samples_policy as rules
from pledge.rulebooks.loader import load

BOOK = load("douyin")
AT = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


def test_the_promotion_period_is_45_days_after_receipt_aJmYG5vi4n1f():
    assert rules.duty_due(BOOK, AT) == AT + timedelta(days=45)
    assert rules.orders_needed(BOOK, AT) == 3


def test_a_paid_sample_is_met_at_exactly_80_percent_of_price_times_x_aJmYG5vi4n1f():
    met = rules.paid_target_met
    assert met(BOOK, AT, price_fen=2_500, target=1, orders=1, amount_fen=2_000)
    assert not met(BOOK, AT, price_fen=2_500, target=1, orders=1, amount_fen=1_999)
    assert not met(BOOK, AT, price_fen=2_488, target=1, orders=1, amount_fen=1_990)  # 1 990.4 needed
    assert not met(BOOK, AT, price_fen=1_000, target=3, orders=2, amount_fen=100_000)  # too few orders
    assert met(BOOK, AT, price_fen=1_000, target=3, orders=3, amount_fen=2_400)
    assert rules.refund_due(BOOK, AT) == AT + timedelta(days=7)


@given(
    price=st.integers(1, 10**9),
    target=st.integers(1, 100),
    orders=st.integers(0, 200),
    amount=st.integers(0, 10**12),
)
def test_the_paid_condition_equals_its_exact_fraction(price, target, orders, amount):
    expected = orders >= target and amount * 10 >= price * target * 8
    met = rules.paid_target_met(BOOK, AT, price_fen=price, target=target, orders=orders, amount_fen=amount)
    assert met is expected


def test_paid_samples_from_500_yuan_need_50000_followers_aJmYG5vi4n1f():
    assert rules.paid_min_followers(BOOK, AT, 49_999) == 0
    assert rules.paid_min_followers(BOOK, AT, 50_000) == 50_000


def test_five_broken_duties_in_30_days_and_the_return_windows_aJmYG5vi4n1f():
    limit = rules.broken_limit(BOOK, AT)
    assert (limit.limit, limit.window) == (5, timedelta(days=30))
    assert rules.may_stop_until(BOOK, AT) == AT + timedelta(days=13)
    assert rules.return_confirmed_by(BOOK, AT) == AT + timedelta(days=7)
